import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditEntry, AuditKey, AuditLog } from '@airlock/audit-log'
import { openLog, saveKey } from '@airlock/audit-log/node'
import { AuditLogExport, UrDecoder } from '@airlock/transport'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../testing.ts'

const keyA = AuditKey.signer(new Uint8Array(32).fill(7))
const keyB = AuditKey.signer(new Uint8Array(32).fill(8))
const pubA = AuditKey.toHex(keyA.publicKey)
const safeTxHash = `0x${'3f'.repeat(32)}` as const

let dir: string
let logPath: string
let logText: string
let manifestPath: string
let copyPath: string
const tmp = (name: string) => join(dir, name)
const lines = (text: string) => text.split('\n').slice(0, -1)
const joinLines = (ls: readonly string[]) => ls.map((l) => `${l}\n`).join('')

function write(name: string, text: string): string {
  const path = tmp(name)
  writeFileSync(path, text)
  return path
}

function tickingClock() {
  let now = Date.parse('2026-11-21T08:00:00.000Z')
  return () => {
    now += 1000
    return new Date(now)
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-audit-cli-'))
  logPath = tmp('audit.jsonl')
  const log = await openLog({ path: logPath, signer: keyA, clock: tickingClock() })
  for (let i = 0; i < 6; i++) {
    if (i % 2 === 0) await log.append({ event: 'reviewed', safeTxHash, reasons: [`request ${i}`] })
    else
      await log.append({
        event: 'signed',
        safeTxHash,
        decision: 'approved',
        reasons: ['tier routine', `run ${i}`],
      })
  }
  await log.append({ event: 'refused', decision: 'refused', reasons: ['unknown target'] })
  copyPath = tmp('copy.jsonl')
  manifestPath = (await log.exportTo(copyPath)).manifestPath
  await log.close()
  logText = readFileSync(logPath, 'utf8')
})

const verifyArgs = (path: string) => ['audit', 'verify', path, '--public-key', pubA]

