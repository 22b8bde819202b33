import { printable } from '@airlock/errors'
import type * as AuditEntry from './AuditEntry.ts'
import type { VerifyFailure } from './verify.ts'

/**
 * One human line for an entry: seq, time, event, decision, short safeTxHash, reasons.
 *
 * @example
 * formatEntry(entry)
 * // '     7  2026-11-21T08:09:44.123Z  signed           approved      0x3f1c…9a0b  tier 2; within limits'
 */
export function formatEntry(entry: AuditEntry.Entry): string {
  const hash =
    entry.safeTxHash === undefined ? '-' : `${entry.safeTxHash.slice(0, 6)}…${entry.safeTxHash.slice(-4)}`
  const reasons = entry.reasons && entry.reasons.length > 0 ? entry.reasons.map(printable).join('; ') : ''
  return [
    String(entry.seq).padStart(6),
    entry.time,
    entry.event.padEnd(16),
    printable(entry.decision ?? '-').padEnd(12),
    hash.padEnd(13),
    reasons,
  ]
    .join('  ')
    .trimEnd()
}

/**
 * The `airlock audit show` listing: a header, one line per entry, and the verify failure if any.
 *
 * @example
 * const result = verify(text, { publicKey })
 * console.log(show(result.entries, { failure: result.firstBad }))
 */
export function show(
  entries: readonly AuditEntry.Entry[],
  { failure }: { failure?: VerifyFailure | undefined } = {},
): string {
  const header = [
    '   seq',
    'time'.padEnd(24),
    'event'.padEnd(16),
    'decision'.padEnd(12),
    'safeTxHash'.padEnd(13),
    'reasons',
  ].join('  ')
  const lines = [header, ...entries.map(formatEntry)]
  if (failure !== undefined) {
    lines.push(
      `FAILED at line ${failure.line} (seq ${failure.seq}): ${failure.reason}: ${printable(failure.message)}`,
    )
  }
  return `${lines.join('\n')}\n`
}
