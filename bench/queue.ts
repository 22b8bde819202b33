// Queue benchmark: actions created and signatures ingested per second, on PGlite and PostgreSQL.
// Standalone: node --import tsx bench/queue.ts [actions] [signatures]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  openPgliteStore,
  openPostgresStore,
  ownerVerifier,
  type SafeInfo,
  type SignatureInput,
  type Store,
} from '@airlock/queue'
import { findPostgresBin, startPostgres } from '@airlock/queue/testing'
import { getAddress, type Hex, keccak256, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type BenchTable, format } from './table.ts'

type Measure = { what: string; count: number; seconds: number; unit: string; note: string }

async function measure(store: Store, label: string, actions: number, signatures: number): Promise<Measure[]> {
  const safe: SafeInfo = {
    chainId: 1n,
    address: getAddress(keccak256(toHex(`bench-${label}-${Math.random()}`)).slice(0, 42)),
    version: '1.4.1',
  }
  const base = { safe, title: 'bench', actor: 'bench', submit: true } as const
  let start = performance.now()
  for (let i = 0; i < actions; i++) {
    await store.createAction({
      ...base,
      tx: { to: '0x1111111111111111111111111111111111111111', value: BigInt(i + 1), nonce: BigInt(i) },
      requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
    })
  }
  const createSeconds = (performance.now() - start) / 1000

  const accounts = Array.from({ length: signatures }, (_, i) =>
    privateKeyToAccount(toHex(5000 + i, { size: 32 })),
  )
  const target = await store.createAction({
    ...base,
    tx: { to: '0x2222222222222222222222222222222222222222', nonce: BigInt(actions) },
    requirements: { signatures, attestations: 0, delaySeconds: 0 },
  })
  const inputs: SignatureInput[] = await Promise.all(
    accounts.map(async (account) => ({
      signer: account.address,
      signature: (await account.sign({ hash: target.safeTxHash })) as Hex,
      kind: 'safe-signature' as const,
    })),
  )
  const half = Math.floor(signatures / 2)
  start = performance.now()
  for (const input of inputs.slice(0, half)) await store.addSignature(target.id, input, { actor: 'bench' })
  const plainSeconds = (performance.now() - start) / 1000

  const verify = ownerVerifier({ owners: accounts.map((account) => account.address) })
  start = performance.now()
  for (const input of inputs.slice(half))
    await store.addSignature(target.id, input, { actor: 'bench', verify })
  const verifiedSeconds = (performance.now() - start) / 1000
  if ((await store.getAction(target.id)).state !== 'ready')
    throw new Error('bench action did not become ready')

  return [
    {
      what: `${label}: create action`,
      count: actions,
      seconds: createSeconds,
      unit: 'actions/s',
      note: 'hash + analyze + insert + submit, one at a time',
    },
    {
      what: `${label}: add signature`,
      count: half,
      seconds: plainSeconds,
      unit: 'signatures/s',
      note: 'caller-verified, one at a time',
    },
    {
      what: `${label}: add signature + ecrecover`,
      count: signatures - half,
      seconds: verifiedSeconds,
      unit: 'signatures/s',
      note: 'ownerVerifier (recover over our hash), one at a time',
    },
  ]
}

/**
 * Runs the queue benchmark on the embedded PGlite store and, when PostgreSQL is installed, on a
 * private PostgreSQL server (fsync off: a lower bound on the disk cost, an upper bound on the rate).
 *
 * @example
 * for (const table of await runQueueBench()) console.log(format(table))
 */
export async function runQueueBench({
  actions = 300,
  signatures = 600,
}: {
  actions?: number
  signatures?: number
} = {}): Promise<BenchTable[]> {
  const rows: Measure[] = []
  const notes: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'queue-bench-'))
  try {
    const pglite = await openPgliteStore({ dataDir: join(dir, 'pglite') })
    try {
      rows.push(...(await measure(pglite, 'PGlite (file)', actions, signatures)))
    } finally {
      await pglite.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  if (findPostgresBin()) {
    const server = await startPostgres({ database: 'queue_bench' })
    try {
      const postgres = await openPostgresStore({ connectionString: server.url })
      try {
        rows.push(...(await measure(postgres, 'PostgreSQL (loopback)', actions, signatures)))
      } finally {
        await postgres.close()
      }
    } finally {
      await server.stop()
    }
    notes.push('PostgreSQL runs with fsync=off on a private loopback server (throw-away cluster).')
  } else {
    notes.push('PostgreSQL not installed: only PGlite measured (npm run setup installs it as root).')
  }
  return [
    {
      title: 'Queue: actions created and signatures ingested per second',
      rows: rows.map(({ what, count, seconds, unit, note }) => ({
        what,
        count,
        rate: Math.round(count / seconds),
        unit,
        note,
      })),
      notes,
    },
  ]
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [actions, signatures] = process.argv.slice(2).map(Number)
  for (const table of await runQueueBench({
    ...(actions ? { actions } : {}),
    ...(signatures ? { signatures } : {}),
  })) {
    process.stdout.write(`${format(table)}\n`)
  }
}
