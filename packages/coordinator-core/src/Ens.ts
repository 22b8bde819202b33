// ENS forward resolution on the coordinator (EIP-137): name → ENSIP-15 normalisation → namehash →
// the registry's resolver for the node → the resolver's addr(node), all at one block. Only the
// resulting address goes into a request: the signers never trust a name (a title that mentions it is
// untrusted text to them anyway). The direct registry path works on any chain that has a registry
// (mainnet's by default, a local deployment by config); names that need a wildcard (ENSIP-10) or an
// offchain (CCIP-read) resolver are not resolved: the operator gives their address instead.
import { type Address, getAddress, type Hex, isAddress, parseAbi, zeroAddress } from 'viem'
import { normalize as ensNormalize, namehash } from 'viem/ens'
import { type Client, rpc } from './Chain.ts'
import { EnsResolutionError } from './errors.ts'

/** The ENS registry at the same address on Ethereum mainnet and its testnets. */
export const mainnetRegistry: Address = '0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e'

const registryAbi = parseAbi(['function resolver(bytes32 node) view returns (address)'])
const resolverAbi = parseAbi(['function addr(bytes32 node) view returns (address)'])

/** A name resolved at one block. */
export type Resolved = {
  /** The name as the operator wrote it. */
  name: string
  /** The ENSIP-15 normalised name the node was hashed from. */
  normalized: string
  node: Hex
  /** Checksummed. */
  address: Address
  resolver: Address
  blockNumber: bigint
}

/**
 * Whether text is meant as an ENS name rather than an address or a plain label: dot-separated labels,
 * no spaces, not a number. (`alice.eth`, `pay.acme.eth`; not `0x…`, `1.5` or `Payroll`.)
 *
 * @example
 * Ens.isName('alice.eth') // true
 * Ens.isName('Payroll') // false
 */
export function isName(text: string): boolean {
  const trimmed = text.trim()
  if (isAddress(trimmed, { strict: false })) return false
  return /^[^\s./]+(\.[^\s./]+)+$/u.test(trimmed) && !/^[0-9.]+$/.test(trimmed)
}

/**
 * The ENSIP-15 normalised form of a name (as viem and the ENS app normalise it); a name that does
 * not normalise is an `EnsResolutionError` with reason `invalid`.
 *
 * @example
 * Ens.normalize('Alice.ETH') // 'alice.eth'
 */
export function normalize(name: string): string {
  try {
    return ensNormalize(name.trim())
  } catch (cause) {
    throw new EnsResolutionError({
      name,
      reason: 'invalid',
      details: cause instanceof Error ? cause.message : String(cause),
    })
  }
}

/**
 * Resolves one name through the registry at `blockNumber`: registry.resolver(node), then
 * resolver.addr(node). Typed `EnsResolutionError`s say what is missing (no registry on this chain, no
 * resolver, a resolver without code, no address) and what to do.
 *
 * @example
 * const { address } = await Ens.resolve({ client, name: 'alice.eth', registry: Ens.mainnetRegistry, blockNumber })
 */
export async function resolve({
  client,
  name,
  registry = mainnetRegistry,
  blockNumber,
}: {
  client: Client
  name: string
  registry?: Address | undefined
  blockNumber: bigint
}): Promise<Resolved> {
  const normalized = normalize(name)
  const node = namehash(normalized)
  const codeOf = (address: Address) =>
    rpc(() => client.getCode({ address, blockNumber }), { what: `the code at ${address}` })
  const registryCode = await codeOf(registry)
  if (registryCode === undefined || registryCode === '0x') {
    throw new EnsResolutionError({ name, reason: 'no-registry', registry, blockNumber })
  }
  const resolver = getAddress(
    await rpc(
      () =>
        client.readContract({
          address: registry,
          abi: registryAbi,
          functionName: 'resolver',
          args: [node],
          blockNumber,
        }),
      { what: `the ENS resolver of ${normalized}` },
    ),
  )
  if (resolver === zeroAddress)
    throw new EnsResolutionError({ name, reason: 'no-resolver', registry, blockNumber })
  const resolverCode = await codeOf(resolver)
  if (resolverCode === undefined || resolverCode === '0x') {
    throw new EnsResolutionError({ name, reason: 'resolver-without-code', resolver, blockNumber })
  }
  let address: Address
  try {
    address = await client.readContract({
      address: resolver,
      abi: resolverAbi,
      functionName: 'addr',
      args: [node],
      blockNumber,
    })
  } catch (cause) {
    throw new EnsResolutionError({
      name,
      reason: 'no-address',
      resolver,
      blockNumber,
      details: cause instanceof Error ? cause.message.split('\n')[0] : String(cause),
    })
  }
  if (getAddress(address) === zeroAddress) {
    throw new EnsResolutionError({ name, reason: 'no-address', resolver, blockNumber })
  }
  return { name: name.trim(), normalized, node, address: getAddress(address), resolver, blockNumber }
}

/**
 * Resolves several names at one block (each once), keyed by the name as written.
 *
 * @example
 * const names = await Ens.resolveAll({ client, names: ['alice.eth', 'bob.eth'], blockNumber: state.blockNumber })
 * names.get('alice.eth')?.address
 */
export async function resolveAll({
  client,
  names,
  registry,
  blockNumber,
}: {
  client: Client
  names: readonly string[]
  registry?: Address | undefined
  blockNumber: bigint
}): Promise<Map<string, Resolved>> {
  const unique = [...new Set(names.map((n) => n.trim()))]
  const resolved = await Promise.all(unique.map((name) => resolve({ client, name, registry, blockNumber })))
  return new Map(resolved.map((r) => [r.name, r]))
}

/**
 * The names → addresses map that `Build.contractCall` and `Args.coerce` take as `names`.
 *
 * @example
 * Build.contractCall({ to, signature, args, names: Ens.addresses(resolved) })
 */
export function addresses(resolved: ReadonlyMap<string, Resolved>): Map<string, Address> {
  return new Map([...resolved].map(([name, r]) => [name, r.address]))
}
