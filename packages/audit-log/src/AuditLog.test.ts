import { describe, expect, test } from 'vitest'
import * as AuditEntry from './AuditEntry.ts'
import * as AuditKey from './AuditKey.ts'
import * as AuditLog from './AuditLog.ts'
import { ClockRegressionError } from './errors.ts'
import { keyA, linesOf, safeTxHash, tickingClock } from './testing.test-helpers.ts'
import { verify } from './verify.ts'

describe('AuditLog', () => {
  test('starts with log-opened recording the public key, then chains entries', () => {
    const log = AuditLog.create({ signer: keyA, clock: tickingClock() })
    const entry = log.append({ event: 'signed', safeTxHash: `0x${'AB'.repeat(32)}`, decision: 'approved' })
    const [opened] = log.entries
    expect(opened).toMatchObject({
      seq: 0,
      event: 'log-opened',
      prev: AuditEntry.genesisHash,
      publicKey: AuditKey.toHex(keyA.publicKey),
      keyId: keyA.keyId,
      time: '2026-11-21T08:00:00.000Z',
    })
    expect(entry).toMatchObject({ seq: 1, prev: opened?.hash, time: '2026-11-21T08:00:01.000Z' })
    // Hex is normalised to lowercase so equal values are equal bytes.
    expect(entry.safeTxHash).toBe(`0x${'ab'.repeat(32)}`)
    expect(linesOf(log.text()).map((l) => JSON.parse(l).seq)).toEqual([0, 1])
    expect(verify(log.text(), { publicKey: keyA.publicKey }).ok).toBe(true)
  })

  test('stores each entry as its canonical line, with hash and signature checkable', () => {
    const log = AuditLog.create({ signer: keyA, clock: tickingClock() })
    const entry = log.append({ event: 'refused', reasons: ['b', 'a'], data: { z: 1, a: [true, null] } })
    const line = linesOf(log.text())[1] as string
    expect(line).toBe(AuditEntry.toLine(entry))
    expect(line.indexOf('"data"')).toBeLessThan(line.indexOf('"event"'))
    expect(AuditEntry.computeHash(entry)).toBe(entry.hash)
    expect(AuditEntry.verifySignature(entry, { publicKey: keyA.publicKey, ed25519: keyA.ed25519 })).toBe(true)
    expect(AuditEntry.parseLine(line, { line: 2 })).toEqual(entry)
  })

  test('refuses a time earlier than the last entry, and logs the anomaly at the last time', () => {
    let now = Date.parse('2026-11-21T08:00:00.000Z')
    const log = AuditLog.create({ signer: keyA, clock: () => new Date(now) })
    now -= 5_000
    let error: unknown
    try {
      log.append({ event: 'reviewed', safeTxHash })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ClockRegressionError)
    expect((error as ClockRegressionError).shortMessage).toMatchInlineSnapshot(
      `"The clock reads 2026-11-21T07:59:55.000Z, earlier than the last log entry (2026-11-21T08:00:00.000Z)."`,
    )
    const anomaly = log.append(...AuditLog.clockAnomaly(error as ClockRegressionError))
    expect(anomaly).toMatchObject({
      seq: 1,
      event: 'clock-anomaly',
      time: '2026-11-21T08:00:00.000Z',
      data: { lastTime: '2026-11-21T08:00:00.000Z', observedTime: '2026-11-21T07:59:55.000Z' },
    })
    expect(verify(log.text(), { publicKey: keyA.publicKey }).ok).toBe(true)
  })

  test('equal times are allowed (non-decreasing)', () => {
    const log = AuditLog.create({ signer: keyA, clock: () => new Date(0) })
    log.append({ event: 'reviewed' })
    expect(log.head.seq).toBe(1)
  })

  test('rejects bad fields with typed errors and leaves the log unchanged', () => {
    const log = AuditLog.create({ signer: keyA, clock: tickingClock() })
    const before = log.text()
    const bad: [AuditEntry.Input, string][] = [
      [{ event: 'nope' as 'signed' }, 'event'],
      [{ event: 'signed', safeTxHash: '0x1234' }, 'safeTxHash'],
      [{ event: 'signed', signature: 'cafe' as `0x${string}` }, 'signature'],
      [{ event: 'signed', reasons: [1 as unknown as string] }, 'reasons'],
      [{ event: 'signed', data: { x: 0.5 } }, 'x'],
      [{ event: 'log-opened' }, 'log-opened'],
    ]
    for (const [input, mention] of bad) {
      expect(() => log.append(input)).toThrow(
        expect.objectContaining({ message: expect.stringContaining(mention) }),
      )
    }
    expect(() => log.append({ event: 'signed' }, { time: '2026-11-21 08:00' })).toThrow(
      /"time" must be ISO 8601/,
    )
    expect(log.text()).toBe(before)
    let thrown: unknown
    try {
      log.append({ event: 'signed', safeTxHash: '0x12' })
    } catch (e) {
      thrown = e
    }
    expect(thrown).toMatchInlineSnapshot(`
      [AuditLog.InvalidInputError: The audit entry field "safeTxHash" must be 32 bytes of 0x hex.
      Fix the value passed to append().
      Details: got "0x12"]
    `)
  })

  test('AuditKey ids and hex round-trip; bad keys are typed errors', () => {
    expect(AuditKey.id(keyA.publicKey)).toMatch(/^[0-9a-f]{16}$/)
    expect(AuditKey.fromHex(AuditKey.toHex(keyA.publicKey))).toEqual(keyA.publicKey)
    expect(() => AuditKey.fromHex('0x1234')).toThrow(
      expect.objectContaining({ name: 'AuditLog.InvalidInputError' }),
    )
    expect(() => AuditKey.signer(new Uint8Array(31))).toThrow(/private key must be 32 bytes/)
    expect(AuditKey.generate()).not.toEqual(AuditKey.generate())
  })
})
