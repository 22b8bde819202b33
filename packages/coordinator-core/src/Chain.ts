import { isBaseError } from '@airlock/errors'
import { SafeVersion } from '@airlock/safe'
import {
  type Address,
  createPublicClient,
  getAddress,
  type Hex,
  HttpRequestError,
  hexToBigInt,
  http,
  keccak256,
  type PublicClient,
  parseAbi,
  stringToHex,
  TimeoutError,
  type Transport,
  BaseError as ViemBaseError,
  type Chain as ViemChain,
  zeroAddress,
} from 'viem'
import { NotASafeError, RpcError, RpcUnreachableError, WrongChainError } from './errors.ts'

/** Any viem public client: the coordinator only reads and simulates through it. */
export type Client = PublicClient<Transport, ViemChain | undefined>

/** `keccak256("guard_manager.guard.address")`: where a Safe (≥1.3.0) keeps its transaction guard. */
export const guardSlot: Hex = keccak256(stringToHex('guard_manager.guard.address'))
/** `keccak256("fallback_manager.handler.address")`: where a Safe keeps its fallback handler. */
export const fallbackHandlerSlot: Hex = keccak256(stringToHex('fallback_manager.handler.address'))
/** Slot 0 of every Safe proxy: the singleton (the Safe's code). */
export const singletonSlot: Hex = '0x0'

/** Safe's linked-list sentinel (`address(0x1)`): the `prev` of the first owner and module. */
export const sentinel: Address = '0x0000000000000000000000000000000000000001'

export const safeReadAbi = parseAbi([
  'function VERSION() view returns (string)',
  'function getOwners() view returns (address[])',
  'function getThreshold() view returns (uint256)',
  'function nonce() view returns (uint256)',
  'function getModulesPaginated(address start, uint256 pageSize) view returns (address[] array, address next)',
  'function approvedHashes(address owner, bytes32 hash) view returns (uint256)',
])

/** A Safe as the chain reports it, read at one block. */
export type SafeState = {
  address: Address
  chainId: number
  /** The block all fields were read at. */
  blockNumber: bigint
  /** Parsed VERSION() (the `+L2` suffix dropped). */
  version: SafeVersion.SafeVersion
  /** VERSION() as the contract returns it. */
  versionText: string
  owners: readonly Address[]
  threshold: bigint
  nonce: bigint
  modules: readonly Address[]
  /** The zero address when none is set. */
  guard: Address
  fallbackHandler: Address
  singleton: Address
}

export type ClientParameters = {
  rpcUrl: string
  chainId: number
  /** Per request; a dead endpoint fails after this long. */
  timeoutMs?: number | undefined
  pollingIntervalMs?: number | undefined
}

/**
 * A viem public client for an RPC URL, without retries (errors surface at once as typed errors).
 *
 * @example
 * const client = Chain.client({ rpcUrl: 'http://127.0.0.1:8545', chainId: 31337 })
 */
export function client({
  rpcUrl,
  chainId,
  timeoutMs = 10_000,
  pollingIntervalMs = 1000,
}: ClientParameters): Client {
  return createPublicClient({
    chain: {
      id: chainId,
      name: `chain ${chainId}`,
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    },
    transport: http(rpcUrl, { retryCount: 0, timeout: timeoutMs }),
    pollingInterval: pollingIntervalMs,
  })
}

/**
 * Runs an RPC operation and turns transport failures into typed errors (unreachable vs. failed).
 * Airlock's own errors pass through unchanged.
 *
 * @example
 * const block = await Chain.rpc(() => client.getBlockNumber({ cacheTime: 0 }), { what: 'the block number' })
 */
export async function rpc<T>(run: () => Promise<T>, { what }: { what: string }): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw toRpcError(error, what)
  }
}

