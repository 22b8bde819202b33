import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type HDAccount,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

/** Anvil's default mnemonic: its pre-funded accounts are derived from it. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

export type Anvil = {
  rpcUrl: string
  port: number
  chain: Chain
  /** Reads and simulation. */
  publicClient: PublicClient<Transport, Chain>
  /** Anvil cheats: setBalance, mine, snapshot/revert, impersonation. */
  testClient: TestClient<'anvil', Transport, Chain>
  /** A wallet client that sends from `account`. */
  walletFor(account: Account): WalletClient<Transport, Chain, Account>
  /** Stops the process; safe to call twice. */
  stop(): Promise<void>
}

export type StartAnvilParameters = {
  chainId?: number | undefined
  /** How long to wait for the RPC to answer before giving up. */
  timeoutMs?: number | undefined
  /** Extra command-line flags. */
  args?: readonly string[] | undefined
}

const require = createRequire(import.meta.url)

/** Path of the anvil binary shipped by the `@foundry-rs/anvil-linux-amd64` npm package. */
export function anvilBinary(): string {
  return join(dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json')), 'bin', 'anvil')
}

/**
 * Starts anvil on a free loopback port (no forking, no network) and waits until its RPC answers.
 * Retries on a fresh port if the chosen one is taken in the meantime. Call `stop()` in `afterAll`.
 *
 * @example
 * let anvil: Anvil
 * beforeAll(async () => { anvil = await startAnvil() })
 * afterAll(() => anvil.stop())
 */
export async function startAnvil({
  chainId = 31337,
  timeoutMs = 20_000,
  args = [],
}: StartAnvilParameters = {}): Promise<Anvil> {
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    try {
      return await launch({ port, chainId, timeoutMs, args })
    } catch (error) {
      lastError = error
    }
  }
  throw new Error(`anvil did not start after 3 attempts: ${String(lastError)}`)
}

/**
 * Anvil's default accounts (`m/44'/60'/0'/0/i` of the default mnemonic), each funded with 10,000 ETH.
 *
 * @example
 * const [deployer, ...owners] = anvilAccounts(6)
 */
export function anvilAccounts(count: number): HDAccount[] {
  return Array.from({ length: count }, (_, addressIndex) =>
    mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex }),
  )
}

async function launch({
  port,
  chainId,
  timeoutMs,
  args,
}: {
  port: number
  chainId: number
  timeoutMs: number
  args: readonly string[]
}): Promise<Anvil> {
  const child = spawn(
    anvilBinary(),
    [
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--chain-id',
      String(chainId),
      '--accounts',
      '10',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    // e.g. the binary is missing or not executable: report it instead of crashing the worker.
    child.once('error', (error) => {
      keep(Buffer.from(String(error)))
      resolve(null)
    })
  })
  // If the test process dies without afterAll, do not leave anvil behind.
  const onExit = () => child.kill('SIGKILL')
  process.once('exit', onExit)

  const rpcUrl = `http://127.0.0.1:${port}`
  const chain = defineChain({
    id: chainId,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
  const stop = async () => {
    process.removeListener('exit', onExit)
    await kill(child, exited)
  }

  try {
    await waitForRpc({ rpcUrl, chainId, timeoutMs, exited, output: () => output })
  } catch (error) {
    await stop()
    throw error
  }

  const transport = http(rpcUrl, { retryCount: 0 })
  return {
    rpcUrl,
    port,
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
    testClient: createTestClient({ chain, mode: 'anvil', transport }),
    walletFor: (account) => createWalletClient({ account, chain, transport }),
    stop,
  }
}

async function waitForRpc({
  rpcUrl,
  chainId,
  timeoutMs,
  exited,
  output,
}: {
  rpcUrl: string
  chainId: number
  timeoutMs: number
  exited: Promise<number | null>
  output: () => string
}): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let done = false
  let exitCode: number | null | undefined
  void exited.then((code) => {
    exitCode = code
    done = true
  })
  while (!done && Date.now() < deadline) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(1000),
      })
      const body = (await response.json()) as { result?: string }
      if (body.result !== undefined && Number(body.result) === chainId) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (done) throw new Error(`anvil exited (code ${exitCode}) before answering:\n${output()}`)
  throw new Error(`anvil did not answer on ${rpcUrl} within ${timeoutMs} ms:\n${output()}`)
}

async function kill(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
