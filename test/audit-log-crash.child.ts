// Child process for audit-log-crash.test.ts, bundled by esbuild to plain JS so 1,000 of them start
// quickly. Opens the log and appends forever; after its first append it arms an external killer
// (`sleep <0-30 ms>; kill -9 <own pid>` in its own process, so the kill lands at a random point,
// independent of any event loop, possibly inside a write or fsync); after each append returns (fsync'd) it prints "<seq> <hash>": that entry has been
// "shown" and must survive the kill.
import { spawn } from 'node:child_process'
import { AuditKey } from '@airlock/audit-log'
import { nodeEd25519, openLog } from '@airlock/audit-log/node'

const [path, keyHex, seedText, delayText] = process.argv.slice(2)
const signer = AuditKey.signer(AuditKey.fromHex(keyHex as string), { ed25519: nodeEd25519 })
let seed = Number(seedText) >>> 0
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}

const log = await openLog({ path: path as string, signer, verifyOnOpen: 'head' })
// stdout to a pipe is synchronous on Linux: each line is out before the killer can fire.
process.stdout.write('ready\n')
for (let i = 0; ; i++) {
  // Some entries span many pages, so a kill can land inside a single write(2).
  const padding = random() < 0.1 ? 'x'.repeat(Math.floor(random() * 64 * 1024)) : ''
  const entry = await log.append({
    event: 'signed',
    safeTxHash: `0x${(i % 256).toString(16).padStart(2, '0').repeat(32)}`,
    decision: 'approved',
    reasons: [`child append ${i}`],
    data: { padding },
  })
  process.stdout.write(`${entry.seq} ${entry.hash}\n`)
  // Armed after the first append (a cold process's first append is slow), so runs get past it.
  if (i === 0) {
    const delay = (Number(delayText) / 1000).toFixed(3)
    spawn('/bin/sh', ['-c', `sleep ${delay}; kill -9 ${process.pid}`], {
      stdio: 'ignore',
      detached: true,
    }).unref()
  }
}
