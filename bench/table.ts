/** One printed table of a benchmark suite; rows are plain records so they serialise to JSON as-is. */
export type BenchTable = {
  title: string
  rows: Record<string, string | number | boolean | null>[]
  notes?: string[] | undefined
}

/** Median of a list of numbers (the list is not modified). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns per-call times in ms. */
export function sample(
  fn: () => void,
  { ms = 1000, min = 10 }: { ms?: number; min?: number } = {},
): number[] {
  for (let i = 0; i < 3; i++) fn()
  const times: number[] = []
  const end = performance.now() + ms
  while (performance.now() < end || times.length < min) {
    const start = performance.now()
    fn()
    times.push(performance.now() - start)
  }
  return times
}

function cell(value: string | number | boolean | null): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value)
    if (Number.isInteger(value)) return value.toLocaleString('en-US')
    return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(3)
  }
  return String(value)
}

/** Renders a table as aligned text columns. */
export function format(table: BenchTable): string {
  const columns = [...new Set(table.rows.flatMap((row) => Object.keys(row)))]
  const cells = table.rows.map((row) => columns.map((column) => cell(row[column] ?? '')))
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i]!.length)))
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [
    `## ${table.title}`,
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    ...(table.notes ?? []).map((note) => `note: ${note}`),
    '',
  ].join('\n')
}
