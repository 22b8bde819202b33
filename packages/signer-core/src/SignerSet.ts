/**
 * Limits that hold for the whole signer set (active when the bundle's org config enrolls `signers`):
 *
 * - Nonce continuity: a Safe signature for nonce n only when the signer knows what can have happened
 *   at every earlier nonce since its last known point: the request proves each with the SafeTx and
 *   owner signatures reaching the threshold, verified offline and decoded with the same analysis;
 *   their outflows are charged to velocity and the breaker.
 * - Peers' receipts: what the other signers released in the window, counted here too.
 */
import type { AuditEntry } from '@airlock/audit-log'
import type { HistoryFact } from '@airlock/policy'
import { OrgConfig } from '@airlock/policy'
import { analyze, Effects, SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import type { SignRequest } from '@airlock/transport'
import type { Hex } from 'viem'
import * as DecisionLog from './DecisionLog.ts'
import type * as Installed from './Installed.ts'
import * as Receipt from './Receipt.ts'
import * as Refusal from './Refusal.ts'

/** What the set's limits add to one decision. */
export type Checked = {
  /** `nonce-gap`, `receipt-invalid`, `receipt-unknown-key`: the request is refused with these. */
  refusals: Refusal.Refusal[]
  /** Entries to log before the review: proven executions and an acknowledged start nonce. */
  entries: AuditEntry.Input[]
  /** Peers' releases to count in velocity and the breaker for this decision (not logged). */
  peers: HistoryFact[]
}

const MAX_PROOFS = 256

/**
 * The velocity window receipts count in: the longest epoch or breaker window of the org config.
 *
 * @example
 * SignerSet.windowSeconds(installed.org) // 86400
 */
export function windowSeconds(org: OrgConfig.OrgConfig): number {
  const epochs = org.assets.map((a) => a.epoch?.seconds ?? 0)
  return Math.max(org.breaker.windowSeconds, ...epochs, 1)
}

/**
 * Checks a request's continuity proofs and peers' receipts against the installed bundle and the log.
 * Inactive (nothing checked or added) unless the org config enrolls the signer set's audit keys.
 *
 * @example
 * const checked = SignerSet.check(request, { installed, log: DecisionLog.state(entries), nowMs, requestDigest })
 * if (checked.refusals.length) refuse(checked.refusals)
 */
export function check(
  request: SignRequest.SignRequest,
  {
    installed,
    log,
    nowMs,
    requestId,
  }: {
    installed: Installed.Installed
    log: DecisionLog.LogState
    nowMs: number
    requestId: Hex
  },
): Checked {
  const signers = installed.org.signers
  const none: Checked = { refusals: [], entries: [], peers: [] }
  if (!signers) return none
  const context = SafeTx.context(request.context)
  if (context.chainId > BigInt(Number.MAX_SAFE_INTEGER)) return none
  const chainId = Number(context.chainId)
  const safe = OrgConfig.findSafe(installed.org, { address: context.safe, chainId })
  // An unknown Safe is refused by the review itself.
  if (!safe) return none
  const nowSeconds = Math.floor(nowMs / 1000)
  const refusals: Refusal.Refusal[] = []
  const entries: AuditEntry.Input[] = []
  const org = installed.decoderOrg(chainId)
  const key = DecisionLog.safeKey({ chainId, safe: context.safe })
  const entry = (
    decision: string,
    safeTxHash: Hex,
    nonce: bigint,
    outflows: ReturnType<typeof Effects.outflowFacts>,
  ) => ({
    event: 'reviewed' as const,
    decision,
    safeTxHash,
    policyBundleHash: installed.hash,
    data: DecisionLog.data({
      kind: 'proven',
      requestId,
      chainId,
      safe: context.safe,
      nonce,
      tier: 'unknown',
      outflows,
    }),
  })

  // Nonce continuity: every nonce from the last known point up to this one must be proven.
  const nonce = request.tx.nonce
  const start = log.nextNonce.get(key) ?? safe.startNonce
  if (start === undefined) {
    // Neither the log nor the bundle says where this Safe stood: this first request's nonce is the start.
    entries.push(
      entry(
        DecisionLog.nonceStartDecision,
        SafeTxHash.compute({ tx: request.tx, context }).safeTxHash,
        nonce,
        [],
      ),
    )
  } else if (nonce > start) {
    if (nonce - start > BigInt(MAX_PROOFS)) {
      refusals.push(
        Refusal.signer(
          'nonce-gap',
          `${Refusal.codes['nonce-gap']} Missing nonces ${start}–${nonce - 1n} of ${context.safe} (${nonce - start}; at most ${MAX_PROOFS} can be proven in one request).`,
        ),
      )
    } else {
      const proofs = new Map<bigint, SignRequest.ProvenTx>()
      for (const proven of request.history ?? []) proofs.set(proven.tx.nonce, proven)
      const missing: bigint[] = []
      const invalid: string[] = []
      for (let k = start; k < nonce; k++) {
        const proven = proofs.get(k)
        if (!proven) {
          missing.push(k)
          continue
        }
        const tx = SafeTx.from(proven.tx)
        const { safeTxHash } = SafeTxHash.compute({ tx, context })
        const verified = Signature.verify({
          safeTxHash,
          signatures: proven.signatures,
          owners: [...safe.owners],
          threshold: safe.threshold,
        })
        if (verified.status !== 'valid') {
          let given = 0
          try {
            given = Signature.parse(proven.signatures).length
          } catch {
            // Unreadable: none given.
          }
          invalid.push(
            `nonce ${k}: ${given} owner signature(s) for a threshold of ${safe.threshold} (${verified.revert?.message ?? verified.status})`,
          )
          continue
        }
        let outflows: ReturnType<typeof Effects.outflowFacts>
        try {
          outflows = Effects.outflowFacts(analyze({ tx, context, org }))
        } catch {
          invalid.push(`nonce ${k}: its calldata could not be decoded`)
          continue
        }
        entries.push(entry(DecisionLog.nonceProvenDecision, safeTxHash, k, outflows))
      }
      if (missing.length > 0 || invalid.length > 0) {
        const parts = [
          ...(missing.length ? [`no executed transaction for nonce(s) ${ranges(missing)}`] : []),
          ...invalid,
        ]
        refusals.push(
          Refusal.signer('nonce-gap', `${Refusal.codes['nonce-gap']} ${context.safe}: ${parts.join('; ')}.`),
        )
      }
    }
  }

  // Peers' receipts, each counted once (by safeTxHash) and never twice with this signer's own log.
  const peers: HistoryFact[] = []
  const seen = new Set<string>(log.counted)
  for (const entryProven of entries) if (entryProven.safeTxHash) seen.add(entryProven.safeTxHash)
  for (const [i, wire] of (request.receipts ?? []).entries()) {
    const checked = Receipt.verify(wire, {
      signers,
      chainId,
      safe: context.safe,
      nowSeconds,
      windowSeconds: windowSeconds(installed.org),
    })
    if (!checked.ok) {
      refusals.push(
        Refusal.signer(
          checked.problem.code,
          `${Refusal.codes[checked.problem.code]} (receipts[${i}]: ${checked.problem.reason})`,
        ),
      )
      continue
    }
    const hash = checked.receipt.safeTxHash.toLowerCase()
    if (!checked.fact || seen.has(hash)) continue
    seen.add(hash)
    peers.push(checked.fact)
  }
  // A partial proof logs nothing: the log's next nonce only ever moves over a contiguous, proven run.
  return { refusals, entries: refusals.length > 0 ? [] : entries, peers }
}

// 3, 5–9, 12
function ranges(nonces: readonly bigint[]): string {
  const out: string[] = []
  let from = nonces[0]!
  let to = from
  for (const n of nonces.slice(1)) {
    if (n === to + 1n) to = n
    else {
      out.push(from === to ? `${from}` : `${from}–${to}`)
      from = to = n
    }
  }
  out.push(from === to ? `${from}` : `${from}–${to}`)
  return out.join(', ')
}
