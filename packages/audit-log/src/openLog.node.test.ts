import { spawnSync } from 'node:child_process'
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, test } from 'vitest'
import * as AuditKey from './AuditKey.ts'
import { nodeEd25519 } from './ed25519.node.ts'
import { ClockRegressionError } from './errors.ts'
import { loadKey, saveKey } from './keyFile.node.ts'
import { acquireLock } from './lock.node.ts'
import { inspectLog, openLog } from './openLog.node.ts'
import { keyA, keyB, safeTxHash, tickingClock } from './testing.test-helpers.ts'
import { verify } from './verify.ts'

const dir = mkdtempSync(join(tmpdir(), 'audit-log-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = () => join(dir, `log-${n++}.jsonl`)
const verifyFile = (path: string) => verify(readFileSync(path), { publicKey: keyA.publicKey })

describe('openLog', () => {
  test('creates a log, appends with fsync, and continues it after reopening', async () => {
    const path = fresh()
    const clock = tickingClock()
    const log = await openLog({ path, signer: keyA, clock })
    expect(log.opened).toEqual({ created: true, entries: 1, recovered: undefined })
    const signed = await log.append({ event: 'signed', safeTxHash, decision: 'approved' })
    expect(signed.seq).toBe(1)
    expect(statSync(path).mode & 0o777).toBe(0o640)
    await log.close()
    const again = await openLog({ path, signer: keyA, clock })
    expect(again.opened).toEqual({ created: false, entries: 2, recovered: undefined })
    expect(again.head.hash).toBe(signed.hash)
    // Concurrent callers are serialised: seqs stay consecutive.
    await Promise.all([1, 2, 3].map((i) => again.append({ event: 'reviewed', data: { i } })))
    await again.close()
    const result = verifyFile(path)
    expect(result.ok).toBe(true)
    expect(result.entries.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4])
    await expect(again.append({ event: 'reviewed' })).rejects.toMatchObject({
      name: 'AuditLog.LogClosedError',
    })
  })

  test('refuses a torn tail by default and repairs it into a sidecar on request', async () => {
    const path = fresh()
    const log = await openLog({ path, signer: keyA, clock: tickingClock() })
    await log.append({ event: 'reviewed', safeTxHash })
    await log.close()
    const intact = readFileSync(path)
    appendFileSync(path, '{"decision":"appro')
    await expect(openLog({ path, signer: keyA })).rejects.toMatchObject({
      name: 'AuditLog.TornTailError',
      offset: intact.length,
      tornLength: 18,
    })
    expect((await inspectLog(path)).torn?.offset).toBe(intact.length)
    const clock = tickingClock(Date.parse('2026-11-21T09:00:00.000Z'))
    const repaired = await openLog({ path, signer: keyA, clock, onTorn: 'repair' })
    const recovered = repaired.opened.recovered
    expect(recovered).toMatchObject({ offset: intact.length, tornLength: 18 })
    expect(readFileSync(recovered?.sidecarPath as string, 'utf8')).toBe('{"decision":"appro')
    expect(recovered?.entry).toMatchObject({
      seq: 2,
      event: 'log-recovered',
      data: {
        offset: intact.length,
        tornLength: 18,
        sidecar: expect.stringMatching(/\.torn-2026-11-21T09-00-00-000Z$/),
      },
    })
    await repaired.close()
    expect(readFileSync(path).subarray(0, intact.length)).toEqual(intact)
    expect(verifyFile(path).ok).toBe(true)
  })

  test('repairs a log whose very first write was torn', async () => {
    const path = fresh()
    writeFileSync(path, '{"data":')
    const log = await openLog({ path, signer: keyA, clock: tickingClock(), onTorn: 'repair' })
    await log.close()
    const result = verifyFile(path)
    expect(result.entries.map((e) => e.event)).toEqual(['log-opened', 'log-recovered'])
  })

  test('refuses to append to a log that does not verify or has another key', async () => {
    const path = fresh()
    const log = await openLog({ path, signer: keyA, clock: tickingClock() })
    await log.append({ event: 'reviewed' })
    await log.close()
    await expect(openLog({ path, signer: keyB })).rejects.toMatchObject({
      name: 'AuditLog.CorruptLogError',
      shortMessage: expect.stringContaining('line 1 (seq 0): key-mismatch'),
    })
    writeFileSync(path, readFileSync(path, 'utf8').replace('"reviewed"', '"refused"'))
    for (const verifyOnOpen of ['full', 'head'] as const) {
      await expect(openLog({ path, signer: keyA, verifyOnOpen })).rejects.toMatchObject({
        name: 'AuditLog.CorruptLogError',
        shortMessage: expect.stringContaining('line 2 (seq 1): hash'),
      })
    }
    // A failed open releases the lock.
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  test('refuses a clock running backwards and records the anomaly', async () => {
    const path = fresh()
    let now = Date.parse('2026-11-21T08:00:00.000Z')
    const log = await openLog({ path, signer: keyA, clock: () => new Date(now) })
    now -= 60_000
    const error = await log.append({ event: 'reviewed' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClockRegressionError)
    const anomaly = await log.appendClockAnomaly(error as ClockRegressionError)
    expect(anomaly).toMatchObject({ event: 'clock-anomaly', time: '2026-11-21T08:00:00.000Z' })
    await log.close()
    expect(verifyFile(path).entries).toHaveLength(2)
  })

  test('one writer at a time; a dead holder’s lock is broken', async () => {
    const path = fresh()
    const log = await openLog({ path, signer: keyA })
    await expect(openLog({ path, signer: keyA })).rejects.toMatchObject({
      name: 'AuditLog.LogLockedError',
      pid: process.pid,
    })
    await log.close()
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString()
    writeFileSync(`${path}.lock`, `${dead} feedface\n`)
    const again = await openLog({ path, signer: keyA })
    expect(readFileSync(`${path}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid} `))
    await again.close()
    expect(existsSync(`${path}.lock`)).toBe(false)
    const lock = acquireLock(`${path}.lock`)
    lock.release()
    lock.release()
  })

  test('exports a copy with a signed manifest that pins the head', async () => {
    const path = fresh()
    const log = await openLog({ path, signer: keyA, clock: tickingClock() })
    await log.append({ event: 'signed', safeTxHash })
    const exported = await log.exportTo(`${path}.export`)
    await log.append({ event: 'reviewed' })
    await log.close()
    expect(exported.manifest).toMatchObject({ lastSeq: 1, file: expect.stringMatching(/\.export$/) })
    const manifest = JSON.parse(readFileSync(exported.manifestPath, 'utf8'))
    const checkpoint = { seq: manifest.lastSeq, hash: manifest.lastHash }
    // The live log still contains the exported head; a log cut before it does not.
    expect(verify(readFileSync(path), { publicKey: keyA.publicKey, checkpoint }).ok).toBe(true)
    const cut = readFileSync(path, 'utf8').split('\n').slice(0, 1).join('\n').concat('\n')
    expect(verify(cut, { publicKey: keyA.publicKey, checkpoint }).firstBad?.reason).toBe('truncated')
  })
})

describe('key file', () => {
  test('saves with mode 0600, loads, and refuses overwrite, loose modes and mismatches', async () => {
    const path = join(dir, 'audit.key')
    const privateKey = AuditKey.generate()
    await saveKey({ path, privateKey })
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(await loadKey({ path })).toEqual(privateKey)
    await expect(saveKey({ path, privateKey })).rejects.toMatchObject({ name: 'AuditLog.KeyFileError' })
    const loose = join(dir, 'loose.key')
    writeFileSync(loose, readFileSync(path), { mode: 0o644 })
    await expect(loadKey({ path: loose })).rejects.toThrow(/readable by other users/)
    const swapped = join(dir, 'swapped.key')
    const content = JSON.parse(readFileSync(path, 'utf8'))
    writeFileSync(swapped, JSON.stringify({ ...content, publicKey: AuditKey.toHex(keyB.publicKey) }), {
      mode: 0o600,
    })
    await expect(loadKey({ path: swapped })).rejects.toMatchObject({
      details: 'publicKey does not match privateKey',
    })
    await expect(loadKey({ path: join(dir, 'missing.key') })).rejects.toMatchObject({
      name: 'AuditLog.KeyFileError',
    })
  })
})

describe('nodeEd25519', () => {
  test('signs and verifies exactly like @noble (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        (sk, message) => {
          const pk = AuditKey.nobleEd25519.getPublicKey(sk)
          expect(nodeEd25519.getPublicKey(sk)).toEqual(pk)
          const sig = nodeEd25519.sign(message, sk)
          expect(sig).toEqual(AuditKey.nobleEd25519.sign(message, sk))
          expect(AuditKey.nobleEd25519.verify(sig, message, pk)).toBe(true)
          const flipped = sig.slice()
          flipped[0] = (flipped[0] as number) ^ 1
          expect(nodeEd25519.verify(flipped, message, pk)).toBe(false)
          expect(AuditKey.nobleEd25519.verify(flipped, message, pk)).toBe(false)
        },
      ),
      { numRuns: 50 },
    )
  })
})