describe('airlock audit verify', () => {
  it('accepts an intact log written with the audit-log API', async () => {
    const { code, stdout, stderr } = await runCli(verifyArgs(logPath))
    expect(code, stderr).toBe(0)
    const last = JSON.parse(lines(logText).at(-1) as string)
    expect(stdout).toBe(`OK  8 entries (seq 0..7), key ${keyA.keyId}, head ${last.hash}, last ${last.time}\n`)
  })

  it('reads the key from a key file: the signer’s key JSON or plain hex', async () => {
    const keyJson = tmp('audit.key')
    await saveKey({ path: keyJson, privateKey: keyA.privateKey })
    const hexFile = write('audit.pub', `0x${pubA}\n`)
    for (const file of [keyJson, hexFile]) {
      const { code, stderr } = await runCli(['audit', 'verify', logPath, '--key-file', file])
      expect(code, stderr).toBe(0)
    }
  })

  it('names the first bad entry when a line is edited', async () => {
    const ls = lines(logText)
    ls[3] = (ls[3] as string).replace('request 2', 'request 3')
    const { code, stdout, stderr } = await runCli(verifyArgs(write('edited.jsonl', joinLines(ls))))
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/fails verification at line 4 \(seq 3\): hash: /)
  })

  it('names the first bad entry when a line is deleted', async () => {
    const ls = lines(logText)
    ls.splice(2, 1)
    const { code, stderr } = await runCli(verifyArgs(write('deleted.jsonl', joinLines(ls))))
    expect(code).toBe(1)
    expect(stderr).toMatch(
      /fails verification at line 3 \(seq 3\): seq: Entry on line 3 has seq 3, expected 2\./,
    )
  })

  it('detects entries rewritten and re-chained with another key', async () => {
    // An attacker rewrites entry 4 onwards with their own key, keeping the chain consistent.
    const entries = lines(logText).map((l) => AuditEntry.parseLine(l, { line: 1 }))
    const kept = entries.slice(0, 4)
    let head = AuditLog.headOf(kept.at(-1) as AuditEntry.Entry)
    const forged = entries.slice(4).map((e) => {
      const next = AuditLog.next({
        head,
        input: { event: e.event, reasons: ['nothing to see'] },
        time: e.time,
        signer: keyB,
      })
      head = AuditLog.headOf(next)
      return next
    })
    const text = joinLines([...kept, ...forged].map(AuditEntry.toLine))
    const { code, stderr } = await runCli(verifyArgs(write('rekeyed.jsonl', text)))
    expect(code).toBe(1)
    expect(stderr).toMatch(/at line 5 \(seq 4\): key-changed: /)

    // The same, claiming the genuine key id: the signature itself fails.
    const impostor = { ...keyB, keyId: keyA.keyId, publicKey: keyA.publicKey }
    const sneaky = AuditLog.next({
      head: AuditLog.headOf(kept.at(-1) as AuditEntry.Entry),
      input: { event: 'reviewed' },
      time: (entries[4] as AuditEntry.Entry).time,
      signer: impostor,
    })
    const { stderr: sigErr } = await runCli(
      verifyArgs(write('impostor.jsonl', joinLines([...kept, sneaky].map(AuditEntry.toLine)))),
    )
    expect(sigErr).toMatch(/at line 5 \(seq 4\): signature: Entry 4 has an invalid signature/)

    // A log that is entirely someone else's does not match the enrolled key from its first line.
    const theirs = AuditLog.create({ signer: keyB, clock: tickingClock() })
    const { stderr: keyErr } = await runCli(verifyArgs(write('theirs.jsonl', theirs.text())))
    expect(keyErr).toMatch(/at line 1 \(seq 0\): key-mismatch: /)
  })

  it('reports the failure as JSON with --json', async () => {
    const ls = lines(logText)
    ls.splice(5, 1)
    const { code, stdout, stderr } = await runCli([
      ...verifyArgs(write('json.jsonl', joinLines(ls))),
      '--json',
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^airlock: .* at line 6 \(seq 6\): seq: /)
    const result = JSON.parse(stdout)
    expect(result).toMatchObject({ ok: false, entries: 5, keyId: keyA.keyId })
    expect(result.firstBad).toMatchObject({ line: 6, seq: 6, reason: 'seq' })
  })

  it('checks an exported copy against its signed manifest (which pins the length)', async () => {
    const ok = await runCli([...verifyArgs(copyPath), '--manifest', manifestPath])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('matches the manifest')
    // Dropping the last entries keeps the chain intact; only the manifest notices.
    const cut = write('cut.jsonl', joinLines(lines(logText).slice(0, -2)))
    expect((await runCli(verifyArgs(cut))).code).toBe(0)
    const truncated = await runCli([...verifyArgs(cut), '--manifest', manifestPath])
    expect(truncated.code).toBe(1)
    expect(truncated.stderr).toMatch(/does not match: file has \d+ bytes, manifest says \d+/)
  })

  it('signs tree heads with audit head, and names a cut tail or an edited entry against witnessed heads', async () => {
    const keyFile = tmp('head-audit.key')
    await saveKey({ path: keyFile, privateKey: keyA.privateKey })
    const early = write('early.jsonl', joinLines(lines(logText).slice(0, 4)))
    const heads = [
      await runCli(['audit', 'head', early, '--key-file', keyFile]),
      await runCli(['audit', 'head', logPath, '--key-file', keyFile]),
    ]
    for (const head of heads) expect(head.code, head.stderr).toBe(0)
    const headsFile = write('heads.jsonl', heads.map((h) => h.stdout).join(''))
    expect(JSON.parse(heads[1]!.stdout)).toMatchObject({ size: lines(logText).length, keyId: keyA.keyId })

    const ok = await runCli([...verifyArgs(logPath), '--heads', headsFile])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('2 of 2 witnessed heads match')

    const cut = write('cut-heads.jsonl', joinLines(lines(logText).slice(0, -2)))
    const truncated = await runCli([...verifyArgs(cut), '--heads', headsFile])
    expect(truncated.code).toBe(1)
    expect(truncated.stderr).toMatch(/the log has only \d+ entries, so its tail was cut off/)

    // Re-signed by another key after an edit: the chain verifies under that key, the heads do not.
    const json = await runCli([...verifyArgs(logPath), '--heads', headsFile, '--json'])
    expect(JSON.parse(json.stdout).heads.map((h: { status: string }) => h.status)).toEqual(['ok', 'ok'])
    const forged = write('forged-heads.jsonl', heads[1]!.stdout.replace(/"root":"[0-9a-f]{2}/, '"root":"00'))
    const bad = await runCli([...verifyArgs(logPath), '--heads', forged])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("not signed by this log's key")
    // A log edited and re-signed by its own key (a compromised signer rewriting history) is a fork.
    const rewritten = AuditLog.create({ signer: keyA, clock: tickingClock() })
    for (let i = 0; i < lines(logText).length - 1; i++) rewritten.append({ event: 'reviewed', safeTxHash })
    const fork = write('fork.jsonl', rewritten.text())
    const forkCheck = await runCli([...verifyArgs(fork), '--heads', headsFile])
    expect(forkCheck.code).toBe(1)
    expect(forkCheck.stderr).toMatch(/have another root, so an entry was edited or replaced/)
  })

  it('rejects a malformed key and a missing key as one-line errors', async () => {
    const bad = await runCli(['audit', 'verify', logPath, '--public-key', 'abcd'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('A log key must be 32 bytes of hex')
    const missing = await runCli(['audit', 'verify', logPath])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('exactly one of --public-key and --key-file')
  })
})

describe('airlock audit show', () => {
  it('prints a header and one line per entry, filtered by --from/--to', async () => {
    const all = await runCli(['audit', 'show', logPath, '--public-key', pubA])
    expect(all.code).toBe(0)
    const out = all.stdout.trim().split('\n')
    expect(out).toHaveLength(9)
    expect(out[1]).toMatch(/^\s+0 {2}2026-11-21T08:00:01\.000Z {2}log-opened/)
    expect(out[8]).toMatch(/^\s+7 .*refused\s+refused\s+- +unknown target$/)

    const some = await runCli(['audit', 'show', logPath, '--from', '2', '--to', '4', '--json'])
    const seqs = some.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).seq)
    expect(seqs).toEqual([2, 3, 4])
    // --json prints the stored lines themselves.
    expect(some.stdout).toBe(joinLines(lines(logText).slice(2, 5)))
  })

  it('with a key, stops at the first bad entry and exits 1', async () => {
    const ls = lines(logText)
    ls[4] = (ls[4] as string).replace('run 3', 'run 9')
    const { code, stdout, stderr } = await runCli([
      'audit',
      'show',
      write('show-bad.jsonl', joinLines(ls)),
      '--public-key',
      pubA,
    ])
    expect(code).toBe(1)
    const out = stdout.trim().split('\n')
    expect(out).toHaveLength(1 + 4 + 1)
    expect(out.at(-1)).toMatch(/^FAILED at line 5 \(seq 4\): hash: /)
    expect(stderr).toMatch(/at line 5 \(seq 4\): hash/)
  })

  it('filters by event and by safeTxHash, and refuses a filter it does not know', async () => {
    const seqs = async (...filters: string[]) => {
      const { code, stdout, stderr } = await runCli(['audit', 'show', logPath, '--json', ...filters])
      expect(code, stderr).toBe(0)
      return stdout
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l).seq)
    }
    expect(await seqs('--event', 'refused')).toEqual([7])
    expect(await seqs('--event', 'signed, refused')).toEqual([2, 4, 6, 7])
    expect(await seqs('--safe-tx-hash', safeTxHash.toUpperCase().replace('0X', '0x'))).toEqual([
      1, 2, 3, 4, 5, 6,
    ])
    expect(await seqs('--event', 'signed', '--safe-tx-hash', `0x${'00'.repeat(32)}`)).toEqual([])
    const unknown = await runCli(['audit', 'show', logPath, '--event', 'signed,approved'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Unknown event "approved" for --event')
    expect((await runCli(['audit', 'show', logPath, '--safe-tx-hash', '0x12'])).code).toBe(2)
  })

  it('shows terminal control characters in a log as visible escapes, never raw', async () => {
    const path = tmp('escapes.jsonl')
    const log = await openLog({ path, signer: keyA, clock: tickingClock() })
    await log.append({
      event: 'refused',
      decision: 'ok\u001b[8m',
      reasons: ['seen\u001b[2K\rforged', 'a\u202etxt'],
    })
    await log.close()
    const { code, stdout } = await runCli(['audit', 'show', path, '--public-key', pubA])
    expect(code).toBe(0)
    for (const raw of ['\u001b', '\r', '\u202e']) expect(stdout).not.toContain(raw)
    expect(stdout).toContain('ok\\u{1b}[8m')
    expect(stdout).toContain('seen\\u{1b}[2K\\u{d}forged; a\\u{202e}txt')
  })

  it('without a key, says the listing is unverified', async () => {
    const { code, stdout } = await runCli(['audit', 'show', logPath])
    expect(code).toBe(0)
    expect(stdout).toContain('(not verified:')
  })
})

describe('airlock audit export --ur / import', () => {
  async function exportParts(path: string, extra: string[] = []): Promise<string> {
    const { code, stdout, stderr } = await runCli([
      'audit',
      'export',
      path,
      '--ur',
      '--max-fragment',
      '200',
      ...extra,
    ])
    expect(code, stderr).toBe(0)
    return stdout
  }

  it('prints audit-log UR parts that carry the log byte for byte', async () => {
    const parts = (await exportParts(logPath)).trim().split('\n')
    expect(parts.length).toBeGreaterThan(1)
    const decoder = new UrDecoder({ expectedTypes: [AuditLogExport.urType] })
    const statuses = parts.map((p) => decoder.receive(p))
    const done = statuses.at(-1)
    expect(done?.status).toBe('complete')
    if (done?.status !== 'complete') return
    const exported = AuditLogExport.fromUr(done.result)
    expect(new TextDecoder().decode(exported.entries)).toBe(logText)
    expect(AuditKey.toHex(exported.signer)).toBe(pubA)
    expect([exported.firstSequence, exported.lastSequence]).toEqual([0, 7])
  })

  it('imports the parts back into an identical, verified log', async () => {
    const partsFile = write('parts.txt', await exportParts(logPath))
    const out = tmp('imported.jsonl')
    const { code, stdout, stderr } = await runCli([
      'audit',
      'import',
      partsFile,
      '--out',
      out,
      '--public-key',
      pubA,
    ])
    expect(code, stderr).toBe(0)
    expect(stdout).toBe(`Imported 8 entries (seq 0..7) into ${out}, verified with key ${keyA.keyId}\n`)
    expect(readFileSync(out, 'utf8')).toBe(logText)
    // Never over an existing file.
    const again = await runCli(['audit', 'import', partsFile, '--out', out])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists')
  })

  it('imports a segment (--from) that chains from its own first entry', async () => {
    const partsFile = write('segment.txt', await exportParts(logPath, ['--from', '3']))
    const out = tmp('segment.jsonl')
    const { code, stdout } = await runCli(['audit', 'import', partsFile, '--out', out])
    expect(code).toBe(0)
    expect(stdout).toContain('Imported 5 entries (seq 3..7)')
    expect(stdout).toContain(`Key taken from the export: ${pubA}`)
    expect(readFileSync(out, 'utf8')).toBe(joinLines(lines(logText).slice(3)))
  })

  it('refuses tampered content, another key and incomplete parts, writing nothing', async () => {
    const ls = lines(logText)
    ls[2] = (ls[2] as string).replace('run 1', 'run 9')
    const tampered = write('parts-tampered.txt', await exportParts(write('t.jsonl', joinLines(ls))))
    const parts = write('parts-good.txt', await exportParts(logPath))
    const partial = write('parts-partial.txt', readFileSync(parts, 'utf8').split('\n').slice(1).join('\n'))
    const cases: [string, string[], RegExp][] = [
      [tampered, [], /at line 3 \(seq 2\): hash/],
      [parts, ['--public-key', AuditKey.toHex(keyB.publicKey)], /signed with key .* not the expected/],
      [partial, [], /does not hold a complete audit-log export/],
    ]
    for (const [file, flags, message] of cases) {
      const out = tmp(`never-${Math.random().toString(36).slice(2)}.jsonl`)
      const { code, stderr } = await runCli(['audit', 'import', file, '--out', out, ...flags])
      expect(code).toBe(1)
      expect(stderr.trim().split('\n')).toHaveLength(1)
      expect(stderr).toMatch(message)
      expect(existsSync(out)).toBe(false)
    }
  })

  it('names a line that is not a UR', async () => {
    const file = write('junk.txt', 'hello\n')
    const { code, stderr } = await runCli(['audit', 'import', file, '--out', tmp('junk.jsonl')])
    expect(code).toBe(1)
    expect(stderr).toContain('junk.txt line 1:')
  })
})
