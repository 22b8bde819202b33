/**
 * Signed tree heads over a log (RFC 9162 §4.10, in the C2SP checkpoint text form) and their checks.
 *
 * The signer signs `(size, root, time)` with its audit key. Whoever receives a head (the coordinator,
 * a security lead) keeps it; a later log must contain it. Checking a log against every head witnessed
 * for it names truncation (the log is shorter than a head said it was) and forks or edits (the log's
 * prefix has another root than the head signed), which a hash chain alone cannot show.
 */
import { BaseError, Json } from '@airlock/errors'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils'
import * as AuditKey from './AuditKey.ts'
import { type Ed25519, nobleEd25519, type Signer } from './AuditKey.ts'
import * as MerkleTree from './MerkleTree.ts'

/** The checkpoint origin line: which kind of log a head speaks of. */
export const origin = 'airlock.audit-log/v1'

/** A signed tree head as stored and sent (JSON). */
export type TreeHead = {
  /** Entries covered. */
  size: number
  /** RFC 9162 root of the first `size` entries (64 hex). */
  root: string
  /** The signer's clock when it signed the head (ISO 8601 UTC). */
  time: string
  /** `AuditKey.id` of the log key. */
  keyId: string
  /** Ed25519 over `checkpoint(head)` (128 hex). */
  sig: string
}

/** A head whose fields are not well formed. */
export class MalformedTreeHeadError extends BaseError {
  override name = 'AuditLog.MalformedTreeHeadError'
  constructor({ why }: { why: string }) {
    super(`A tree head is malformed: ${why}.`, {
      hint: 'Use the heads exactly as the signer sent them (one JSON object per head).',
    })
  }
}

/**
 * The signed text: a C2SP checkpoint body (origin, size, base64 root) with the time as an extension line.
 *
 * @example
 * TreeHead.checkpoint({ size: 3, root, time })
 */
export function checkpoint({ size, root, time }: Pick<TreeHead, 'size' | 'root' | 'time'>): string {
  const rootBytes = hexToBytes(root)
  return `${origin}\n${size}\n${btoa(String.fromCharCode(...rootBytes))}\ntime ${time}\n`
}

/** The log's lines as RFC 9162 leaf hashes (each stored line without its newline). */
export function leavesOf(log: string): MerkleTree.Hash[] {
  const lines = log.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines.map((line) => MerkleTree.leafHash(line))
}

/**
 * Signs the head of the first `size` leaves (default: all).
 *
 * @example
 * const head = TreeHead.sign({ leaves: TreeHead.leavesOf(logText), signer, time: new Date() })
 */
export function sign({
  leaves,
  size = leaves.length,
  signer,
  time,
}: {
  leaves: readonly MerkleTree.Hash[]
  size?: number | undefined
  signer: Signer
  time: Date
}): TreeHead {
  const root = MerkleTree.toHex(MerkleTree.prefixRoots(leaves, [size]).get(size)!)
  const body = { size, root, time: time.toISOString() }
  const sig = bytesToHex(signer.ed25519.sign(utf8ToBytes(checkpoint(body)), signer.privateKey))
  return { ...body, keyId: signer.keyId, sig }
}

const HEX64 = /^[0-9a-f]{64}$/
const HEX128 = /^[0-9a-f]{128}$/

/**
 * Reads a head from untrusted JSON, strictly.
 *
 * @example
 * const head = TreeHead.parse(JSON.parse(text))
 */
export function parse(value: unknown): TreeHead {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedTreeHeadError({ why: 'it is not a JSON object' })
  }
  const v = value as Record<string, unknown>
  const keys = Object.keys(v).sort().join(',')
  if (keys !== 'keyId,root,sig,size,time')
    throw new MalformedTreeHeadError({ why: `unexpected fields (${keys})` })
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) {
    throw new MalformedTreeHeadError({ why: 'size is not a non-negative integer' })
  }
  if (typeof v.root !== 'string' || !HEX64.test(v.root))
    throw new MalformedTreeHeadError({ why: 'root is not 64 hex' })
  if (typeof v.sig !== 'string' || !HEX128.test(v.sig))
    throw new MalformedTreeHeadError({ why: 'sig is not 128 hex' })
  if (typeof v.keyId !== 'string' || v.keyId.length === 0 || v.keyId.length > 128) {
    throw new MalformedTreeHeadError({ why: 'keyId is missing' })
  }
  if (
    typeof v.time !== 'string' ||
    Number.isNaN(Date.parse(v.time)) ||
    new Date(v.time).toISOString() !== v.time
  ) {
    throw new MalformedTreeHeadError({ why: 'time is not an ISO 8601 UTC time' })
  }
  return { size: v.size, root: v.root, time: v.time, keyId: v.keyId, sig: v.sig }
}

/**
 * Reads a list of heads: JSON Lines (one head per line, as `airlock audit head` prints them) or a
 * JSON array. Throws MalformedTreeHeadError for anything else.
 *
 * @example
 * const heads = TreeHead.parseList(readFileSync('heads.jsonl', 'utf8'))
 */
