// Child process for queue-concurrency.test.ts: ingests signatures into the PostgreSQL queue in a
// seeded random order, a few at a time, and prints "ack <signer> <added|duplicate>" after each
// addSignature resolved (= committed). stdout to a pipe is synchronous on Linux, so a printed ack
// is out before any SIGKILL can land.
import { readFileSync } from 'node:fs'
import { openPostgresStore, ownerVerifier, type SignatureInput } from '@airlock/queue'
import type { Address } from 'viem'

const [url, actionId, inputsFile, seedText] = process.argv.slice(2)
const inputs = JSON.parse(readFileSync(inputsFile as string, 'utf8')) as SignatureInput[]
let seed = Number(seedText) >>> 0
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}
for (let i = inputs.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  ;[inputs[i], inputs[j]] = [inputs[j] as SignatureInput, inputs[i] as SignatureInput]
}

const verify = ownerVerifier({ owners: inputs.map((input) => input.signer as Address) })
const store = await openPostgresStore({ connectionString: url, poolSize: 4, verify })
process.stdout.write('ready\n')
let next = 0
const worker = async () => {
  while (next < inputs.length) {
    const input = inputs[next++] as SignatureInput
    const { status } = await store.addSignature(actionId as string, input, { actor: `pid-${process.pid}` })
    process.stdout.write(`ack ${input.signer} ${status}\n`)
  }
}
await Promise.all([worker(), worker(), worker(), worker()])
process.stdout.write('done\n')
await store.close()
