import { isBaseError } from '@airlock/errors'
import { LedgerDisplay, SafeTxHash, type SafeTxHashes } from '@airlock/safe'
import { type Encoder, EthSignature, EthSignRequest, Ur, type UrResult } from '@airlock/transport'
import { type Address, isAddress, isAddressEqual } from 'viem'
import * as BipPath from './BipPath.ts'
import { checkSignature } from './checkSignature.ts'
import type { Device, GetAddressParameters, SignSafeTxParameters } from './Device.ts'
import { InvalidParameterError, KeystoneStateError } from './errors.ts'
import { type AddressOutcome, type Failure, failure, type SignOutcome } from './Outcome.ts'

/** An owner account the Keystone exported when it was synced (its account QR code). */
export type KeystoneAccount = { path: string; address: Address }

/** A request ready to show: animate `encoder.nextPart()` on screen (or show `parts` in a loop). */
export type KeystonePrepared = {
  ok: true
  requestId: string
  encoder: Encoder
  /** The first pure parts: enough for a Keystone that misses no frame. */
  parts: string[]
  path: string
  expectedOwner: Address
  hashes: SafeTxHashes
  /** The hashes as hardware wallets show them, for the operator to compare. */
  display: LedgerDisplay.LedgerHashes
}

/** The camera side: shows the request and resolves with the UR the operator scans back. */
export type KeystoneQrChannel = {
  exchange(request: KeystonePrepared): Promise<UrResult>
}

export type KeystoneDeviceParameters = {
  /** Master key fingerprint from the Keystone sync QR: uint32 or 8 hex digits. */
  sourceFingerprint: number | string
  /** Accounts from the sync QR, so `getAddress` can answer and a wrong path is caught before signing. */
  accounts?: readonly KeystoneAccount[] | undefined
  /** Needed only for `signSafeTx`; `prepare` and `complete` work without it. */
  channel?: KeystoneQrChannel | undefined
  /** Shown on the Keystone as who asks. */
  origin?: string | undefined
  /** Largest UR fragment per QR frame, in bytes. */
  maxFragmentLength?: number | undefined
}

export type PrepareParameters = Omit<SignSafeTxParameters, 'onPrompt'> & {
  /** Give one to make the request reproducible (tests); a random UUID otherwise. */
  requestId?: string | undefined
}

type Pending = PrepareParameters & { requestId: string; hashes: SafeTxHashes; path: string }

/**
 * A Keystone over QR codes: Airlock shows an `eth-sign-request`, the Keystone shows an
 * `eth-signature` back. Each signature must answer a request this adapter prepared (request id),
 * and recover to the owner over the safeTxHash computed here.
 *
 * @example
 * const keystone = new KeystoneDevice({ sourceFingerprint: '73c5da0a' })
 * const prepared = keystone.prepare({ tx, context, path: "m/44'/60'/0'/0/0", expectedOwner })
 * if (prepared.ok) show(prepared.encoder)
 * const outcome = keystone.complete(scannedUr)
 */
export class KeystoneDevice implements Device {
  readonly kind = 'keystone' as const
  readonly sourceFingerprint: number | string
  readonly #accounts: readonly KeystoneAccount[]
  readonly #channel: KeystoneQrChannel | undefined
  readonly #origin: string
  readonly #maxFragmentLength: number | undefined
  readonly #pending = new Map<string, Pending>()

  constructor({
    sourceFingerprint,
    accounts = [],
    channel,
    origin = 'Airlock',
    maxFragmentLength,
  }: KeystoneDeviceParameters) {
    const valid =
      (typeof sourceFingerprint === 'number' &&
        Number.isInteger(sourceFingerprint) &&
        sourceFingerprint >= 0 &&
        sourceFingerprint <= 0xffff_ffff) ||
      (typeof sourceFingerprint === 'string' && /^[0-9a-fA-F]{8}$/.test(sourceFingerprint))
    if (!valid) {
      throw new InvalidParameterError(
        `The Keystone fingerprint ${JSON.stringify(sourceFingerprint)} is invalid.`,
        {
          hint: 'Give the master fingerprint from the Keystone sync QR: 8 hex digits or a uint32.',
        },
      )
    }
    for (const account of accounts) {
      BipPath.parse(account.path)
      if (!isAddress(account.address, { strict: false })) {
        throw new InvalidParameterError(`The Keystone account at ${account.path} has no valid address.`, {
          hint: 'Sync the Keystone again.',
        })
      }
    }
    this.sourceFingerprint = sourceFingerprint
    this.#accounts = accounts
    this.#channel = channel
    this.#origin = origin
    this.#maxFragmentLength = maxFragmentLength
  }

  /**
   * The synced account at `path`. A Keystone cannot confirm addresses over this QR flow, so the result
   * is never `confirmed`.
   *
   * @example
   * await keystone.getAddress({ path: "m/44'/60'/0'/0/0" })
   */
  async getAddress({ path }: GetAddressParameters): Promise<AddressOutcome> {
    const canonical = BipPath.normalize(path)
    const account = this.#account(canonical)
    if (!account) {
      return failure({
        kind: 'keystone',
        code: 'unknown-account',
        details: `no synced account at ${canonical}`,
      })
    }
    return { ok: true, kind: 'keystone', path: canonical, address: account.address, confirmed: false }
  }

