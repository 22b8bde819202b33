// ENS on the local chain from the official artifacts the ENS team published on npm: the ENSRegistry
// of @ensdomains/ens 0.6.2 and the PublicResolver of @ensdomains/resolver 0.3.1 (their compiled
// bytecode as shipped, not rebuilt), so the coordinator resolves names against the real contracts.
import { createRequire } from 'node:module'
import { type Account, type Address, labelhash, zeroAddress, zeroHash } from 'viem'
import { namehash, normalize } from 'viem/ens'
import type { Anvil } from './anvil.ts'
import { type Artifact, deploy, write } from './contracts.ts'

const require = createRequire(import.meta.url)

/** A local ENS: the registry (root owned by the deployer) and one PublicResolver. */
export type LocalEns = {
  registry: Address
  resolver: Address
  /** The account that owns the root and every name set through `setEnsName`. */
  owner: Account
}

/**
 * The official ENSRegistry and PublicResolver artifacts (ABI and creation bytecode).
 *
 * @example
 * const { registry, resolver } = ensArtifacts()
 */
export function ensArtifacts(): { registry: Artifact; resolver: Artifact } {
  const pick = (path: string): Artifact => {
    const { abi, bytecode } = require(path) as Artifact
    return { abi, bytecode }
  }
  return {
    registry: pick('@ensdomains/ens/build/contracts/ENSRegistry.json'),
    resolver: pick('@ensdomains/resolver/build/contracts/PublicResolver.json'),
  }
}

/**
 * Deploys the registry and a PublicResolver; the deployer owns the root.
 *
 * @example
 * const ens = await deployEns({ anvil, deployer })
 * await setEnsName({ anvil, ens, name: 'alice.eth', address: alice })
 */
export async function deployEns({ anvil, deployer }: { anvil: Anvil; deployer: Account }): Promise<LocalEns> {
  const artifacts = ensArtifacts()
  const registry = await deploy({ anvil, deployer, artifact: artifacts.registry })
  const resolver = await deploy({ anvil, deployer, artifact: artifacts.resolver, args: [registry] })
  return { registry, resolver, owner: deployer }
}

/**
 * Registers `name` (and its parents) to the ENS owner and points it at a resolver: the local
 * PublicResolver with `address` as its addr record by default; `resolver` another contract or account
 * (a resolver without code), or the zero address for a name without a resolver.
 *
 * @example
 * await setEnsName({ anvil, ens, name: 'payroll.acme.eth', address: payroll })
 */
export async function setEnsName({
  anvil,
  ens,
  name,
  address,
  resolver = ens.resolver,
}: {
  anvil: Anvil
  ens: LocalEns
  name: string
  address?: Address | undefined
  resolver?: Address | undefined
}): Promise<void> {
  const { registry: registryArtifact, resolver: resolverArtifact } = ensArtifacts()
  const labels = normalize(name).split('.')
  let parent: `0x${string}` = zeroHash
  for (let i = labels.length - 1; i >= 0; i--) {
    const label = labelhash(labels[i] as string)
    const leaf = i === 0
    await write({
      anvil,
      account: ens.owner,
      address: ens.registry,
      abi: registryArtifact.abi,
      functionName: leaf ? 'setSubnodeRecord' : 'setSubnodeOwner',
      args: leaf ? [parent, label, ens.owner.address, resolver, 0n] : [parent, label, ens.owner.address],
    })
    parent = namehash(labels.slice(i).join('.'))
  }
  if (address !== undefined && resolver === ens.resolver && resolver !== zeroAddress) {
    await write({
      anvil,
      account: ens.owner,
      address: ens.resolver,
      abi: resolverArtifact.abi,
      functionName: 'setAddr',
      args: [parent, address],
    })
  }
}
