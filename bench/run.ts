// npm run bench: runs every benchmark suite, prints its tables and writes them as JSON under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { runAuditLogBench } from './audit-log.ts'
import { runCliBench } from './cli.ts'
import { runCoordinatorAppBench } from './coordinator-app.ts'
import { runHostileBench } from './hostile.ts'
import { runMessagesBench } from './messages.ts'
import { runQrBench } from './qr.ts'
import { runQueueBench } from './queue.ts'
import { runSafeBench } from './safe.ts'
import { runSignerBench } from './signer.ts'
import { runSignerAppBench } from './signer-app.ts'
import { runSignerSetBench } from './signer-set.ts'
import { type BenchTable, format } from './table.ts'

const suites: { name: string; run: () => Promise<BenchTable[]> }[] = [
  { name: 'safe', run: runSafeBench },
  { name: 'signer', run: runSignerBench },
  { name: 'signer-app', run: runSignerAppBench },
  { name: 'signer-set', run: runSignerSetBench },
  { name: 'messages', run: runMessagesBench },
  { name: 'qr', run: runQrBench },
  { name: 'audit-log', run: runAuditLogBench },
  { name: 'queue', run: runQueueBench },
  { name: 'hostile', run: runHostileBench },
  { name: 'coordinator-app', run: runCoordinatorAppBench },
  { name: 'cli', run: runCliBench },
]

const only = process.argv.slice(2)
const results: Record<string, BenchTable[]> = {}
for (const suite of suites) {
  if (only.length > 0 && !only.includes(suite.name)) continue
  const tables = await suite.run()
  results[suite.name] = tables
  for (const table of tables) process.stdout.write(`${format(table)}\n`)
}

const dir = join(import.meta.dirname, 'results')
mkdirSync(dir, { recursive: true })
const report = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  results,
}
const stamp = report.date.replace(/[:.]/g, '-')
writeFileSync(join(dir, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`)
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`)
process.stdout.write(`Results written to bench/results/latest.json and bench/results/bench-${stamp}.json\n`)
