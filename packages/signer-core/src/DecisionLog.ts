import {
  type AuditEntry,
  AuditKey,
  AuditLog,
  type Clock,
  type Ed25519,
  type JsonObject,
} from '@airlock/audit-log'
import type { HistoryFact } from '@airlock/policy'
import type { Address, Hex } from 'viem'
import { InvalidDecisionLogError } from './errors.ts'

/**
 * Where the signer writes its decisions: an `@airlock/audit-log` log (in memory, or the file log from
 * `@airlock/signer-core/node`). The entries are the signer's only memory: first sightings, what it
 * signed for which Safe and nonce, and its outflow history are all read back from them.
 */
export type DecisionLog = {
  /** Every entry, oldest first, including the ones this process appended. */
  readonly entries: readonly AuditEntry.Entry[]
  /** Appends one entry stamped with `time`; resolves once it is stored. */
  append(input: AuditEntry.Input, options: { time: string }): Promise<AuditEntry.Entry>
}

/**
 * An in-memory decision log (tests, benchmarks, the demo), with a fresh log key unless one is given.
 *
 * @example
 * const log = DecisionLog.memory({ clock: () => new Date() })
 */
export function memory({
  privateKey = AuditKey.generate(),
  clock = () => new Date(),
  ed25519,
}: {
  privateKey?: Uint8Array | undefined
  clock?: Clock | undefined
  /** The Ed25519 implementation entries are signed with (Node code passes the native one). */
  ed25519?: Ed25519 | undefined
} = {}): DecisionLog & {
  text(): string
  publicKey: Uint8Array
  /** The log's audit key, for `Signer.create({ auditKey })` (receipts). */
  signer: AuditKey.Signer
} {
  const signer = AuditKey.signer(privateKey, { ed25519 })
  const log = AuditLog.create({ signer, clock })
  return {
    get entries() {
      return log.entries
    },
    append: async (input, options) => log.append(input, options),
    text: () => log.text(),
    publicKey: signer.publicKey,
    signer,
  }
}

/** What a decision entry records about the request, in `data` (amounts and nonces as decimal strings). */
export type DecisionData = {
  kind: 'review' | 'safe-signature' | 'approval-attestation' | 'refusal' | 'proven'
  requestId: Hex
  chainId: number
  safe: Address
  nonce: string
  tier: string
  outflows: { asset: Address | 'native'; amount: string; to: Address }[]
  /**
   * On refusals only: the request was refused just because it came too early (its tier's delay has
   * not passed, or not enough owners attested yet) and would be allowed once they are. Such a retry
   * is no attempt to move funds, so it is left out of the breaker's history.
   */
  notYet?: boolean | undefined
  /** On Safe signatures: the timelock operations it schedules (`<chainId>:<timelock>:<operation id>`). */
  timelockSchedules?: string[] | undefined
}

/** A signature or attestation this signer released, as its log records it. */
export type Released = {
  kind: 'safe-signature' | 'approval-attestation'
  safeTxHash: Hex
  chainId: number
  safe: Address
  nonce: bigint
  /** Unix seconds. */
  time: number
}

/** The signer's state, derived from its log and nothing else. */
export type LogState = {
  /** Time of the last entry (ms since the epoch); undefined for an empty log. */
  lastTimeMs: number | undefined
  /** safeTxHash → unix seconds of the first entry about it. */
  firstSeen: ReadonlyMap<string, number>
  released: readonly Released[]
  /** Released Safe signatures and refused attempts (except "not yet" refusals) with their outflows, for velocity and the breaker. */
  history: readonly HistoryFact[]
  /** Timelock operations (`<chainId>:<timelock>:<id>`) whose schedule this signer signed → unix seconds. */
  scheduled: ReadonlyMap<string, number>
  /** The `policyBundleHash` of the last `policy-imported` entry. */
  installedBundleHash: Hex | undefined
  /**
   * The last clock reset (a `clock-anomaly` entry with decision `clock-reset`): the true time the
   * security leads signed (`atMs`) and the log time it was logged at (`loggedAtMs`).
   */
  clockReset: { atMs: number; loggedAtMs: number } | undefined
  /**
   * Nonce continuity, per Safe (`<chainId>:<safe lowercase>`): the next nonce whose execution this
   * signer has not yet seen proven (`nonce-proven` entries), or the start it acknowledged (`nonce-start`).
   */
  nextNonce: ReadonlyMap<string, bigint>
  /** safeTxHashes whose outflows the history already counts (own signatures, proven executions). */
  counted: ReadonlySet<string>
  /** The latest signed log head seen of each peer (by audit key id), from `peer-head` entries. */
  peerHeads: ReadonlyMap<string, PeerHead>
}

/** A peer's signed tree head as this signer keeps it (audit-log `TreeHead` fields). */
export type PeerHead = { size: number; root: string; time: string; keyId: string; sig: string }

