// Audit-log benchmark: appends per second with fsync (file log) and verify rate.
// Standalone: node --import tsx bench/audit-log.ts [entries]   (AUDIT_BENCH_DIR picks the disk)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { AuditKey, AuditLog, type Signer, verify } from '@airlock/audit-log'
import { ed25519Backend, nodeEd25519, openLog, verifyParallel } from '@airlock/audit-log/node'
import { type BenchTable, format } from './table.ts'

export type Row = BenchTable['rows'][number]

const sampleInput = (i: number) =>
  ({
    event: 'signed',
    requestDigest: `0x${'12'.repeat(32)}`,
    safeTxHash: `0x${(i % 256).toString(16).padStart(2, '0').repeat(32)}`,
    decision: 'approved',
    reasons: ['tier 1', 'within daily limit'],
    policyBundleHash: `0x${'cd'.repeat(32)}`,
    device: 'ledger:nano-s-plus:0x1234',
    signature: `0x${'ef'.repeat(65)}`,
    data: { nonce: i },
  }) as const

async function appendRate(signer: Signer, dir: string, count: number): Promise<number> {
  const path = join(dir, `append-${signer.ed25519 === nodeEd25519 ? 'node' : 'noble'}.jsonl`)
  const log = await openLog({ path, signer })
  const start = performance.now()
  for (let i = 0; i < count; i++) await log.append(sampleInput(i))
  const seconds = (performance.now() - start) / 1000
  await log.close()
  return count / seconds
}

function verifyRate(text: string, count: number, options: Parameters<typeof verify>[1]): number {
  const start = performance.now()
  const result = verify(text, options)
  const seconds = (performance.now() - start) / 1000
  if (!result.ok) throw new Error(`bench log does not verify: ${result.firstBad?.message}`)
  return count / seconds
}

async function verifyParallelRate(text: string, count: number, publicKey: Uint8Array): Promise<number> {
  const start = performance.now()
  const result = await verifyParallel(text, { publicKey })
  const seconds = (performance.now() - start) / 1000
  if (!result.ok) throw new Error(`bench log does not verify: ${result.firstBad?.message}`)
  return count / seconds
}

const cli = fileURLToPath(new URL('../apps/cli/bin/airlock.mjs', import.meta.url))

/** What a security lead waits for: `airlock audit verify` as a process, start-up included. */
function cliVerifyRate(path: string, count: number, publicKey: Uint8Array): number {
  const start = performance.now()
  const out = execFileSync(
    process.execPath,
    [cli, 'audit', 'verify', path, '--public-key', AuditKey.toHex(publicKey)],
    {
      encoding: 'utf8',
    },
  )
  const seconds = (performance.now() - start) / 1000
  if (!out.startsWith(`OK  ${count} entries`)) throw new Error(`airlock audit verify said: ${out}`)
  return count / seconds
}

/**
 * Runs the audit-log benchmark and returns its table (rows: what, rate, unit, note).
 *
 * @example
 * for (const table of await runAuditLogBench()) console.log(format(table))
 */
export async function runAuditLogBench({
  entries = 100_000,
}: {
  entries?: number
} = {}): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(process.env.AUDIT_BENCH_DIR ?? tmpdir(), 'audit-bench-'))
  try {
    const privateKey = AuditKey.generate()
    const nodeSigner = AuditKey.signer(privateKey, { ed25519: nodeEd25519 })
    const nobleSigner = AuditKey.signer(privateKey)
    const appends = Math.min(entries, 2_000)
    const appendNode = await appendRate(nodeSigner, dir, appends)
    const appendNoble = await appendRate(nobleSigner, dir, Math.min(appends, 500))

    const memory = AuditLog.create({ signer: nodeSigner })
    for (let i = 1; i < entries; i++) memory.append(sampleInput(i))
    const text = memory.text()
    const publicKey = nodeSigner.publicKey
    const small = text.split('\n').slice(0, 1_001).join('\n').concat('\n')
    const logFile = join(dir, 'verify.jsonl')
    writeFileSync(logFile, text)
    const target = 'target >= 20,000 entries/s'
    const fileNote = `${appends} appends, write+fsync each, dir ${dir.replace(/\/audit-bench-.*$/, '')}`
    const rows: { name: string; value: number; unit: string; note: string }[] = [
      { name: 'audit-log append+fsync (node ed25519)', value: appendNode, unit: 'appends/s', note: fileNote },
      {
        name: 'audit-log append+fsync (noble ed25519)',
        value: appendNoble,
        unit: 'appends/s',
        note: 'portable signer',
      },
      {
        name: 'audit-log verify, every signature (node ed25519)',
        value: verifyRate(text, entries, { publicKey, ed25519: nodeEd25519 }),
        unit: 'entries/s',
        note: `${entries} entries; ${target}`,
      },
      {
        name: 'audit-log verify, every signature, parallel',
        value: await verifyParallelRate(text, entries, publicKey),
        unit: 'entries/s',
        note: `${entries} entries; ${availableParallelism()} worker threads + main thread; ${target}`,
      },
      {
        name: 'airlock audit verify (CLI process)',
        value: cliVerifyRate(logFile, entries, publicKey),
        unit: 'entries/s',
        note: `${entries} entries; wall clock incl. process start-up (~0.35 s) and file read`,
      },
      {
        name: 'audit-log verify, chain + head signature',
        value: verifyRate(text, entries, { publicKey, ed25519: nodeEd25519, signatures: 'head' }),
        unit: 'entries/s',
        note: `${entries} entries; every hash/link/seq/time/key id; ${target}`,
      },
      {
        name: 'audit-log verify, every signature (noble ed25519)',
        value: verifyRate(small, 1_000, { publicKey }),
        unit: 'entries/s',
        note: '1,000 entries; portable path',
      },
    ]
    // The file written by the node signer must verify too (same bytes as the memory log format).
    const fileText = readFileSync(join(dir, 'append-node.jsonl'))
    if (!verify(fileText, { publicKey, ed25519: nodeEd25519 }).ok)
      throw new Error('appended file does not verify')
    return [
      {
        title: 'Audit log: append with fsync, verify',
        rows: rows.map(({ name, value, unit, note }) => ({
          what: name,
          rate: Math.round(value),
          unit,
          note,
        })),
        notes: [
          `verify "every signature" is bound by Ed25519 verification (${ed25519Backend}; libsodium ~40 us, OpenSSL ~65 us per entry per core here);`,
          '"chain + head signature" checks every hash/link/seq/time/key id and the last signature, which covers the chain.',
          '"parallel" (verifyParallel) checks every signature on worker threads while the main thread checks the chain;',
          'it is bound by (main-thread checks + Ed25519 per entry) / cores, so it needs idle cores to show its rate.',
        ],
      },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const entries = Number(process.argv[2] ?? 100_000)
  for (const table of await runAuditLogBench({ entries })) process.stdout.write(`${format(table)}\n`)
}