/** Maps a viem error to RpcUnreachableError / RpcError (leaves Airlock errors alone). */
export function toRpcError(error: unknown, what: string): Error {
  if (isBaseError(error)) return error
  if (error instanceof ViemBaseError) {
    const unreachable = error.walk(
      (e) => e instanceof TimeoutError || (e instanceof HttpRequestError && e.status === undefined),
    )
    if (unreachable) {
      const url = unreachable instanceof HttpRequestError ? unreachable.url : undefined
      return new RpcUnreachableError(
        `The RPC endpoint${url ? ` ${url}` : ''} did not answer while reading ${what}.`,
        {
          hint: 'Check the RPC URL and that the node is running and reachable.',
          details: error.shortMessage,
          cause: error,
        },
      )
    }
    return new RpcError(`The RPC endpoint failed while reading ${what}.`, {
      hint: 'Check the node (it may be out of sync or rate-limiting); then retry.',
      details: error.shortMessage,
      cause: error,
    })
  }
  return new RpcError(`Reading ${what} failed.`, {
    hint: 'Retry; if it persists, check the RPC endpoint.',
    details: error instanceof Error ? error.message : String(error),
    cause: error,
  })
}

/**
 * A block (the latest when no number is given), read fresh with typed RPC errors.
 *
 * @example
 * const head = await Chain.block({ client })
 */
export async function block({
  client,
  blockNumber,
  what,
}: {
  client: Client
  blockNumber?: bigint | undefined
  /** What the block is read for, in the error (default: the latest block / block N). */
  what?: string | undefined
}) {
  return rpc(
    () =>
      blockNumber === undefined ? client.getBlock({ blockTag: 'latest' }) : client.getBlock({ blockNumber }),
    { what: what ?? (blockNumber === undefined ? 'the latest block' : `block ${blockNumber}`) },
  )
}

/**
 * The chain's clock: the timestamp of a block (the latest when no number is given), as a Date. Delays
 * and timelocks are judged by it, like the signers' policy and the timelock contract judge them.
 *
 * @example
 * const now = await Chain.blockTime({ client, blockNumber: state.blockNumber })
 */
export async function blockTime({
  client,
  blockNumber,
}: {
  client: Client
  blockNumber?: bigint | undefined
}): Promise<Date> {
  return new Date(Number((await block({ client, blockNumber })).timestamp) * 1000)
}

/**
 * Checks that the client's node serves the configured chain.
 *
 * @example
 * await Chain.checkChainId({ client, chainId: 1 }) // throws WrongChainError on Sepolia
 */
export async function checkChainId({ client, chainId }: { client: Client; chainId: number }): Promise<void> {
  const actual = await rpc(() => client.getChainId(), { what: 'the chain id' })
  if (actual !== chainId) {
    throw new WrongChainError(
      `The RPC endpoint serves chain ${actual}, but chain ${chainId} is configured.`,
      {
        hint: 'Point the coordinator at an RPC URL for the configured chain, or fix the chain id in the config.',
      },
    )
  }
}

export type ReadSafeParameters = {
  client: Client
  safe: Address
  /** The configured chain: checked against the node first. */
  chainId: number
  /** Read at this block (default: the latest). */
  blockNumber?: bigint | undefined
  /** Modules are read in pages of this size. */
  modulePageSize?: number | undefined
}

/**
 * Reads a Safe's owners, threshold, nonce, version, modules, guard, fallback handler and singleton,
 * all at one block. Throws WrongChainError, NotASafeError, RpcUnreachableError or RpcError.
 *
 * @example
 * const state = await Chain.readSafe({ client, safe: '0x…', chainId: 1 })
 * state.owners.length // 5
 */
