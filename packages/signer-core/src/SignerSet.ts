/**
 * Limits that hold for the whole signer set (active when the bundle's org config enrolls `signers`):
 *
 * - Nonce continuity: a Safe signature for nonce n only when the signer knows what can have happened
 *   at every earlier nonce since its last known point: the request proves each with the SafeTx and
 *   owner signatures reaching the threshold, verified offline and decoded with the same analysis;
 *   their outflows are charged to velocity and the breaker.
 * - Peers' receipts: what the other signers released in the window, counted here too.
 */
import {
  AuditEntry,
  AuditKey,
  type Signer as AuditSigner,
  type Ed25519,
  MerkleTree,
  TreeHead,
} from '@airlock/audit-log'
import type { HistoryFact } from '@airlock/policy'
import { OrgConfig } from '@airlock/policy'
import { analyze, Effects, SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import type { SignatureResponse, SignRequest } from '@airlock/transport'
import { type Hex, hexToBytes } from 'viem'
import * as DecisionLog from './DecisionLog.ts'
import type * as Installed from './Installed.ts'
import * as Receipt from './Receipt.ts'
import * as Refusal from './Refusal.ts'

/** What the set's limits add to one decision. */
export type Checked = {
  /** `nonce-gap`, `receipt-invalid`, `receipt-unknown-key`, `peer-log-inconsistent`: refused with these. */
  refusals: Refusal.Refusal[]
  /** Entries to log before the review: proven executions, an acknowledged start nonce, peers' new heads. */
  entries: AuditEntry.Input[]
  /** Peers' releases to count in velocity and the breaker for this decision (not logged). */
  peers: HistoryFact[]
}

const MAX_PROOFS = 256
const MAX_CACHED = 4096

/**
 * Proofs this signer verified already (bundle, safeTxHash and signatures → the outflows they charge):
 * a request sent again after a refusal, or the same history in the next request, is not re-verified.
 * Only what was valid is kept; a new bundle changes the key.
 */
export type ProofCache = Map<string, ReturnType<typeof Effects.outflowFacts>>

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
    ownKeyId,
    ed25519,
    verified,
  }: {
    installed: Installed.Installed
    log: DecisionLog.LogState
    nowMs: number
    requestId: Hex
    /** This signer's audit key id: its own head in `request.heads` is not a peer's. */
    ownKeyId?: string | undefined
    /** The Ed25519 implementation for receipts and heads (the signer's audit key's: native on Node). */
    ed25519?: Ed25519 | undefined
    /** Proofs verified before (kept by the Signer): each executed nonce is verified once. */
    verified?: ProofCache | undefined
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
        const cacheKey = `${installed.hash}|${safeTxHash}|${proven.signatures.toLowerCase()}`
        const cached = verified?.get(cacheKey)
        if (cached) {
          entries.push(entry(DecisionLog.nonceProvenDecision, safeTxHash, k, cached))
          continue
        }
        const checked = Signature.verify({
          safeTxHash,
          signatures: proven.signatures,
          owners: [...safe.owners],
          threshold: safe.threshold,
        })
        if (checked.status !== 'valid') {
          let given = 0
          try {
            given = Signature.parse(proven.signatures).length
          } catch {
            // Unreadable: none given.
          }
          invalid.push(
            `nonce ${k}: ${given} owner signature(s) for a threshold of ${safe.threshold} (${checked.revert?.message ?? checked.status})`,
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
        if (verified) {
          if (verified.size >= MAX_CACHED) verified.delete(verified.keys().next().value!)
          verified.set(cacheKey, outflows)
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
      ed25519,
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
  // Peers' heads: signed by an enrolled key, and never behind or beside the last one kept of that peer.
  const headEntries: AuditEntry.Input[] = []
  for (const [i, wire] of (request.heads ?? []).entries()) {
    if (wire.keyId === ownKeyId) continue
    const head = fromWire(wire)
    const enrolled = signers.find((s) => AuditKey.id(hexToBytes(`0x${s.auditKey}`)) === head.keyId)
    const publicKey = enrolled ? hexToBytes(`0x${enrolled.auditKey}`) : undefined
    if (!publicKey || !TreeHead.verifySignature(head, { publicKey, ed25519 })) {
      refusals.push(
        Refusal.signer(
          enrolled ? 'receipt-invalid' : 'receipt-unknown-key',
          `${Refusal.codes[enrolled ? 'receipt-invalid' : 'receipt-unknown-key']} (heads[${i}]: the log head of ${head.keyId} ${enrolled ? 'is not signed by its key' : 'is from a key not enrolled'})`,
        ),
      )
      continue
    }
    const kept = log.peerHeads.get(head.keyId)
    if (kept && (head.size < kept.size || (head.size === kept.size && head.root !== kept.root))) {
      refusals.push(
        Refusal.signer(
          'peer-log-inconsistent',
          `${Refusal.codes['peer-log-inconsistent']} (${enrolled!.owner}: ${head.size < kept.size ? `${head.size} entries after ${kept.size}` : `another root at size ${head.size}`})`,
        ),
      )
      continue
    }
    if (!kept || head.size > kept.size)
      headEntries.push({
        event: 'reviewed',
        decision: DecisionLog.peerHeadDecision,
        reasons: [`peer-head: ${enrolled!.owner} ${head.keyId} ${head.size} entries`],
        data: { ...head },
      })
  }
  // A partial proof logs nothing: the log's next nonce only ever moves over a contiguous, proven run.
  return { refusals, entries: refusals.length > 0 ? [] : [...entries, ...headEntries], peers }
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

function fromWire(head: SignatureResponse.WireHead): TreeHead.TreeHead {
  return { ...head, root: head.root.slice(2), sig: head.sig.slice(2) }
}

function toWire(head: TreeHead.TreeHead): SignatureResponse.WireHead {
  return { ...head, root: `0x${head.root}`, sig: `0x${head.sig}` }
}

/**
 * What a released response carries besides the signature: a receipt for what was released, the
 * log's new signed head, and a consistency proof from the head the coordinator last saw (if the
 * request says which, and the log still extends it).
 *
 * @example
 * const extra = SignerSet.responseFields({ entries: log.entries, auditKey, request, release })
 */
export function responseFields({
  entries,
  auditKey,
  request,
  release,
}: {
  entries: readonly AuditEntry.Entry[]
  auditKey: AuditSigner | undefined
  request: SignRequest.SignRequest
  release: Omit<Receipt.Receipt, 'keyId' | 'sig' | 'head'>
}): Pick<SignatureResponse.SignatureResponse, 'receipt' | 'head' | 'consistency'> {
  if (!auditKey) return {}
  const leaves = entries.map(leafOf)
  const head = TreeHead.sign({ leaves, signer: auditKey, time: new Date(release.time * 1000) })
  const receipt = Receipt.sign({
    body: { ...release, head: { size: head.size, root: head.root } },
    signer: auditKey,
  })
  const seen = request.heads?.find((h) => h.keyId === auditKey.keyId)
  const consistency =
    seen && seen.size <= leaves.length
      ? TreeHead.prove({ leaves, from: seen.size, to: leaves.length })
      : undefined
  return {
    receipt: Receipt.encode(receipt),
    head: toWire(head),
    ...(consistency
      ? {
          consistency: {
            from: consistency.from,
            to: consistency.to,
            proof: consistency.proof.map((h) => `0x${h}` as Hex),
          },
        }
      : {}),
  }
}

// Log entries never change once written: each one's RFC 9162 leaf hash is computed once per process,
// not again at every response over the whole log.
const leafHashes = new WeakMap<AuditEntry.Entry, MerkleTree.Hash>()
function leafOf(entry: AuditEntry.Entry): MerkleTree.Hash {
  let leaf = leafHashes.get(entry)
  if (leaf === undefined) {
    leaf = MerkleTree.leafHash(AuditEntry.toLine(entry))
    leafHashes.set(entry, leaf)
  }
  return leaf
}

/** Converts wire heads (transport) to audit-log `TreeHead`s and back. */
export const heads = { fromWire, toWire }

/**
 * A witness's check of a signer's new head (audit-log `TreeHead.checkUpdate` over wire heads): its
 * signature by the enrolled key, and that it extends the previous head (no rollback, no fork).
 *
 * @example
 * const problem = SignerSet.checkHeadUpdate({ previous, next: response.head, consistency: response.consistency, auditKey })
 */
export function checkHeadUpdate({
  previous,
  next,
  consistency,
  auditKey,
}: {
  previous: SignatureResponse.WireHead | undefined
  next: SignatureResponse.WireHead
  consistency: SignatureResponse.WireConsistency | undefined
  /** The enrolled audit public key (64 hex). */
  auditKey: string
}): TreeHead.HeadUpdateProblem | undefined {
  return TreeHead.checkUpdate({
    previous: previous ? fromWire(previous) : undefined,
    next: fromWire(next),
    consistency: consistency && {
      from: consistency.from,
      to: consistency.to,
      proof: consistency.proof.map((h) => h.slice(2)),
    },
    publicKey: hexToBytes(`0x${auditKey}`),
  })
}
