// Crash test: 1,000 child processes, each SIGKILLed (by a `sleep; kill -9` helper process the child
// arms after its first append) at a random moment 0-30 ms later, while it keeps appending. After every kill the log must open (repairing a torn tail if the kill cut a write),
// verify completely, and contain every entry the child reported as appended (= shown).
// Each run is one independent process and one kill. Logs live on tmpfs when there is one (fsync
// is then cheap, which keeps the test fast; kill semantics are the same).
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditKey, verify } from '@airlock/audit-log'
import { nodeEd25519, openLog } from '@airlock/audit-log/node'
import { build } from 'esbuild'
import { afterAll, beforeAll, expect, test } from 'vitest'

const runs = Number(process.env.AUDIT_CRASH_RUNS ?? 1000)
const lanes = 4
const runsPerLog = 2
const seed = Number(process.env.AUDIT_CRASH_SEED ?? Date.now() % 2 ** 31)
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'audit-crash-'))
const childScript = join(dir, 'child.mjs')
const signer = AuditKey.signer(new Uint8Array(32).fill(7), { ed25519: nodeEd25519 })
const keyHex = AuditKey.toHex(signer.privateKey)

beforeAll(async () => {
  await build({
    entryPoints: [join(import.meta.dirname, 'audit-log-crash.child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: childScript,
    logLevel: 'error',
  })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let state = seed >>> 0
const random = () => {
  state = (state * 1664525 + 1013904223) >>> 0
  return state / 2 ** 32
}

type RunOutcome = { shown: Map<number, string>; ready: boolean }

/** Starts a child that gets killed 0-30 ms after its first append, and collects what it printed. */
function runChild(path: string, childSeed: number, delay: number): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [childScript, path, keyHex, String(childSeed), String(delay)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    let ready = false
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      out += chunk
      if (!ready && out.startsWith('ready\n')) ready = true
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' || !ready)
        return reject(new Error(`child ended with ${signal ?? code}: ${err}`))
      const shown = new Map<number, string>()
      // Only complete lines count: a kill may cut the print itself, and then the entry was not shown.
      for (const line of out.split('\n').slice(1, -1)) {
        const [seq, hash] = line.split(' ')
        shown.set(Number(seq), hash as string)
      }
      resolve({ shown, ready })
    })
  })
}

test(`${runs} SIGKILLs during appends never lose a shown entry or break the log`, async () => {
  const failures: string[] = []
  const stats = { runs: 0, shownEntries: 0, repairs: 0 }

  const lane = async (laneId: number, count: number) => {
    let path = ''
    const shown = new Map<number, string>()
    for (let r = 0; r < count; r++) {
      if (r % runsPerLog === 0) {
        path = join(dir, `lane${laneId}-${r}.jsonl`)
        shown.clear()
      }
      const outcome = await runChild(path, Math.floor(random() * 2 ** 31), Math.floor(random() * 31))
      stats.runs++
      if (outcome.shown.size === 0) failures.push(`lane ${laneId} run ${r}: child showed no entry`)
      stats.shownEntries += outcome.shown.size
      for (const [seq, hash] of outcome.shown) shown.set(seq, hash)

      const log = await openLog({ path, signer, onTorn: 'repair', verifyOnOpen: 'head' })
      if (log.opened.recovered) stats.repairs++
      await log.close()
      const result = verify(readFileSync(path), { publicKey: signer.publicKey, ed25519: nodeEd25519 })
      if (!result.ok) failures.push(`lane ${laneId} run ${r}: ${JSON.stringify(result.firstBad)}`)
      for (const [seq, hash] of shown) {
        if (result.entries[seq]?.hash !== hash)
          failures.push(`lane ${laneId} run ${r}: shown seq ${seq} missing`)
      }
      if (failures.length > 0) return
    }
  }
  const perLane = Math.ceil(runs / lanes)
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i, Math.min(perLane, runs - i * perLane))))
  console.log(`audit-log crash test (seed ${seed}): ${JSON.stringify(stats)}`)
  expect(failures, `seed ${seed}`).toEqual([])
  expect(stats.runs).toBe(runs)
}, 300_000)