/** The `decision` of a `reviewed` entry keeping a peer's latest signed log head (in `data`). */
export const peerHeadDecision = 'peer-head'

/** The `decision` of a `reviewed` entry recording an execution proven by threshold owner signatures. */
export const nonceProvenDecision = 'nonce-proven'
/** The `decision` of a `reviewed` entry acknowledging a Safe's first nonce (no start in log or bundle). */
export const nonceStartDecision = 'nonce-start'

/** The `data.kind` of a signed and of a refused Safe message (`MessageSigner`): counted in `history`. */
export const messageKinds = { signed: 'message-signature', refused: 'message-refusal' } as const

/**
 * The key of a Safe in `LogState.nextNonce`.
 *
 * @example
 * DecisionLog.safeKey({ chainId: 1, safe: '0xAbc…' }) // '1:0xabc…'
 */
export function safeKey({ chainId, safe }: { chainId: number; safe: Address }): string {
  return `${chainId}:${safe.toLowerCase()}`
}

const seconds = (time: string) => Math.floor(Date.parse(time) / 1000)

/**
 * Replays the log into the signer's state.
 *
 * @example
 * const state = DecisionLog.state(log.entries)
 * state.firstSeen.get(safeTxHash) // unix seconds, or undefined
 */
export function state(entries: readonly AuditEntry.Entry[]): LogState {
  const firstSeen = new Map<string, number>()
  const released: Released[] = []
  const history: HistoryFact[] = []
  const scheduled = new Map<string, number>()
  const nextNonce = new Map<string, bigint>()
  const counted = new Set<string>()
  const peerHeads = new Map<string, PeerHead>()
  let installedBundleHash: Hex | undefined
  let lastTimeMs: number | undefined
  let clockReset: LogState['clockReset']
  for (const entry of entries) {
    lastTimeMs = Math.max(lastTimeMs ?? 0, Date.parse(entry.time))
    if (entry.event === 'policy-imported') installedBundleHash = entry.policyBundleHash
    if (entry.event === 'clock-anomaly' && entry.decision === clockResetDecision) {
      const at = Date.parse(String((entry.data as Record<string, unknown> | undefined)?.resetAt))
      if (!Number.isFinite(at)) throw malformed(entry, 'resetAt')
      clockReset = { atMs: at, loggedAtMs: Date.parse(entry.time) }
    }
    if (entry.event === 'reviewed' && entry.decision === peerHeadDecision) {
      const head = entry.data as PeerHead | undefined
      if (!head || typeof head.keyId !== 'string' || typeof head.size !== 'number')
        throw malformed(entry, 'data')
      peerHeads.set(head.keyId, head)
      continue
    }
    if (entry.event !== 'reviewed' && entry.event !== 'signed' && entry.event !== 'refused') continue
    // Safe messages (MessageSigner) have no safeTxHash; their allowances and transfers count all the same.
    const kind = (entry.data as Record<string, unknown> | undefined)?.kind
    if (entry.safeTxHash === undefined && (kind === messageKinds.signed || kind === messageKinds.refused)) {
      const data = readData(entry)
      const outflows = data.outflows.map(({ asset, amount }) => ({ asset, amount: BigInt(amount) }))
      const signed = entry.event === 'signed' && kind === messageKinds.signed
      history.push({ time: seconds(entry.time), chainId: data.chainId, signed, outflows })
      continue
    }
    if (entry.data === undefined || entry.safeTxHash === undefined) continue
    const data = readData(entry)
    const time = seconds(entry.time)
    if (!firstSeen.has(entry.safeTxHash)) firstSeen.set(entry.safeTxHash, time)
    const outflows = data.outflows.map(({ asset, amount }) => ({ asset, amount: BigInt(amount) }))
    if (entry.event === 'reviewed' && entry.decision === nonceStartDecision) {
      nextNonce.set(safeKey(data), BigInt(data.nonce))
      continue
    }
    if (entry.event === 'reviewed' && entry.decision === nonceProvenDecision) {
      const key = safeKey(data)
      const after = BigInt(data.nonce) + 1n
      if ((nextNonce.get(key) ?? 0n) < after) nextNonce.set(key, after)
      // What this signer signed itself is counted already; an execution counts once.
      if (!counted.has(entry.safeTxHash))
        history.push({ time, chainId: data.chainId, signed: true, outflows })
      counted.add(entry.safeTxHash)
      continue
    }
    if (entry.event === 'signed') {
      if (data.kind !== 'safe-signature' && data.kind !== 'approval-attestation')
        throw malformed(entry, 'kind')
      released.push({
        kind: data.kind,
        safeTxHash: entry.safeTxHash,
        chainId: data.chainId,
        safe: data.safe,
        nonce: BigInt(data.nonce),
        time,
      })
      // An attestation moves nothing: only Safe signatures count as outflow.
      if (data.kind === 'safe-signature' && !counted.has(entry.safeTxHash)) {
        counted.add(entry.safeTxHash)
        history.push({ time, chainId: data.chainId, signed: true, outflows })
        for (const key of data.timelockSchedules ?? []) if (!scheduled.has(key)) scheduled.set(key, time)
      }
    }
    // A refusal counts as an attempt unless it only said "not yet" (an early round-2 retry).
    if (entry.event === 'refused' && data.notYet !== true)
      history.push({ time, chainId: data.chainId, signed: false, outflows })
  }
  return {
    lastTimeMs,
    firstSeen,
    released,
    history,
    scheduled,
    installedBundleHash,
    clockReset,
    nextNonce,
    counted,
    peerHeads,
  }
}