export async function readSafe({
  client,
  safe,
  chainId,
  blockNumber: atBlock,
  modulePageSize = 50,
}: ReadSafeParameters): Promise<SafeState> {
  await checkChainId({ client, chainId })
  const address = getAddress(safe)
  const blockNumber =
    atBlock ?? (await rpc(() => client.getBlockNumber({ cacheTime: 0 }), { what: 'the block number' }))
  const code = await rpc(() => client.getCode({ address, blockNumber }), { what: `the code at ${address}` })
  if (code === undefined || code === '0x') {
    throw new NotASafeError(`${address} has no code on chain ${chainId}: it is not a Safe.`, {
      hint: 'Check the Safe address and the chain (a Safe deployed elsewhere does not exist here).',
    })
  }
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    client.readContract({
      address,
      abi: safeReadAbi,
      functionName,
      args,
      blockNumber,
    } as Parameters<Client['readContract']>[0]) as Promise<T>

  let versionText: string
  try {
    versionText = await read<string>('VERSION')
  } catch (error) {
    const mapped = toRpcError(error, `VERSION() of ${address}`)
    if (mapped instanceof RpcUnreachableError) throw mapped
    throw new NotASafeError(`${address} does not answer VERSION(): it is not a Safe.`, {
      hint: 'Check the Safe address; it holds a contract that is not a Safe proxy.',
      details: mapped.message,
      cause: error,
    })
  }
  let version: SafeVersion.SafeVersion
  try {
    version = SafeVersion.parse(versionText)
  } catch (cause) {
    throw new NotASafeError(
      `${address} reports version "${versionText}", which is not a known Safe version.`,
      {
        hint: `Airlock supports Safe ${SafeVersion.supported.join(', ')}.`,
        cause,
      },
    )
  }
  const what = `Safe ${address}`
  const [owners, threshold, nonce, guardWord, handlerWord, singletonWord] = await rpc(
    () =>
      Promise.all([
        read<readonly Address[]>('getOwners'),
        read<bigint>('getThreshold'),
        read<bigint>('nonce'),
        client.getStorageAt({ address, slot: guardSlot, blockNumber }),
        client.getStorageAt({ address, slot: fallbackHandlerSlot, blockNumber }),
        client.getStorageAt({ address, slot: singletonSlot, blockNumber }),
      ]),
    { what },
  )
  const modules = await rpc(() => readModules({ read, pageSize: modulePageSize, version }), {
    what: `modules of ${what}`,
  })
  return {
    address,
    chainId,
    blockNumber,
    version,
    versionText,
    owners: owners.map((owner) => getAddress(owner)),
    threshold,
    nonce,
    modules,
    guard: wordToAddress(guardWord),
    fallbackHandler: wordToAddress(handlerWord),
    singleton: wordToAddress(singletonWord),
  }
}

async function readModules({
  read,
  pageSize,
  version,
}: {
  read: <T>(functionName: string, args?: readonly unknown[]) => Promise<T>
  pageSize: number
  version: SafeVersion.SafeVersion
}): Promise<Address[]> {
  // Before 1.4.1, `next` is the first module *not* returned (using it as `start` would skip it);
  // from 1.4.1 it is the last module returned.
  const nextIsUnreturned = SafeVersion.compare(version, '1.4.1') < 0
  const modules: Address[] = []
  let start: Address = sentinel
  // A Safe's module list is a linked list ending at the sentinel; bound the walk in case a node lies.
  for (let page = 0; page < 1000; page++) {
    const [array, next] = await read<readonly [readonly Address[], Address]>('getModulesPaginated', [
      start,
      BigInt(pageSize),
    ])
    modules.push(...array.map((module) => getAddress(module)))
    if (next === zeroAddress || getAddress(next) === sentinel || array.length === 0) return modules
    if (nextIsUnreturned) modules.push(getAddress(next))
    start = next
  }
  throw new RpcError('The Safe’s module list did not end after 1000 pages.', {
    hint: 'The node returns inconsistent data; try another RPC endpoint.',
  })
}

function wordToAddress(word: Hex | undefined): Address {
  if (word === undefined || word === '0x') return zeroAddress
  return getAddress(`0x${(hexToBigInt(word) & ((1n << 160n) - 1n)).toString(16).padStart(40, '0')}`)
}

/**
 * The owner just before `owner` in the Safe's linked list (the sentinel for the first), as
 * removeOwner / swapOwner need it.
 *
 * @example
 * Chain.previous(state.owners, owner) // '0x0000…0001' for the first owner
 */
export function previous(list: readonly Address[], item: Address): Address | undefined {
  const index = list.findIndex((entry) => entry.toLowerCase() === item.toLowerCase())
  if (index === -1) return undefined
  return index === 0 ? sentinel : list[index - 1]
}
