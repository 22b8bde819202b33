import type { ReportModel } from './Report.ts'

/**
 * One cell: quoted, quotes doubled, and a leading = + - @ tab or CR neutralised so a spreadsheet never
 * runs a formula that a log entry carried (CSV injection).
 */
function cell(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return `"${text.replace(/"/g, '""')}"`
}

/**
 * The report's timeline as CSV (one row per verified entry), for a spreadsheet or another tool.
 *
 * @example
 * writeFileSync('report.csv', Report.csv(model))
 */
export function csv(model: ReportModel): string {
  const header = [
    'time',
    'log',
    'seq',
    'event',
    'decision',
    'kind',
    'chainId',
    'safe',
    'nonce',
    'tier',
    'safeTxHash',
    'outflows',
    'reasons',
  ]
  const rows = model.timeline.map((r) =>
    [
      r.time,
      r.signer,
      r.seq,
      r.event,
      r.decision,
      r.kind,
      r.chainId,
      r.safe,
      r.nonce,
      r.tier,
      r.safeTxHash,
      r.outflows.map((o) => `${o.amount} ${o.asset} -> ${o.to}`).join('; '),
      r.reasons.join('; '),
    ]
      .map(cell)
      .join(','),
  )
  return `${[header.map(cell).join(','), ...rows].join('\r\n')}\r\n`
}
