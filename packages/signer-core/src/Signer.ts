import {
  type AuditEntry,
  AuditLog,
  type Signer as AuditSigner,
  ClockRegressionError,
} from '@airlock/audit-log'
import {
  type Device,
  type Failure,
  KeystoneDevice,
  SoftwareKeyDevice,
  type TypedDataDevice,
} from '@airlock/devices'
import { isBaseError } from '@airlock/errors'
import { Bundle, type BundleVerification, type CedarApi } from '@airlock/policy'
import { SafeTxHash } from '@airlock/safe'
import {
  EthSignature,
  EthSignRequest,
  type MessageRequest,
  type SignatureResponse,
  SignRequest,
  type UrResult,
} from '@airlock/transport'
import { type Address, type Hex, isAddressEqual, isHex, keccak256, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { AttestedTier } from './Attestation.ts'
import * as Attestation from './Attestation.ts'
import * as DecisionLog from './DecisionLog.ts'
import { BundleRejectedError, InstalledBundleMismatchError, InvalidKeystoneStateError } from './errors.ts'
import * as Installed from './Installed.ts'
import * as Keystone from './Keystone.ts'
import * as MessageSigner from './MessageSigner.ts'
import * as Refusal from './Refusal.ts'
import { type Identity, oversized, type Review, refusedReview, review, type SignerState } from './review.ts'
import * as SignerSet from './SignerSet.ts'

/** The key that signs: a software key (tests and the demo, only if the policy allows) or a Ledger. */
export type KeySource =
  | { kind: 'software'; privateKey: Hex }
  | {
      kind: 'ledger'
      /** Any device behind the `TypedDataDevice` interface: `openLedgerHid()`'s Ledger, or the `disconnected` outcome. */
      device: TypedDataDevice | Failure
      /** BIP-44 path of the owner key. */
      path: string
    }

export type ApproveResult =
  | {
      status: 'released'
      kind: SignatureResponse.Kind
      response: SignatureResponse.SignatureResponse
      review: Review
      entry: AuditEntry.Entry
    }
  | {
      status: 'refused'
      refusals: readonly Refusal.Refusal[]
      review: Review | undefined
      entry: AuditEntry.Entry
    }
  | { status: 'device-error'; failure: Failure; review: Review | undefined; entry: AuditEntry.Entry }

type Refused = Extract<ApproveResult, { status: 'refused' }>
type DeviceErrorResult = Extract<ApproveResult, { status: 'device-error' }>

/** Keystone's first trip: the request to show and what to remember, or why nothing is asked. */
export type KeystoneRequestResult =
  | {
      status: 'keystone-requested'
      pending: Keystone.Pending
      signRequest: EthSignRequest.EthSignRequest
      review: Review
      entry: AuditEntry.Entry
    }
  | Refused
  | DeviceErrorResult

// A request the signer may sign: the review and how to log what comes next.
type Decided<T> = {
  result: Review
  identity: Identity
  device: string
  safeTxHash: Hex
  installed: Installed.Installed
  base: { requestDigest: Hex; safeTxHash: Hex; policyBundleHash?: Hex }
  time: string
  refuse(refusals: Refusal.Refusal[], result: Review | undefined, device?: string): Promise<Refused>
  deviceError(failure: Failure, result: Review | undefined, device: string): Promise<DeviceErrorResult>
  respond(
    kind: SignatureResponse.Kind,
    signature: Hex,
  ): Promise<Extract<ApproveResult, { status: 'released' }>>
  with: T
}

export type CreateParameters = {
  cedar: CedarApi
  log: DecisionLog.DecisionLog
  /** The signer's clock; the log is stamped with it and it must never run backwards. */
  clock?: (() => Date) | undefined
  /** The bundle stored with the log (its hash must be the last one the log says was installed). */
  bundle?: unknown
  /** How long a Keystone request may wait for its signature (default `Keystone.defaultRequestTtlMs`). */
  keystoneRequestTtlMs?: number | undefined
  /** The log's audit key: when given, every released response carries a receipt signed with it. */
  auditKey?: AuditSigner | undefined
}

const SOFTWARE_PATH = "m/44'/60'/0'/0/0"

/**
 * The offline signer engine. It holds one installed policy bundle and a decision log; every
 * decision is appended to the log before anything is returned, and everything it remembers
 * (first sightings, signed nonces, outflow history) is read back from that log.
 *
 * @example
 * const signer = await Signer.create({ cedar, log: DecisionLog.memory() })
 * await signer.installBundle(bundle)
 * const result = await signer.approve(request, { key: { kind: 'software', privateKey } })
 */
export class Signer {
  readonly #cedar: CedarApi
  readonly #log: DecisionLog.DecisionLog
  readonly #clock: () => Date
  readonly #keystoneRequestTtlMs: number
  #auditKey: AuditSigner | undefined
  // Continuity proofs verified in this process, so a retried request is not verified twice.
  readonly #verifiedProofs: SignerSet.ProofCache = new Map()
  #installed: Installed.Installed | undefined

  private constructor(
    cedar: CedarApi,
    log: DecisionLog.DecisionLog,
    clock: () => Date,
    keystoneRequestTtlMs: number,
  ) {
    this.#cedar = cedar
    this.#log = log
    this.#clock = clock
    this.#keystoneRequestTtlMs = keystoneRequestTtlMs
  }

  /**
   * Starts the engine on a log, restoring the installed bundle (checked against the log).
   *
   * @example
   * const signer = await Signer.create({ cedar, log, bundle: storedBundleJson })
   */
  static async create({
    cedar,
    log,
    clock = () => new Date(),
    bundle,
    keystoneRequestTtlMs = Keystone.defaultRequestTtlMs,
    auditKey,
  }: CreateParameters): Promise<Signer> {
    if (!Number.isSafeInteger(keystoneRequestTtlMs) || keystoneRequestTtlMs <= 0) {
      throw new InvalidKeystoneStateError('keystoneRequestTtlMs must be a positive number of milliseconds.', {
        hint: 'Leave it out for the default of one hour.',
      })
    }
    const signer = new Signer(cedar, log, clock, keystoneRequestTtlMs)
    signer.#auditKey = auditKey
    const expected = DecisionLog.state(log.entries).installedBundleHash
    if (bundle !== undefined) {
      const parsed = Bundle.parse(bundle)
      const hash = Bundle.hash(parsed)
      if (hash !== expected) {
        throw new InstalledBundleMismatchError(
          'The stored policy bundle is not the one the log says was installed.',
          {
            hint: 'Install the bundle again with `airlock sign init`; keep the stored file for investigation.',
            details: `stored ${hash}, logged ${expected ?? 'none'}`,
          },
        )
      }
      signer.#installed = Installed.fromBundle(parsed, { cedar, hash })
    } else if (expected !== undefined) {
      throw new InstalledBundleMismatchError(
        'The log says a policy bundle was installed, but none is stored.',
        {
          hint: 'Install the bundle again with `airlock sign init`.',
        },
      )
    }
    return signer
  }

  /** The installed policy, if any. */
  get installed(): Installed.Installed | undefined {
    return this.#installed
  }

  /** The decision log. */
  get log(): DecisionLog.DecisionLog {
    return this.#log
  }

  /**
   * Everything `review` decides from, read now: the installed policy, the log's state and the clock.
   *
   * @example
   * const state = signer.state({ address, keyKind: 'ledger' })
   */
  state(identity: Identity): SignerState {
    const log = DecisionLog.state(this.#log.entries)
    const clockMs = this.#clock().getTime()
    return {
      installed: this.#installed,
      log,
      identity,
      // A clock behind the log stays behind it here, so the review refuses it as a rollback.
      nowMs: DecisionLog.effectiveNow(log, clockMs) ?? clockMs,
    }
  }

  /**
   * Verifies and installs a policy bundle (signed by enough admins, never older than the installed
   * one) and logs `policy-imported`; a rejected bundle is logged as refused and throws
   * `Signer.BundleRejectedError`.
   *
   * @example
   * const { version, hash } = await signer.installBundle(JSON.parse(text))
   */
  async installBundle(input: unknown): Promise<BundleVerification> {
    const verification = await Bundle.verify(input, {
      cedar: this.#cedar,
      installed: this.#installed?.bundle,
    })
    const reset = verification.valid ? Installed.signerRules(Bundle.parse(input).org).clockReset : undefined
    const time = await this.#time(reset)
    if (!verification.valid) {
      await this.#log.append(
        {
          event: 'refused',
          decision: 'policy-rejected',
          reasons: verification.issues.map((i) => `${i.code}: ${i.message}`),
          ...(verification.hash ? { policyBundleHash: verification.hash } : {}),
        },
        { time },
      )
      throw new BundleRejectedError(
        `The policy bundle was refused: ${verification.issues.map((i) => i.code).join(', ')}.`,
        verification.issues,
      )
    }
    if (verification.sameAsInstalled) return verification
    const bundle = Bundle.parse(input)
    const installed = Installed.fromBundle(bundle, { cedar: this.#cedar })
    await this.#log.append(
      {
        event: 'policy-imported',
        decision: 'installed',
        policyBundleHash: installed.hash,
        data: {
          version: installed.version,
          signers: [...verification.signers],
          authority: verification.authority,
        },
      },
      { time },
    )
    this.#installed = installed
    const clockMs = this.#clock().getTime()
    const lastMs = DecisionLog.state(this.#log.entries).lastTimeMs ?? clockMs
    if (reset && clockMs < lastMs) {
      // Logged as its own entry: from here the log forgives the run-ahead before it (see effectiveNow).
      await this.#log.append(
        {
          event: 'clock-anomaly',
          decision: DecisionLog.clockResetDecision,
          policyBundleHash: installed.hash,
          reasons: [
            'clock-reset: the security leads signed a clock reset in this policy bundle; the log ran ahead of the true time',
          ],
          data: { lastTime: iso(lastMs), observedTime: iso(clockMs), resetAt: iso(reset.at * 1000) },
        },
        { time },
      )
    }
    return verification
  }

  /**
   * Reviews a request and logs that this signer saw it (its first sighting starts a tier's delay).
   *
   * @example
   * const result = await signer.review(request, { identity })
   */
  async review(
    request: SignRequest.SignRequest,
    options: { identity: Identity; acknowledgeReplacement?: boolean | undefined },
  ): Promise<Review> {
    try {
      return await this.#review(request, options)
    } catch (error) {
      const refusal = Refusal.internalError(error)
      await this.#refuseUnread(request, refusal, 'reviewed')
      return refusedReview(request, { state: this.state(options.identity), refusal })
    }
  }

  async #review(
    request: SignRequest.SignRequest,
    {
      identity,
      acknowledgeReplacement,
    }: { identity: Identity; acknowledgeReplacement?: boolean | undefined },
  ): Promise<Review> {
    const state = this.state(identity)
    const result = await review(request, { state, acknowledgeReplacement })
    if (result.refusals.some((r) => r.code === 'clock-rollback')) {
      await this.#clockAnomaly(state)
      return result
    }
    if (!result.read) {
      await this.#refuseUnread(request, result.refusals[0]!, 'reviewed')
      return result
    }
    await this.#log.append(
      {
        event: 'reviewed',
        requestDigest: requestDigest(request),
        safeTxHash: result.hashes.safeTxHash,
        decision: result.allowed
          ? result.stage === 'attestation'
            ? 'would-attest'
            : 'would-sign'
          : 'would-refuse',
        reasons: result.refusals.map((r) => r.code),
        ...this.#bundleHash(),
        data: this.#data('review', result),
      },
      { time: iso(state.nowMs) },
    )
    return result
  }

  /**
   * Reviews a Safe message request (EIP-1271: text or typed data such as a Permit2) like a
   * transaction, and logs that this signer saw it. See `MessageSigner.review`.
   *
   * @example
   * const review = await signer.reviewMessage(request, { identity })
   */
  async reviewMessage(
    request: MessageRequest.MessageRequest,
    { identity }: { identity: Identity },
  ): Promise<MessageSigner.MessageReview> {
    return MessageSigner.review({ signer: this, request, identity })
  }

  /**
   * Decides a Safe message request and, if the policy and the signer's own checks allow it, returns
   * this owner's signature over the SafeMessage hash it computed; every outcome is logged in this
   * signer's log (allowances and transfers count toward velocity). See `MessageSigner.approve`.
   *
   * @example
   * const result = await signer.approveMessage(request, { key: { kind: 'software', privateKey } })
   * if (result.status === 'released') show(MessageSignature.toUr(result.response))
   */
  async approveMessage(
    request: MessageRequest.MessageRequest,
    { key }: { key: KeySource },
  ): Promise<MessageSigner.MessageApproveResult> {
    return MessageSigner.approve({ signer: this, request, key })
  }

  /**
   * Decides a request and, if the policy and the signer's own checks allow it, returns a Safe
   * signature (Emergency, Routine, round 2) or an approval attestation (round 1 of Critical and
   * Existential). Every outcome is logged before it is returned.
   *
   * @example
   * const result = await signer.approve(request, { key: { kind: 'software', privateKey } })
   * if (result.status === 'released') show(SignatureResponse.toUr(result.response))
   */
  async approve(
    request: SignRequest.SignRequest,
    options: { key: KeySource; acknowledgeReplacement?: boolean | undefined },
  ): Promise<ApproveResult> {
    return this.#guarded(request, () => this.#approve(request, options))
  }

  async #approve(
    request: SignRequest.SignRequest,
    { key, acknowledgeReplacement = false }: { key: KeySource; acknowledgeReplacement?: boolean | undefined },
  ): Promise<ApproveResult> {
    type Signers = {
      signSafeTx: Device
      signAttestation: (attestation: Attestation.Attestation) => Promise<Hex | Failure>
    }
    const decided = await this.#decide<Signers>(request, acknowledgeReplacement, async (installed, on) => {
      // The key, and who it is. A software key exists only if the installed policy allows it.
      if (key.kind === 'software') {
        const account = privateKeyToAccount(key.privateKey)
        const device = `software:${account.address}`
        if (!installed.org.allowSoftwareKeys)
          return on.refuse([Refusal.signer('software-key-not-allowed')], undefined, device)
        return {
          identity: { address: account.address, keyKind: 'software' },
          device,
          with: {
            signSafeTx: new SoftwareKeyDevice({
              allowSoftwareKey: installed.org.allowSoftwareKeys,
              privateKey: key.privateKey,
            }),
            signAttestation: (attestation) => Attestation.sign(attestation, account),
          },
        }
      }
      const device = `ledger:${key.path}`
      if (!('signSafeTx' in key.device)) return on.deviceError(key.device, undefined, device)
      const ledger = key.device
      const address = await ledger.getAddress({ path: key.path })
      if (!address.ok) return on.deviceError(address, undefined, device)
      return {
        identity: { address: address.address, keyKind: 'ledger' },
        device: `${device}:${address.address}`,
        with: {
          signSafeTx: ledger,
          signAttestation: async (attestation) => {
            const signed = await ledger.signTypedData({
              typedData: Attestation.typedData(attestation) as never,
              path: key.path,
              expectedSigner: address.address,
            })
            return signed.ok ? signed.signature : signed
          },
        },
      }
    })
    if ('status' in decided) return decided
    const { result, identity, device, safeTxHash, installed, refuse, deviceError, respond } = decided

    if (result.stage === 'attestation' && result.tier && Attestation.isAttestedTier(result.tier)) {
      const attestation = Attestation.forRequest({ context: result.context, safeTxHash, tier: result.tier })
      const signature = await decided.with.signAttestation(attestation)
      if (typeof signature !== 'string') return deviceError(signature, result, device)
      // Checked like any device output: it must recover to this owner.
      const recovered = await Attestation.recover(attestation, signature)
      if (!isAddressEqual(recovered, identity.address)) {
        return refuse(
          [
            Refusal.signer(
              'forged-attestation',
              'The key’s attestation does not recover to its own address.',
            ),
          ],
          result,
          device,
        )
      }
      return respond('approval-attestation', signature)
    }
    const safeConfig = installed.org.safes.find((s) => isAddressEqual(s.address, result.context.safe))
    const signed = await decided.with.signSafeTx.signSafeTx({
      tx: result.tx,
      context: result.context,
      path: key.kind === 'ledger' ? key.path : SOFTWARE_PATH,
      expectedOwner: identity.address,
      owners: (safeConfig?.owners ?? []) as Address[],
    })
    if (!signed.ok) return deviceError(signed, result, device)
    return respond('safe-signature', signed.signature)
  }

  /**
   * Keystone, first trip: decides the request exactly as `approve` does for the Keystone's owner
   * account and, if it may be signed, logs that a Keystone signature was requested and returns the
   * `eth-sign-request` to show (the Safe transaction, or in round 1 of Critical/Existential the
   * attestation typed data) with the `Pending` record to keep until the answer comes back.
   *
   * @example
   * const asked = await signer.requestKeystone(request, { account })
   * if (asked.status === 'keystone-requested') show(EthSignRequest.encode(asked.signRequest)), save(asked.pending)
   */
  async requestKeystone(
    request: SignRequest.SignRequest,
    options: {
      account: Keystone.Account
      acknowledgeReplacement?: boolean | undefined
      /** The eth-sign-request UUID; random unless given (tests). */
      requestId?: string | undefined
    },
  ): Promise<KeystoneRequestResult> {
    return this.#guarded(request, () => this.#requestKeystone(request, options))
  }

  async #requestKeystone(
    request: SignRequest.SignRequest,
    {
      account,
      acknowledgeReplacement = false,
      requestId = crypto.randomUUID(),
    }: {
      account: Keystone.Account
      acknowledgeReplacement?: boolean | undefined
      requestId?: string | undefined
    },
  ): Promise<KeystoneRequestResult> {
    const owner = Keystone.account(account)
    const decided = await this.#decide(request, acknowledgeReplacement, async () => ({
      identity: { address: owner.address, keyKind: 'keystone' },
      device: keystoneDevice(owner),
      with: undefined,
    }))
    if ('status' in decided) return decided
    const { result, safeTxHash, base, time, device } = decided
    const attested = result.stage === 'attestation' && result.tier && Attestation.isAttestedTier(result.tier)
    let signRequest: EthSignRequest.EthSignRequest
    if (attested) {
      signRequest = Keystone.attestationRequest({
        attestation: Attestation.forRequest({
          context: result.context,
          safeTxHash,
          tier: result.tier as AttestedTier,
        }),
        account: owner,
        requestId,
      })
    } else {
      // The same request KeystoneDevice.prepare builds, so completeKeystone can re-arm the adapter with its id.
      signRequest = EthSignRequest.fromSafeTx({
        tx: result.tx,
        context: result.context,
        path: owner.path,
        sourceFingerprint: owner.sourceFingerprint,
        address: owner.address,
        requestId,
      })
    }
    const pending: Keystone.Pending = {
      requestId: signRequest.requestId as string,
      kind: attested ? 'approval-attestation' : 'safe-signature',
      safeTxHash,
      chainId: result.context.chainId,
      safe: result.context.safe,
      tier: attested ? (result.tier as AttestedTier) : undefined,
      expectedOwner: owner.address,
      path: owner.path,
      sourceFingerprint: owner.sourceFingerprint,
      requestedAt: time,
    }
    const entry = await this.#log.append(
      {
        event: 'reviewed',
        ...base,
        decision: 'keystone-requested',
        reasons: [`keystone-request: ${pending.kind} ${pending.requestId}`],
        device,
        data: {
          ...this.#data('review', result),
          keystone: { requestId: pending.requestId, kind: pending.kind },
        },
      },
      { time },
    )
    return { status: 'keystone-requested', pending, signRequest, review: result, entry }
  }

  /**
   * Keystone, second trip: checks the scanned `eth-signature` against the pending requests (it must
   * answer one by request id, for this very transaction, and recover to the expected owner over the
   * hash computed here), decides the request again from scratch (the log, the clock and the policy may
   * have moved on), and logs the outcome. A signature for another request, hash or key is refused.
   *
   * @example
   * const result = await signer.completeKeystone(request, { account, pending, answer: scannedUr })
   */
  async completeKeystone(
    request: SignRequest.SignRequest,
    options: {
      account: Keystone.Account
      /** Every pending Keystone request of this signer (the state directory keeps them). */
      pending: readonly Keystone.Pending[]
      /** The scanned UR (type `eth-signature`). */
      answer: UrResult
      acknowledgeReplacement?: boolean | undefined
    },
  ): Promise<ApproveResult & { answered?: Keystone.Pending | undefined }> {
    return this.#guarded(request, () => this.#completeKeystone(request, options))
  }

  async #completeKeystone(
    request: SignRequest.SignRequest,
    {
      account,
      pending,
      answer,
      acknowledgeReplacement = false,
    }: {
      account: Keystone.Account
      pending: readonly Keystone.Pending[]
      answer: UrResult
      acknowledgeReplacement?: boolean | undefined
    },
  ): Promise<ApproveResult & { answered?: Keystone.Pending | undefined }> {
    const owner = Keystone.account(account)
    const decided = await this.#decide(request, acknowledgeReplacement, async () => ({
      identity: { address: owner.address, keyKind: 'keystone' },
      device: keystoneDevice(owner),
      with: undefined,
    }))
    if ('status' in decided) return decided
    const { result, safeTxHash, installed, refuse, respond, device, time } = decided
    const refuseWith = (code: Refusal.SignerCode, details?: string) =>
      refuse(
        [Refusal.signer(code, details ? `${Refusal.codes[code]} ${details}` : undefined)],
        result,
        device,
      )

    if (answer.type !== EthSignature.urType)
      return refuseWith('keystone-invalid-signature', `(scanned a ${answer.type} QR code)`)
    let requestId: string | undefined
    try {
      requestId = EthSignature.decode(answer.payload).requestId
    } catch (error) {
      if (!isBaseError(error)) throw error
      return refuseWith('keystone-invalid-signature', `(${error.shortMessage})`)
    }
    const answered = pending.find((p) => p.requestId === requestId)
    if (!answered) return refuseWith('keystone-unknown-request', `(request id ${requestId ?? 'none'})`)
    if (!Keystone.isFor(answered, { context: result.context, safeTxHash }))
      return refuseWith('keystone-wrong-hash', `(asked for ${answered.safeTxHash}, this is ${safeTxHash})`)
    const ttlMs = this.#keystoneRequestTtlMs
    if (Keystone.isExpired(answered, { nowMs: Date.parse(time), ttlMs }))
      return refuseWith(
        'keystone-expired-request',
        `(requested at ${answered.requestedAt}, now ${time}; requests expire after ${Math.round(ttlMs / 60_000)} min)`,
      )
    const stage = result.stage === 'attestation' ? 'approval-attestation' : 'safe-signature'
    if (
      answered.kind !== stage ||
      !isAddressEqual(answered.expectedOwner, owner.address) ||
      answered.path !== owner.path ||
      answered.sourceFingerprint !== owner.sourceFingerprint ||
      (answered.tier !== undefined && answered.tier !== result.tier)
    )
      return refuseWith(
        'keystone-stale-request',
        `(asked for ${answered.kind} by ${answered.expectedOwner} on Keystone ${answered.sourceFingerprint})`,
      )

    let signature: Hex
    try {
      signature = EthSignature.accept({
        ur: answer,
        requestId: answered.requestId,
        chainId: result.context.chainId,
      }).signature
    } catch (error) {
      if (!isBaseError(error)) throw error
      return refuseWith('keystone-invalid-signature', `(${error.shortMessage})`)
    }
    if (answered.kind === 'approval-attestation') {
      const attestation = Attestation.forRequest({
        context: result.context,
        safeTxHash,
        tier: answered.tier as AttestedTier,
      })
      const recovered = await Attestation.recover(attestation, signature).catch((error: unknown) => {
        if (!isBaseError(error)) throw error
        return undefined
      })
      if (!recovered || !isAddressEqual(recovered, owner.address))
        return refuseWith('keystone-wrong-signer', `(recovers to ${recovered ?? 'nobody'})`)
      return { ...(await respond('approval-attestation', signature)), answered }
    }
    // The device adapter checks the binding and the signer over the recomputed hashes once more.
    const safeConfig = installed.org.safes.find((s) => isAddressEqual(s.address, result.context.safe))
    const keystone = keystoneFor(owner)
    const prepared = keystone.prepare({
      tx: result.tx,
      context: result.context,
      path: owner.path,
      expectedOwner: owner.address,
      owners: (safeConfig?.owners ?? []) as Address[],
      requestId: answered.requestId,
    })
    if (!prepared.ok) return decided.deviceError(prepared, result, device)
    const outcome = keystone.complete(answer)
    if (!outcome.ok) {
      if (outcome.code === 'wrong-signer' || outcome.code === 'wrong-hash')
        return refuseWith('keystone-wrong-signer', outcome.details ? `(${outcome.details})` : undefined)
      return refuseWith('keystone-invalid-signature', outcome.details ? `(${outcome.details})` : undefined)
    }
    return { ...(await respond('safe-signature', outcome.signature)), answered }
  }

  // Everything before the key signs, shared by every device: clock, policy installed, who the key is,
  // the review, the breaker entry, and the refusal. Returns a logged result, or what the key needs.
  async #decide<T>(
    request: SignRequest.SignRequest,
    acknowledgeReplacement: boolean,
    identify: (
      installed: Installed.Installed,
      on: Pick<Decided<T>, 'refuse' | 'deviceError'>,
    ) => Promise<{ identity: Identity; device: string; with: T } | Refused | DeviceErrorResult>,
  ): Promise<Refused | DeviceErrorResult | Decided<T>> {
    const clockMs = this.#clock().getTime()
    const logState = DecisionLog.state(this.#log.entries)
    const safeTxHash = SafeTxHash.compute({ tx: request.tx, context: request.context }).safeTxHash
    const nowMs = DecisionLog.effectiveNow(logState, clockMs)
    if (nowMs === undefined) {
      const entry = await this.#clockAnomaly({ nowMs: clockMs, log: logState })
      return {
        status: 'refused' as const,
        refusals: [Refusal.signer('clock-rollback')],
        review: undefined,
        entry,
      }
    }
    const time = iso(nowMs)
    const base = { requestDigest: requestDigest(request), safeTxHash, ...this.#bundleHash() }
    const refuse = async (refusals: Refusal.Refusal[], result: Review | undefined, device?: string) => {
      const entry = await this.#log.append(
        {
          event: 'refused',
          ...base,
          decision: 'refused',
          reasons: refusals.map((r) => `${r.code}: ${r.message}`),
          ...(device ? { device } : {}),
          ...(result ? { data: this.#data('refusal', result, { notYet: result.notYet }) } : {}),
        },
        { time },
      )
      return { status: 'refused' as const, refusals, review: result, entry }
    }
    const deviceError = async (failure: Failure, result: Review | undefined, device: string) => {
      const entry = await this.#log.append(
        {
          event: 'device-error',
          ...base,
          decision: failure.code,
          reasons: [failure.userMessage, ...(failure.details ? [failure.details] : [])],
          device,
        },
        { time },
      )
      return { status: 'device-error' as const, failure, review: result, entry }
    }

    const installed = this.#installed
    if (!installed) return refuse([Refusal.signer('no-policy')], undefined)
    const identified = await identify(installed, { refuse, deviceError })
    if ('status' in identified) return identified
    const { identity, device } = identified

    // The signer set's limits: proven executions are logged (and charged), peers' receipts counted.
    const set = SignerSet.check(request, {
      installed,
      log: logState,
      nowMs,
      requestId: request.requestId,
      ownKeyId: this.#auditKey?.keyId,
      ed25519: this.#auditKey?.ed25519,
      verified: this.#verifiedProofs,
    })
    for (const input of set.entries) await this.#log.append(input, { time })
    const setLog = set.entries.length > 0 ? DecisionLog.state(this.#log.entries) : logState
    const log = set.peers.length > 0 ? { ...setLog, history: [...setLog.history, ...set.peers] } : setLog
    const state: SignerState = { installed, log, identity, nowMs }
    const result = await review(request, { state, acknowledgeReplacement })
    const breaker = result.policy?.derived.breaker
    if (breaker?.byCandidate) {
      await this.#log.append(
        {
          event: 'breaker-tripped',
          ...base,
          decision: 'tripped',
          reasons: breaker.reasons.map((r) => `${r.code}: ${r.message}`),
          data: { resumesAt: breaker.resumesAt ?? null },
        },
        { time },
      )
    }
    // A nonce gap stops attestations too: a Critical or Existential approval for nonce n is given only
    // by a signer that knows what can have happened before n (else round 1 could be stockpiled ahead).
    if (!result.allowed || set.refusals.length > 0)
      return refuse([...set.refusals, ...result.refusals], result, device)

    const respond = async (kind: SignatureResponse.Kind, signature: Hex) => {
      const entry = await this.#log.append(
        {
          event: 'signed',
          ...base,
          decision: kind === 'safe-signature' ? 'signed' : 'attested',
          reasons: (result.policy?.reasons ?? []).map((r) => r.policyId),
          device,
          signature,
          data: this.#data(kind, result),
        },
        { time },
      )
      const response: SignatureResponse.SignatureResponse = {
        requestId: request.requestId,
        safeTxHash,
        signer: identity.address,
        signature,
        kind,
        ...this.#witness({ kind, result, owner: identity.address, time, request }),
      }
      return { status: 'released' as const, kind, response, review: result, entry }
    }
    return {
      result,
      identity,
      device,
      safeTxHash,
      installed,
      base,
      time,
      refuse,
      deviceError,
      respond,
      with: identified.with,
    }
  }

  // Runs one decision; an exception from anywhere inside (decoder, policy engine, device adapter,
  // log) becomes a logged `internal-error` refusal, the last entry of the log.
  async #guarded<R>(request: SignRequest.SignRequest, run: () => Promise<R>): Promise<R | Refused> {
    try {
      // Too large to even hash in time: refused before any work.
      const tooLarge = oversized(request)
      if (tooLarge) return await this.#refuseUnread(request, tooLarge, 'refused')
      return await run()
    } catch (error) {
      return this.#refuseUnread(request, Refusal.internalError(error), 'refused')
    }
  }

  // Logs a refusal of a request that was not (or could not be) reviewed: no decoded data, the
  // safeTxHash only when the request can be hashed in time.
  async #refuseUnread(
    request: SignRequest.SignRequest,
    refusal: Refusal.Refusal,
    event: 'refused' | 'reviewed',
  ): Promise<Refused> {
    const entry = await this.#log.append(
      {
        event,
        requestDigest: requestDigest(request),
        ...(refusal.code === 'request-too-complex' ? {} : safeTxHashOf(request)),
        decision: event === 'refused' ? 'refused' : 'would-refuse',
        reasons: [`${refusal.code}: ${refusal.message}`],
        ...this.#bundleHash(),
      },
      { time: this.#monotonicTime() },
    )
    return { status: 'refused', refusals: [refusal], review: undefined, entry }
  }

  // The time for an entry written after an error: the clock, or the last entry's time when the clock
  // reads earlier (the log never runs backwards; the clock check already refused such requests).
  #monotonicTime(): string {
    const last = DecisionLog.state(this.#log.entries).lastTimeMs ?? 0
    let now = 0
    try {
      now = this.#clock().getTime()
    } catch {
      // A clock that throws is one more internal error: stamp with the last entry's time.
    }
    return iso(Number.isFinite(now) ? Math.max(now, last) : last)
  }

  async #time(reset?: { at: number } | undefined): Promise<string> {
    const clockMs = this.#clock().getTime()
    const state = DecisionLog.state(this.#log.entries)
    const nowMs = DecisionLog.effectiveNow(state, clockMs)
    if (nowMs !== undefined) return iso(nowMs)
    // The clock is behind the log. A bundle carrying the security leads' clock reset may be
    // installed if the clock reads at least the true time they signed; the log keeps its last time.
    if (reset && clockMs >= reset.at * 1000) return iso(state.lastTimeMs ?? clockMs)
    await this.#clockAnomaly({ nowMs: clockMs, log: state })
    throw new ClockRegressionError({ lastTime: iso(state.lastTimeMs ?? clockMs), observedTime: iso(clockMs) })
  }

  async #clockAnomaly({ nowMs, log }: Pick<SignerState, 'nowMs' | 'log'>): Promise<AuditEntry.Entry> {
    const error = new ClockRegressionError({
      lastTime: iso(log.lastTimeMs ?? nowMs),
      observedTime: iso(nowMs),
    })
    const [input, options] = AuditLog.clockAnomaly(error, {
      reasons: [`clock-rollback: ${Refusal.codes['clock-rollback']} Nothing was signed.`],
    })
    return this.#log.append(input, options)
  }

  // What a release carries for the set: its receipt, the log's new head and a consistency proof.
  #witness({
    kind,
    result,
    owner,
    time,
    request,
  }: {
    kind: SignatureResponse.Kind
    result: Review
    owner: Address
    time: string
    request: SignRequest.SignRequest
  }) {
    return SignerSet.responseFields({
      entries: this.#log.entries,
      // Only a bundle that enrolls the signer set has readers for receipts and heads: the answer
      // QR code stays one short signature otherwise.
      auditKey: this.#installed?.org.signers ? this.#auditKey : undefined,
      request,
      release: {
        owner,
        chainId: Number(result.context.chainId),
        safe: result.context.safe,
        nonce: result.tx.nonce,
        safeTxHash: result.hashes.safeTxHash,
        kind,
        tier: result.tier ?? 'unknown',
        outflows: result.outflows.map(({ asset, amount, to }) => ({ asset, amount, to })),
        time: Math.floor(Date.parse(time) / 1000),
      },
    })
  }

  #bundleHash(): { policyBundleHash?: Hex } {
    return this.#installed ? { policyBundleHash: this.#installed.hash } : {}
  }

  #data(kind: DecisionLog.DecisionData['kind'], result: Review, { notYet = false } = {}) {
    return DecisionLog.data({
      notYet,
      kind,
      requestId: result.requestId,
      chainId: result.context.chainId <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(result.context.chainId) : 0,
      safe: result.context.safe,
      nonce: result.tx.nonce,
      tier: result.tier ?? 'unknown',
      outflows: result.outflows,
      // Only a released Safe signature vouches for a schedule (see review's timelock rule).
      timelockSchedules:
        kind === 'safe-signature'
          ? result.timelock.operations.filter((o) => o.op === 'schedule').map((o) => o.key)
          : undefined,
    })
  }
}

