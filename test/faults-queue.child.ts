// Child process for faults-queue.test.ts: one coordinator process creating actions on a shared queue
// (embedded PGlite in a directory, or PostgreSQL), all at once. Prints "ack <id>" after each
// createAction resolved (= committed), then "stored <ids…>" (the whole queue as it sees it), "error
// <name> <message>" for a typed refusal (exit 3), "done".
import { openPgliteStore, openPostgresStore, type Store } from '@airlock/queue'
import { getAddress } from 'viem'

const [mode, target, tagText, countText] = process.argv.slice(2) as [string, string, string, string]
const tag = BigInt(tagText)
const safe = {
  chainId: 1n,
  address: getAddress('0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe'),
  version: '1.4.1' as const,
}
const recipient = getAddress('0x00000000000000000000000000000000000a1e57')

let store: Store
try {
  store =
    mode === 'pglite'
      ? await openPgliteStore({ dataDir: target })
      : await openPostgresStore({ connectionString: target, poolSize: 4 })
} catch (error) {
  // A typed Airlock error (BaseError) carries shortMessage; anything else is a bug and throws.
  if (!(error instanceof Error) || !('shortMessage' in error)) throw error
  process.stdout.write(`error ${error.name} ${String(error.shortMessage)}\n`)
  process.exit(3)
}
process.stdout.write('ready\n')
await Promise.all(
  Array.from({ length: Number(countText) }, async (_, i) => {
    const action = await store.createAction({
      safe,
      tx: { to: recipient, value: tag * 1000n + BigInt(i + 1), data: '0x', nonce: BigInt(i) },
      title: `process ${tag} action ${i}`,
      requirements: { signatures: 1, attestations: 0, delaySeconds: 0 },
      actor: `process-${tag}`,
      submit: true,
    })
    process.stdout.write(`ack ${action.id}\n`)
  }),
)
// What the queue holds now, as this process sees it (after the last ack).
process.stdout.write(`stored ${(await store.listActions()).map((a) => a.id).join(' ')}\n`)
await store.close()
process.stdout.write('done\n')