  /**
   * Builds the `eth-sign-request` for a Safe transaction (EIP-712 typed data) and remembers it, so
   * only a signature answering this request id is accepted.
   *
   * @example
   * const prepared = keystone.prepare({ tx, context, path, expectedOwner })
   */
  prepare({
    tx,
    context,
    path,
    expectedOwner,
    owners,
    requestId,
  }: PrepareParameters): KeystonePrepared | Failure {
    const canonical = BipPath.normalize(path)
    if (typeof expectedOwner !== 'string' || !isAddress(expectedOwner, { strict: false })) {
      throw new InvalidParameterError(
        `The expected owner is not an address: ${JSON.stringify(expectedOwner)}.`,
        {
          hint: 'Give the Safe owner’s 0x-prefixed 20-byte address.',
        },
      )
    }
    const account = this.#account(canonical)
    if (account && !isAddressEqual(account.address, expectedOwner)) {
      return failure({
        kind: 'keystone',
        code: 'wrong-signer',
        recovered: account.address,
        details: `the synced key at ${canonical} is ${account.address}, expected ${expectedOwner}`,
      })
    }
    const request = EthSignRequest.fromSafeTx({
      tx,
      context,
      path: canonical,
      sourceFingerprint: this.sourceFingerprint,
      address: expectedOwner,
      requestId,
      origin: this.#origin,
    })
    const id = request.requestId
    if (id === undefined) throw new KeystoneStateError('The sign request has no request id.')
    const encoder = Ur.encode({
      type: EthSignRequest.urType,
      payload: EthSignRequest.encode(request),
      maxFragmentLength: this.#maxFragmentLength,
    })
    const hashes = SafeTxHash.compute({ tx, context })
    this.#pending.set(id, { tx, context, path: canonical, expectedOwner, owners, requestId: id, hashes })
    return {
      ok: true,
      requestId: id,
      encoder,
      parts: encoder.firstParts(),
      path: canonical,
      expectedOwner,
      hashes,
      display: LedgerDisplay.fromHashes(hashes),
    }
  }

  /**
   * Checks a scanned `eth-signature`: it must answer a prepared request, be well-formed, and recover
   * to that request's owner over the recomputed safeTxHash. A request is answered once.
   *
   * @example
   * const outcome = keystone.complete({ type: 'eth-signature', payload })
   */
  complete(ur: UrResult): SignOutcome {
    if (ur.type !== EthSignature.urType) {
      return failure({ kind: 'keystone', code: 'wrong-qr', details: `scanned a ${ur.type} QR code` })
    }
    let requestId: string | undefined
    try {
      requestId = EthSignature.decode(ur.payload).requestId
    } catch (error) {
      if (!isBaseError(error)) throw error
      return failure({ kind: 'keystone', code: 'wrong-qr', details: `${error.name}: ${error.shortMessage}` })
    }
    const pending = requestId === undefined ? undefined : this.#pending.get(requestId)
    if (!pending) {
      return failure({
        kind: 'keystone',
        code: 'wrong-request',
        details: `the signature answers request ${requestId ?? '(none)'}; pending: ${[...this.#pending.keys()].join(', ') || '(none)'}`,
      })
    }
    this.#pending.delete(pending.requestId)
    let signature: `0x${string}`
    try {
      signature = EthSignature.accept({
        ur,
        requestId: pending.requestId,
        chainId: pending.context.chainId,
      }).signature
    } catch (error) {
      if (!isBaseError(error)) throw error
      return failure({
        kind: 'keystone',
        code: 'invalid-signature',
        details: `${error.name}: ${error.shortMessage}`,
      })
    }
    const account = this.#account(pending.path)
    const checked = checkSignature({
      signature,
      hashes: pending.hashes,
      expectedOwner: pending.expectedOwner,
      chainId: pending.context.chainId,
      knownSigners: [...(account ? [account.address] : []), ...(pending.owners ?? [])],
    })
    if (!checked.ok) {
      return failure({
        kind: 'keystone',
        code: checked.code,
        details: checked.details,
        recovered: checked.recovered,
      })
    }
    return {
      ok: true,
      kind: 'keystone',
      mode: 'keystone-qr',
      path: pending.path,
      signature: checked.signature,
      signer: checked.signer,
      hashes: pending.hashes,
    }
  }

  /**
   * Forgets a prepared request (the operator cancelled): a later signature for it is refused.
   *
   * @example
   * keystone.cancel(prepared.requestId)
   */
  cancel(requestId: string): void {
    this.#pending.delete(requestId.toLowerCase())
  }

  /**
   * Shows the request through the QR channel and checks the signature scanned back.
   *
   * @example
   * const keystone = new KeystoneDevice({ sourceFingerprint, channel: cameraChannel })
   * const outcome = await keystone.signSafeTx({ tx, context, path, expectedOwner })
   */
  async signSafeTx({ onPrompt, ...parameters }: SignSafeTxParameters): Promise<SignOutcome> {
    if (!this.#channel) {
      throw new KeystoneStateError('This Keystone adapter has no QR channel to show and scan codes.', {
        hint: 'Construct it with a channel, or drive it with prepare() and complete().',
      })
    }
    const prepared = this.prepare(parameters)
    if (!prepared.ok) return prepared
    onPrompt?.({ kind: 'keystone', mode: 'keystone-qr', hashes: prepared.hashes, display: prepared.display })
    let ur: UrResult
    try {
      ur = await this.#channel.exchange(prepared)
    } catch (error) {
      this.#pending.delete(prepared.requestId)
      throw error
    }
    return this.complete(ur)
  }

  #account(canonicalPath: string): KeystoneAccount | undefined {
    return this.#accounts.find((account) => BipPath.normalize(account.path) === canonicalPath)
  }
}