function keystoneDevice(owner: Keystone.Account): string {
  return `keystone:${String(owner.sourceFingerprint)}:${owner.path}:${owner.address}`
}

// A Keystone adapter that knows the one synced account (no QR channel: the CLI crosses the gap).
function keystoneFor(owner: Keystone.Account & { sourceFingerprint: string }): KeystoneDevice {
  return new KeystoneDevice({
    sourceFingerprint: owner.sourceFingerprint,
    accounts: [{ path: owner.path, address: owner.address }],
  })
}

// The safeTxHash of a request, when its fields can be read at all.
function safeTxHashOf(request: SignRequest.SignRequest): { safeTxHash?: Hex } {
  try {
    return { safeTxHash: SafeTxHash.compute({ tx: request.tx, context: request.context }).safeTxHash }
  } catch {
    return {}
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

// keccak256 of the request's canonical wire encoding; the request id when it has none (a request
// built in memory that the wire format would refuse, e.g. with a duplicated attestation).
function requestDigest(request: SignRequest.SignRequest): Hex {
  try {
    if (oversized(request)) throw new RangeError('not encoded: too large')
    return keccak256(SignRequest.encode(request))
  } catch {
    const id: unknown = request.requestId
    return typeof id === 'string' && isHex(id) ? id : keccak256(stringToHex(String(id)))
  }
}