/** The `decision` of the `clock-anomaly` entry that records a bundle-signed clock reset. */
export const clockResetDecision = 'clock-reset'

/**
 * The signer's time for a clock reading: the clock itself, except after a bundle-signed clock reset
 * while the log is still ahead of the clock: then the log's last time (never earlier), as long as
 * the clock reads at least the reset's true time. Undefined means the clock ran backwards (refuse).
 *
 * @example
 * DecisionLog.effectiveNow(state, Date.now()) // ms, or undefined on a clock rollback
 */
export function effectiveNow(state: LogState, clockMs: number): number | undefined {
  const last = state.lastTimeMs
  if (last === undefined || clockMs >= last) return clockMs
  const reset = state.clockReset
  // Only the run-ahead logged before the reset is forgiven: once the log moved past the reset's own
  // entry, a clock that falls behind it again is a new rollback.
  if (reset && last <= reset.loggedAtMs && clockMs >= reset.atMs) return last
  return undefined
}

/**
 * The `data` of a decision entry.
 *
 * @example
 * DecisionLog.data({ kind: 'review', requestId, chainId: 1, safe, nonce: 7n, tier: 'routine', outflows: [] })
 */
export function data(
  input: Omit<DecisionData, 'nonce' | 'outflows' | 'timelockSchedules'> & {
    timelockSchedules?: readonly string[] | undefined
    nonce: bigint
    outflows: readonly { asset: Address | 'native'; amount: bigint; to: Address }[]
  },
): JsonObject {
  return {
    kind: input.kind,
    requestId: input.requestId,
    chainId: input.chainId,
    safe: input.safe.toLowerCase(),
    nonce: input.nonce.toString(),
    tier: input.tier,
    outflows: input.outflows.map((o) => ({
      asset: o.asset === 'native' ? 'native' : o.asset.toLowerCase(),
      amount: o.amount.toString(),
      to: o.to.toLowerCase(),
    })),
    ...(input.notYet ? { notYet: true } : {}),
    ...(input.timelockSchedules?.length ? { timelockSchedules: [...input.timelockSchedules] } : {}),
  }
}

function readData(entry: AuditEntry.Entry): DecisionData {
  const d = entry.data as Record<string, unknown>
  const isAddress = (v: unknown): v is Address => typeof v === 'string' && /^0x[0-9a-f]{40}$/.test(v)
  const isUint = (v: unknown): v is string => typeof v === 'string' && /^\d{1,78}$/.test(v)
  if (typeof d.kind !== 'string') throw malformed(entry, 'kind')
  if (typeof d.chainId !== 'number' || !Number.isSafeInteger(d.chainId)) throw malformed(entry, 'chainId')
  if (!isAddress(d.safe)) throw malformed(entry, 'safe')
  if (!isUint(d.nonce)) throw malformed(entry, 'nonce')
  if (!Array.isArray(d.outflows)) throw malformed(entry, 'outflows')
  if (d.notYet !== undefined && typeof d.notYet !== 'boolean') throw malformed(entry, 'notYet')
  if (
    d.timelockSchedules !== undefined &&
    (!Array.isArray(d.timelockSchedules) ||
      !d.timelockSchedules.every(
        (k) => typeof k === 'string' && /^\d+:0x[0-9a-f]{40}:0x[0-9a-f]{64}$/.test(k),
      ))
  )
    throw malformed(entry, 'timelockSchedules')
  for (const o of d.outflows as Record<string, unknown>[]) {
    if (
      o === null ||
      typeof o !== 'object' ||
      !(o.asset === 'native' || isAddress(o.asset)) ||
      !isUint(o.amount) ||
      !isAddress(o.to)
    )
      throw malformed(entry, 'outflows')
  }
  return d as unknown as DecisionData
}

function malformed(entry: AuditEntry.Entry, field: string) {
  return new InvalidDecisionLogError(`Log entry ${entry.seq} (${entry.event}) has a malformed ${field}.`, {
    hint: 'The log was not written by this signer or was altered; keep it for investigation and start a new state directory.',
  })
}
