import type { LedgerHashes, SafeContext, SafeTx, SafeTxHashes } from '@airlock/safe'
import type { Address } from 'viem'
import type { SignTypedDataParameters, TypedDataSigned } from './LedgerDevice.ts'
import type { AddressOutcome, DeviceKind, Failure, SigningMode, SignOutcome } from './Outcome.ts'

export type GetAddressParameters = {
  /** BIP-44 path, `m/44'/60'/0'/0/0`. */
  path: string
  /** Show the address on the device and wait for the user to confirm it. */
  confirm?: boolean | undefined
}

/** What the device is about to show: the UI displays the same hashes so the user can compare. */
export type Prompt = {
  kind: DeviceKind
  mode: SigningMode
  hashes: SafeTxHashes
  /** The hashes formatted as the Ledger screen shows them. */
  display: LedgerHashes
}

export type SignSafeTxParameters = {
  tx: SafeTx.SafeTx
  context: SafeContext
  /** BIP-44 path of the owner key on the device. */
  path: string
  /** The Safe owner who must have signed; anything else is refused. */
  expectedOwner: Address
  /** The Safe's other owners, so a signature by one of them is named (`wrong-signer`), not just refused. */
  owners?: readonly Address[] | undefined
  /** Called right before the device is asked to sign, with what it will show. */
  onPrompt?: ((prompt: Prompt) => void) | undefined
}

/**
 * A signing device. Keys never leave it; every result is checked before it is returned: addresses
 * against the public key, signatures by recovering the owner over the safeTxHash Airlock computed.
 * Expected outcomes (refused on the device, locked, wrong app…) come back as `Failure`s, broken
 * invariants (bad parameters, bugs) throw.
 */
export interface Device {
  readonly kind: DeviceKind
  getAddress(parameters: GetAddressParameters): Promise<AddressOutcome>
  signSafeTx(parameters: SignSafeTxParameters): Promise<SignOutcome>
}

/**
 * A device that also signs EIP-712 typed data other than a Safe transaction (the approval
 * attestations of Critical and Existential actions), with the same checks: the signature must recover
 * to `expectedSigner` over the digest computed here.
 */
export interface TypedDataDevice extends Device {
  signTypedData(parameters: SignTypedDataParameters): Promise<TypedDataSigned | Failure>
}