export function parseList(text: string): TreeHead[] {
  const trimmed = text.trim()
  let values: unknown[]
  try {
    values = trimmed.startsWith('[')
      ? (Json.parse(trimmed) as unknown[])
      : trimmed
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => Json.parse(line))
  } catch {
    throw new MalformedTreeHeadError({ why: 'the list is neither JSON Lines nor a JSON array' })
  }
  if (!Array.isArray(values)) throw new MalformedTreeHeadError({ why: 'the list is not an array' })
  return values.map(parse)
}

/**
 * True when the head is signed by `publicKey`.
 *
 * @example
 * TreeHead.verifySignature(head, { publicKey })
 */
export function verifySignature(
  head: TreeHead,
  { publicKey, ed25519 = nobleEd25519 }: { publicKey: Uint8Array; ed25519?: Ed25519 | undefined },
): boolean {
  if (head.keyId !== AuditKey.id(publicKey)) return false
  return ed25519.verify(hexToBytes(head.sig), utf8ToBytes(checkpoint(head)), publicKey)
}

/** What a witnessed head says of a log. */
export type HeadCheck =
  | { head: TreeHead; status: 'ok' }
  /** The head is not signed by the log's key: it proves nothing (and may be a forgery). */
  | { head: TreeHead; status: 'bad-signature' }
  /** The log is shorter than the head: entries after `logSize` were cut off. */
  | { head: TreeHead; status: 'truncated'; logSize: number }
  /** The log's first `size` entries have another root: an entry was edited, removed or replaced. */
  | { head: TreeHead; status: 'forked'; actualRoot: string }

/**
 * Checks a log against every head witnessed for it, in one pass over the log.
 *
 * @example
 * const checks = TreeHead.check({ log: text, heads, publicKey })
 * const bad = checks.filter((c) => c.status !== 'ok')
 */
export function check({
  log,
  heads,
  publicKey,
  ed25519 = nobleEd25519,
}: {
  log: string
  heads: readonly TreeHead[]
  publicKey: Uint8Array
  ed25519?: Ed25519 | undefined
}): HeadCheck[] {
  const leaves = leavesOf(log)
  const signed = heads.map((head) => ({ head, valid: verifySignature(head, { publicKey, ed25519 }) }))
  const sizes = signed.filter((h) => h.valid && h.head.size <= leaves.length).map((h) => h.head.size)
  const roots = MerkleTree.prefixRoots(leaves, sizes)
  return signed.map(({ head, valid }): HeadCheck => {
    if (!valid) return { head, status: 'bad-signature' }
    if (head.size > leaves.length) return { head, status: 'truncated', logSize: leaves.length }
    const actualRoot = MerkleTree.toHex(roots.get(head.size)!)
    return actualRoot === head.root ? { head, status: 'ok' } : { head, status: 'forked', actualRoot }
  })
}

/** A consistency proof between two heads, as sent in a response (hex hashes). */
export type Consistency = { from: number; to: number; proof: string[] }

/**
 * The proof that the log's head at `to` extends its head at `from`.
 *
 * @example
 * TreeHead.prove({ leaves, from: witnessed.size, to: leaves.length })
 */
export function prove({
  leaves,
  from,
  to,
}: {
  leaves: readonly MerkleTree.Hash[]
  from: number
  to: number
}): Consistency {
  return { from, to, proof: MerkleTree.consistencyProof(leaves, { from, to }).map(MerkleTree.toHex) }
}

/** Why a newer head was not accepted after an older one. */
export type HeadUpdateProblem = 'bad-signature' | 'rollback' | 'fork' | 'proof-mismatch'

/**
 * What a witness (the coordinator) does with a signer's new head: checks its signature and that it
 * extends the last head it kept for that signer. A smaller size is a rollback; the same size with
 * another root, or a proof that does not verify, is a fork.
 *
 * @example
 * const problem = TreeHead.checkUpdate({ previous, next, consistency, publicKey })
 * if (problem) alert(problem)
 */
export function checkUpdate({
  previous,
  next,
  consistency,
  publicKey,
  ed25519 = nobleEd25519,
}: {
  previous: TreeHead | undefined
  next: TreeHead
  consistency: Consistency | undefined
  publicKey: Uint8Array
  ed25519?: Ed25519 | undefined
}): HeadUpdateProblem | undefined {
  if (!verifySignature(next, { publicKey, ed25519 })) return 'bad-signature'
  if (previous === undefined) return undefined
  if (next.size < previous.size) return 'rollback'
  if (next.size === previous.size) return next.root === previous.root ? undefined : 'fork'
  if (consistency === undefined || consistency.from !== previous.size || consistency.to !== next.size) {
    return 'proof-mismatch'
  }
  const proof = consistency.proof.map((h) => (HEX64.test(h) ? hexToBytes(h) : new Uint8Array(0)))
  const ok = MerkleTree.verifyConsistency({
    from: previous.size,
    to: next.size,
    oldRoot: hexToBytes(previous.root),
    newRoot: hexToBytes(next.root),
    proof,
  })
  return ok ? undefined : 'fork'
}
