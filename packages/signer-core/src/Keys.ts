// Who a key is, and which of the installed org's Safes it owns: what a signer front end shows before
// reviewing anything (the CLI's `sign address`, the signer app's key screen).
import type { Failure } from '@airlock/devices'
import { type Address, getAddress, isAddressEqual } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type * as Installed from './Installed.ts'
import type { Identity } from './review.ts'
import type { KeySource } from './Signer.ts'

/**
 * The owner address and key kind behind a key: a software key's address, or the address the device
 * reports for the path (its outcome when the device cannot answer).
 *
 * @example
 * const identity = await Keys.identityOf({ kind: 'software', privateKey })
 */
export async function identityOf(key: KeySource): Promise<Identity | Failure> {
  if (key.kind === 'software')
    return { address: privateKeyToAccount(key.privateKey).address, keyKind: 'software' }
  if (!('signSafeTx' in key.device)) return key.device
  const address = await key.device.getAddress({ path: key.path })
  if (!address.ok) return address
  return { address: address.address, keyKind: 'ledger' }
}

/**
 * The installed org's Safes this address owns (checksummed), on every chain.
 *
 * @example
 * Keys.ownedSafes(installed, owner) // [{ name: 'treasury', address: '0x…', chainId: 1 }]
 */
export function ownedSafes(
  installed: Installed.Installed | undefined,
  address: Address,
): { name: string; address: Address; chainId: number }[] {
  return (installed?.org.safes ?? [])
    .filter((safe) => safe.owners.some((owner) => isAddressEqual(owner, address)))
    .map((safe) => ({ name: safe.name, address: getAddress(safe.address), chainId: safe.chainId }))
}
