import { LedgerDisplay, SafeTxHash } from '@airlock/safe'
import { type Address, type Hex, isAddressEqual } from 'viem'
import { english, type LocalAccount, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import * as BipPath from './BipPath.ts'
import { checkSignature } from './checkSignature.ts'
import type { Device, GetAddressParameters, SignSafeTxParameters } from './Device.ts'
import { InvalidParameterError, type InvalidPrivateKeyError, SoftwareKeyNotAllowedError } from './errors.ts'
import { type AddressOutcome, failure, type SignOutcome } from './Outcome.ts'
import * as PrivateKey from './PrivateKey.ts'

export type SoftwareKeyDeviceParameters = {
  /** From the policy: software keys are for tests and the demo only, never for real treasuries. */
  allowSoftwareKey: boolean
} & ({ privateKey: Hex; mnemonic?: undefined } | { mnemonic: string; privateKey?: undefined })

const WORDS = new Set(english)

/**
 * A key held in memory (viem LocalAccount), from a private key or a BIP-39 mnemonic. Exists for tests
 * and the demo; it refuses to exist unless the policy allows software keys.
 *
 * @example
 * const device = new SoftwareKeyDevice({ allowSoftwareKey: policy.allowSoftwareKey, mnemonic })
 * const outcome = await device.signSafeTx({ tx, context, path: "m/44'/60'/0'/0/0", expectedOwner })
 */
export class SoftwareKeyDevice implements Device {
  readonly kind = 'software' as const
  readonly #privateKey: Hex | undefined
  readonly #mnemonic: string | undefined
  readonly #accounts = new Map<string, LocalAccount>()

  constructor(parameters: SoftwareKeyDeviceParameters) {
    if (parameters?.allowSoftwareKey !== true) {
      throw new SoftwareKeyNotAllowedError('Software keys are not allowed by the policy.', {
        hint: 'Use a Ledger or a Keystone; software keys exist for tests and the demo only.',
      })
    }
    const { privateKey, mnemonic } = parameters
    if ((privateKey === undefined) === (mnemonic === undefined)) {
      throw new InvalidParameterError('Give either a private key or a mnemonic.', {
        hint: 'Pass { privateKey } or { mnemonic }, not both.',
      })
    }
    if (privateKey !== undefined) {
      try {
        PrivateKey.parse(privateKey)
      } catch (error) {
        const { shortMessage, hint } = error as InvalidPrivateKeyError
        throw new InvalidParameterError(shortMessage, { hint, cause: error })
      }
    }
    if (mnemonic !== undefined) {
      const words = mnemonic.trim().split(/\s+/)
      if (![12, 15, 18, 21, 24].includes(words.length) || !words.every((word) => WORDS.has(word))) {
        throw new InvalidParameterError('The mnemonic is not a BIP-39 English mnemonic.', {
          hint: 'Give 12 to 24 words from the BIP-39 English list.',
        })
      }
    }
    this.#privateKey = privateKey
    this.#mnemonic = mnemonic?.trim().split(/\s+/).join(' ')
  }

  /**
   * The address at `path` (a private key has no derivation: every path gives its one address).
   *
   * @example
   * await device.getAddress({ path: "m/44'/60'/0'/0/0" })
   */
  async getAddress({ path }: GetAddressParameters): Promise<AddressOutcome> {
    const canonical = BipPath.normalize(path)
    const account = this.#account(canonical)
    return {
      ok: true,
      kind: 'software',
      path: canonical,
      address: account.address,
      ...(account.publicKey ? { publicKey: account.publicKey } : {}),
      confirmed: false,
    }
  }

  /**
   * Signs the SafeTx as EIP-712 typed data and checks it like any device's signature.
   *
   * @example
   * const outcome = await device.signSafeTx({ tx, context, path, expectedOwner })
   */
  async signSafeTx({
    tx,
    context,
    path,
    expectedOwner,
    owners = [],
    onPrompt,
  }: SignSafeTxParameters): Promise<SignOutcome> {
    const canonical = BipPath.normalize(path)
    const account = this.#account(canonical)
    if (!isAddressEqual(account.address, expectedOwner as Address)) {
      return failure({
        kind: 'software',
        code: 'wrong-signer',
        recovered: account.address,
        details: `the software key at ${canonical} is ${account.address}, expected ${expectedOwner}`,
      })
    }
    const hashes = SafeTxHash.compute({ tx, context })
    onPrompt?.({ kind: 'software', mode: 'software', hashes, display: LedgerDisplay.fromHashes(hashes) })
    if (!account.signTypedData) throw new InvalidParameterError('This account cannot sign typed data.')
    const signature = await account.signTypedData(SafeTxHash.typedData({ tx, context }))
    const checked = checkSignature({
      signature,
      hashes,
      expectedOwner,
      chainId: context.chainId,
      knownSigners: [account.address, ...owners],
    })
    if (!checked.ok) {
      return failure({
        kind: 'software',
        code: checked.code,
        details: checked.details,
        recovered: checked.recovered,
      })
    }
    return {
      ok: true,
      kind: 'software',
      mode: 'software',
      path: canonical,
      signature: checked.signature,
      signer: checked.signer,
      hashes,
    }
  }

  #account(canonicalPath: string): LocalAccount {
    const key = this.#privateKey === undefined ? canonicalPath : ''
    let account = this.#accounts.get(key)
    if (!account) {
      account =
        this.#privateKey !== undefined
          ? privateKeyToAccount(this.#privateKey)
          : mnemonicToAccount(this.#mnemonic ?? '', { path: canonicalPath as `m/44'/60'/${string}` })
      this.#accounts.set(key, account)
    }
    return account
  }
}
