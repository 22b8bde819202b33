import { formatEther } from 'viem'
import type { Attempt, DrillReport } from './Drill.ts'

/** Per attempt kind and phase: how many, with which outcomes, why, and what was lost. */
export type Row = {
  kind: Attempt['kind']
  phase: Attempt['phase']
  attempts: number
  outcomes: Partial<Record<Attempt['outcome'], number>>
  reasons: string[]
  lostWei: bigint
}

/**
 * The attempts grouped for the table.
 *
 * @example
 * DrillReport.rows(report).map((row) => row.kind)
 */
export function rows(report: DrillReport): Row[] {
  const byKey = new Map<string, Row>()
  for (const a of report.attempts) {
    const key = `${a.phase}|${a.kind}`
    const row = byKey.get(key) ?? {
      kind: a.kind,
      phase: a.phase,
      attempts: 0,
      outcomes: {},
      reasons: [],
      lostWei: 0n,
    }
    row.attempts += 1
    row.outcomes[a.outcome] = (row.outcomes[a.outcome] ?? 0) + 1
    for (const reason of a.reasons) if (!row.reasons.includes(reason)) row.reasons.push(reason)
    row.lostWei += a.lostWei
    byKey.set(key, row)
  }
  return [...byKey.values()]
}

const percent = (part: bigint, whole: bigint) =>
  `${(Number((part * 1_000_000n) / whole) / 10_000).toFixed(2)}%`

/**
 * The report as text: the attempts table, the loss against the bounds, the pause time.
 *
 * @example
 * process.stdout.write(DrillReport.text(report))
 */
export function text(report: DrillReport): string {
  const lines = [
    `Compromise drill: ${report.hours} simulated hours, ${report.attempts.length} attempts`,
    '',
    `${'phase'.padEnd(24)}${'attempt'.padEnd(28)}${'n'.padStart(4)}  ${'outcomes'.padEnd(34)}lost ETH  reasons`,
  ]
  for (const row of rows(report)) {
    const outcomes = Object.entries(row.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
    lines.push(
      `${row.phase.padEnd(24)}${row.kind.padEnd(28)}${String(row.attempts).padStart(4)}  ${outcomes.padEnd(34)}${formatEther(row.lostWei).padStart(8)}  ${row.reasons.slice(0, 4).join(', ')}`,
    )
  }
  lines.push(
    '',
    `Lost: ${formatEther(report.lostWei)} ETH = ${percent(report.lostWei, report.tvlWei)} of TVL (${formatEther(report.tvlWei)} ETH); one signer's velocity allowance: ${formatEther(report.velocityCapWei)} ETH (${percent(report.velocityCapWei, report.tvlWei)})`,
    `Lost through Critical or Existential actions: ${formatEther(report.lostCriticalWei)} ETH`,
    report.pause
      ? `Sentry alert to executed guardian pause: ${report.pause.seconds} s, ${report.pause.blocks} block(s) (QR request ${report.pause.breakdown.qrRequestSeconds} s + reaction ${report.pause.breakdown.humanSeconds} s + QR answer ${report.pause.breakdown.qrAnswerSeconds} s + engine ${report.pause.breakdown.engineSeconds} s)`
      : 'The sentry raised no alert (nothing drained past its threshold).',
    '',
  )
  return lines.join('\n')
}

/**
 * The report as JSON (amounts as decimal strings).
 *
 * @example
 * writeFileSync('drill.json', DrillReport.json(report))
 */
export function json(report: DrillReport): string {
  return `${JSON.stringify({ ...report, rows: rows(report) }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`
}
