// Shared fixtures for this package's tests (not exported from the package).
import * as AuditKey from './AuditKey.ts'
import * as AuditLog from './AuditLog.ts'

/** Fixed keys so failures are reproducible. */
export const keyA = AuditKey.signer(new Uint8Array(32).fill(1))
export const keyB = AuditKey.signer(new Uint8Array(32).fill(2))

/** A clock that ticks one second per call from a fixed instant. */
export function tickingClock(start = Date.parse('2026-11-21T08:00:00.000Z')): AuditLog.Clock {
  let now = start
  return () => {
    const date = new Date(now)
    now += 1000
    return date
  }
}

export const safeTxHash = `0x${'3f'.repeat(32)}` as const

/** A log with `count` entries after log-opened, of varied events. */
export function sampleLog(count: number, signer = keyA): AuditLog.MemoryLog {
  const log = AuditLog.create({ signer, clock: tickingClock() })
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0) log.append({ event: 'reviewed', safeTxHash, requestDigest: `0x${'0a'.repeat(32)}` })
    else if (i % 3 === 1) {
      log.append({
        event: 'signed',
        safeTxHash,
        decision: 'approved',
        reasons: ['tier 1', `run ${i}`],
        policyBundleHash: `0x${'bb'.repeat(32)}`,
        device: 'ledger:nano-s-plus',
        signature: `0x${'cd'.repeat(65)}`,
      })
    } else log.append({ event: 'refused', decision: 'refused', reasons: ['unknown target'], data: { n: i } })
  }
  return log
}

/** The log's lines without their newlines. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n')
  lines.pop()
  return lines
}

export const join = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('')
