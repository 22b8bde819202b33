import { type AuditEntry, AuditLog, ClockRegressionError } from '@airlock/audit-log'
import { type Failure, type LedgerDevice, SoftwareKeyDevice } from '@airlock/devices'
import { Bundle, type BundleVerification, type CedarApi } from '@airlock/policy'
import { SafeTxHash } from '@airlock/safe'
import { type SignatureResponse, SignRequest } from '@airlock/transport'
import { type Address, type Hex, isAddressEqual, keccak256 } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import * as Attestation from './Attestation.ts'
import * as DecisionLog from './DecisionLog.ts'
import { BundleRejectedError, InstalledBundleMismatchError } from './errors.ts'
import * as Installed from './Installed.ts'
import * as Refusal from './Refusal.ts'
import { type Identity, type Review, review, type SignerState } from './review.ts'

/** The key that signs: a software key (tests and the demo, only if the policy allows) or a Ledger. */
export type KeySource =
  | { kind: 'software'; privateKey: Hex }
  | {
      kind: 'ledger'
      /** From `openLedgerHid()`: the device, or the `disconnected` outcome when none is plugged in. */
      device: LedgerDevice | Failure
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

export type CreateParameters = {
  cedar: CedarApi
  log: DecisionLog.DecisionLog
  /** The signer's clock; the log is stamped with it and it must never run backwards. */
  clock?: (() => Date) | undefined
  /** The bundle stored with the log (its hash must be the last one the log says was installed). */
  bundle?: unknown
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
  #installed: Installed.Installed | undefined

  private constructor(cedar: CedarApi, log: DecisionLog.DecisionLog, clock: () => Date) {
    this.#cedar = cedar
    this.#log = log
    this.#clock = clock
  }

  /**
   * Starts the engine on a log, restoring the installed bundle (checked against the log).
   *
   * @example
   * const signer = await Signer.create({ cedar, log, bundle: storedBundleJson })
   */
  static async create({ cedar, log, clock = () => new Date(), bundle }: CreateParameters): Promise<Signer> {
    const signer = new Signer(cedar, log, clock)
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
      signer.#installed = Installed.fromBundle(parsed, { cedar })
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
    return {
      installed: this.#installed,
      log: DecisionLog.state(this.#log.entries),
      identity,
      nowMs: this.#clock().getTime(),
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
    const time = await this.#time()
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
    { key, acknowledgeReplacement = false }: { key: KeySource; acknowledgeReplacement?: boolean | undefined },
  ): Promise<ApproveResult> {
    const nowMs = this.#clock().getTime()
    const logState = DecisionLog.state(this.#log.entries)
    const safeTxHash = SafeTxHash.compute({ tx: request.tx, context: request.context }).safeTxHash
    if (logState.lastTimeMs !== undefined && nowMs < logState.lastTimeMs) {
      const entry = await this.#clockAnomaly({ nowMs, log: logState })
      return { status: 'refused', refusals: [Refusal.signer('clock-rollback')], review: undefined, entry }
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
          ...(result ? { data: this.#data('refusal', result) } : {}),
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

    // The key, and who it is. A software key exists only if the installed policy allows it.
    let identity: Identity
    let signSafeTx: SoftwareKeyDevice | LedgerDevice
    let signAttestation: (attestation: Attestation.Attestation) => Promise<Hex | Failure>
    let device: string
    if (key.kind === 'software') {
      const account = privateKeyToAccount(key.privateKey)
      device = `software:${account.address}`
      if (!installed.org.allowSoftwareKeys)
        return refuse([Refusal.signer('software-key-not-allowed')], undefined, device)
      signSafeTx = new SoftwareKeyDevice({
        allowSoftwareKey: installed.org.allowSoftwareKeys,
        privateKey: key.privateKey,
      })
      identity = { address: account.address, keyKind: 'software' }
      signAttestation = (attestation) => Attestation.sign(attestation, account)
    } else {
      device = `ledger:${key.path}`
      if (!('signSafeTx' in key.device)) return deviceError(key.device, undefined, device)
      const ledger = key.device
      const address = await ledger.getAddress({ path: key.path })
      if (!address.ok) return deviceError(address, undefined, device)
      identity = { address: address.address, keyKind: 'ledger' }
      signSafeTx = ledger
      signAttestation = async (attestation) => {
        const signed = await ledger.signTypedData({
          typedData: Attestation.typedData(attestation) as never,
          path: key.path,
          expectedSigner: identity.address,
        })
        return signed.ok ? signed.signature : signed
      }
    }
    if (key.kind === 'ledger') device = `${device}:${identity.address}`

    const state: SignerState = { installed, log: logState, identity, nowMs }
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
    if (!result.allowed) return refuse([...result.refusals], result, device)

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
      }
      return { status: 'released' as const, kind, response, review: result, entry }
    }

    if (result.stage === 'attestation' && result.tier && Attestation.isAttestedTier(result.tier)) {
      const attestation = Attestation.forRequest({ context: result.context, safeTxHash, tier: result.tier })
      const signature = await signAttestation(attestation)
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
    const signed = await signSafeTx.signSafeTx({
      tx: result.tx,
      context: result.context,
      path: key.kind === 'ledger' ? key.path : SOFTWARE_PATH,
      expectedOwner: identity.address,
      owners: (safeConfig?.owners ?? []) as Address[],
    })
    if (!signed.ok) return deviceError(signed, result, device)
    return respond('safe-signature', signed.signature)
  }

  async #time(): Promise<string> {
    const nowMs = this.#clock().getTime()
    const state = DecisionLog.state(this.#log.entries)
    if (state.lastTimeMs !== undefined && nowMs < state.lastTimeMs) {
      await this.#clockAnomaly({ nowMs, log: state })
      throw new ClockRegressionError({ lastTime: iso(state.lastTimeMs), observedTime: iso(nowMs) })
    }
    return iso(nowMs)
  }

  async #clockAnomaly({ nowMs, log }: Pick<SignerState, 'nowMs' | 'log'>): Promise<AuditEntry.Entry> {
    const error = new ClockRegressionError({
      lastTime: iso(log.lastTimeMs ?? nowMs),
      observedTime: iso(nowMs),
    })
    const [input, options] = AuditLog.clockAnomaly(error, {
      reasons: ['clock-rollback: the clock reads earlier than the last log entry; nothing was signed'],
    })
    return this.#log.append(input, options)
  }

  #bundleHash(): { policyBundleHash?: Hex } {
    return this.#installed ? { policyBundleHash: this.#installed.hash } : {}
  }

  #data(kind: DecisionLog.DecisionData['kind'], result: Review) {
    return DecisionLog.data({
      kind,
      requestId: result.requestId,
      chainId: result.context.chainId <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(result.context.chainId) : 0,
      safe: result.context.safe,
      nonce: result.tx.nonce,
      tier: result.tier ?? 'unknown',
      outflows: result.outflows,
    })
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

// keccak256 of the request's canonical wire encoding; the request id when it has none (a request
// built in memory that the wire format would refuse, e.g. with a duplicated attestation).
function requestDigest(request: SignRequest.SignRequest): Hex {
  try {
    return keccak256(SignRequest.encode(request))
  } catch {
    return request.requestId
  }
}
