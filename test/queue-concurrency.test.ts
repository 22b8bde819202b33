// Concurrency of the PostgreSQL queue across OS processes: two processes ingesting the same 1,000
// signatures in different random orders end with exactly that set, and a process SIGKILLed mid-ingest
// loses nothing it had acknowledged.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPostgresStore, type SafeInfo, type SignatureInput, type Store } from '@airlock/queue'
import {
  findPostgresBin,
  type PostgresServer,
  postgresMissingMessage,
  startPostgres,
} from '@airlock/queue/testing'
import { getAddress, type Hex, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const COUNT = 1000
const root = join(import.meta.dirname, '..')
const childScript = join(import.meta.dirname, 'queue-concurrency.child.ts')
const seed = Number(process.env.QUEUE_CONCURRENCY_SEED ?? Date.now() % 2 ** 31)
const accounts = Array.from({ length: COUNT }, (_, i) => privateKeyToAccount(toHex(1000 + i, { size: 32 })))
const safe: SafeInfo = {
  chainId: 1n,
  address: getAddress('0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe'),
  version: '1.4.1',
}

type Outcome = { acks: Map<string, string>; done: boolean; signal: NodeJS.Signals | null }

/** Runs a child; with `killAfter`, SIGKILLs it once it has acknowledged that many signatures. */
function runChild(
  url: string,
  actionId: string,
  file: string,
  childSeed: number,
  killAfter?: number,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', childScript, url, actionId, file, String(childSeed)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    let acked = 0
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      out += chunk
      acked += chunk.split('\n').filter((line) => line.startsWith('ack ')).length
      if (killAfter !== undefined && acked >= killAfter) child.kill('SIGKILL')
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (killAfter === undefined && code !== 0)
        return reject(new Error(`child exited with ${signal ?? code}: ${err}`))
      const acks = new Map<string, string>()
      // Only complete lines count: the kill may cut a line, and then that ack was never shown.
      for (const line of out.split('\n').slice(0, -1)) {
        const [word, signer, status] = line.split(' ')
        if (word === 'ack') acks.set(signer as string, status as string)
      }
      resolve({ acks, done: out.includes('done\n'), signal })
    })
  })
}

const available = Boolean(findPostgresBin()) || Boolean(process.env.CI)
const suite = available ? describe : describe.skip
suite('queue concurrency across processes (PostgreSQL)', () => {
  let server: PostgresServer
  let store: Store
  const dir = mkdtempSync(join(tmpdir(), 'airlock-queue-concurrency-'))

  beforeAll(async () => {
    server = await startPostgres()
    store = await openPostgresStore({ connectionString: server.url })
  })
  afterAll(async () => {
    await store?.close()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** A submitted action needing all COUNT signatures, and the signatures as a file for the children. */
  async function prepare(nonce: bigint): Promise<{ id: string; file: string; inputs: SignatureInput[] }> {
    const action = await store.createAction({
      safe,
      tx: { to: '0x1111111111111111111111111111111111111111', value: 1n, nonce },
      title: `concurrency ${nonce}`,
      requirements: { signatures: COUNT, attestations: 0, delaySeconds: 0 },
      actor: 'test',
      submit: true,
    })
    const inputs = await Promise.all(
      accounts.map(async (account) => ({
        signer: account.address,
        signature: (await account.sign({ hash: action.safeTxHash })) as Hex,
        kind: 'safe-signature' as const,
      })),
    )
    const file = join(dir, `inputs-${nonce}.json`)
    writeFileSync(file, JSON.stringify(inputs))
    return { id: action.id, file, inputs }
  }

  async function expectExactly(id: string, inputs: SignatureInput[]) {
    const stored = await store.signatures(id)
    expect(stored).toHaveLength(inputs.length)
    const bySigner = new Map(stored.map((s) => [s.signer, s.signature]))
    for (const input of inputs) expect(bySigner.get(input.signer as `0x${string}`)).toBe(input.signature)
    const action = await store.getAction(id)
    expect(action.collected.signatures).toBe(inputs.length)
    expect(action.state).toBe('ready')
    expect((await store.history(id)).filter((event) => event.to === 'ready')).toHaveLength(1)
  }

  test(`two processes ingesting the same ${COUNT} signatures in random order end with exactly that set (seed ${seed})`, async () => {
    const { id, file, inputs } = await prepare(0n)
    const [a, b] = await Promise.all([
      runChild(server.url, id, file, seed),
      runChild(server.url, id, file, seed + 1),
    ])
    expect(a.done && b.done).toBe(true)
    expect(a.acks.size).toBe(COUNT)
    expect(b.acks.size).toBe(COUNT)
    // Every signature was added by exactly one of them; the other saw a duplicate.
    for (const input of inputs) {
      const statuses = [a.acks.get(input.signer), b.acks.get(input.signer)].sort()
      expect(statuses).toEqual(['added', 'duplicate'])
    }
    await expectExactly(id, inputs)
  })

  test(`a process SIGKILLed mid-ingest loses nothing it acknowledged (seed ${seed})`, async () => {
    const { id, file, inputs } = await prepare(1n)
    const killAfter = 50 + (seed % 400)
    const killed = await runChild(server.url, id, file, seed, killAfter)
    expect(killed.signal).toBe('SIGKILL')
    expect(killed.done).toBe(false)
    expect(killed.acks.size).toBeGreaterThanOrEqual(killAfter)
    const stored = new Map((await store.signatures(id)).map((s) => [s.signer, s.signature]))
    for (const signer of killed.acks.keys()) expect(stored.has(signer as `0x${string}`)).toBe(true)
    // Recorded rows and the action's count agree: nothing half-written.
    expect((await store.getAction(id)).collected.signatures).toBe(stored.size)
    expect(stored.size).toBeLessThan(COUNT)
    // A new process finishes the job: exactly the full set, the killed one's work counted once.
    const rest = await runChild(server.url, id, file, seed + 2)
    expect([...rest.acks.values()].filter((status) => status === 'duplicate')).toHaveLength(stored.size)
    await expectExactly(id, inputs)
  })
})

if (!available) {
  describe.skip(`queue concurrency: skipped locally. ${postgresMissingMessage}`, () => {
    test('needs PostgreSQL', () => {})
  })
}
