/**
 * RFC 9162 (Certificate Transparency 2.0) Merkle trees over the log's entries: tree heads, inclusion
 * proofs and consistency proofs.
 *
 * A hash chain cannot show that its own tail is missing: cut the last entries off and the rest still
 * verifies. A tree head (size + root) that someone else kept can: a later log must contain it, and a
 * consistency proof of a few hundred bytes shows that the newer tree extends the older one without
 * rewriting it. Leaves are the entries' stored lines (without the newline), hashed as RFC 9162 §2.1.1
 * says: SHA-256(0x00 || leaf) for a leaf, SHA-256(0x01 || left || right) for a node.
 */
import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils'
import { TreeRangeError } from './errors.ts'

/** A 32-byte SHA-256 value. */
export type Hash = Uint8Array

const LEAF_PREFIX = Uint8Array.of(0)
const NODE_PREFIX = Uint8Array.of(1)

/** The hash of an empty tree: SHA-256 of the empty string. */
export const emptyRoot: Hash = sha256(new Uint8Array(0))

/**
 * The RFC 9162 leaf hash of one leaf's data (a string is taken as UTF-8).
 *
 * @example
 * MerkleTree.leafHash(line) // SHA-256(0x00 || line)
 */
export function leafHash(data: Uint8Array | string): Hash {
  return sha256(concatBytes(LEAF_PREFIX, typeof data === 'string' ? utf8ToBytes(data) : data))
}

/** The RFC 9162 interior node hash. */
export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(concatBytes(NODE_PREFIX, left, right))
}

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/**
 * MTH: the root of the tree over `leaves` (leaf hashes), RFC 9162 §2.1.1.
 *
 * @example
 * MerkleTree.root(lines.map(MerkleTree.leafHash))
 */
export function root(leaves: readonly Hash[]): Hash {
  return rootOf(leaves, 0, leaves.length)
}

function rootOf(leaves: readonly Hash[], start: number, end: number): Hash {
  const n = end - start
  if (n === 0) return emptyRoot
  if (n === 1) return leaves[start]!
  const k = split(n)
  return nodeHash(rootOf(leaves, start, start + k), rootOf(leaves, start + k, end))
}

/**
 * The roots of every prefix size asked for, in one pass over the leaves (a compact range: the roots
 * of the perfect subtrees seen so far), so checking many witnessed heads costs one tree, not one each.
 *
 * @example
 * MerkleTree.prefixRoots(leaves, [3, 8]) // Map { 3 => root of 3 leaves, 8 => root of 8 }
 */
export function prefixRoots(leaves: readonly Hash[], sizes: Iterable<number>): Map<number, Hash> {
  const wanted = new Set<number>()
  for (const size of sizes) {
    if (!Number.isSafeInteger(size) || size < 0 || size > leaves.length) {
      throw new TreeRangeError({ what: 'tree size', value: size, max: leaves.length })
    }
    wanted.add(size)
  }
  const roots = new Map<number, Hash>()
  if (wanted.has(0)) roots.set(0, emptyRoot)
  // stack[i] is a perfect subtree root; sizes are the binary digits of the count, largest first.
  const stack: { hash: Hash; size: number }[] = []
  for (let i = 0; i < leaves.length; i++) {
    let node = { hash: leaves[i]!, size: 1 }
    while (stack.length > 0 && stack[stack.length - 1]!.size === node.size) {
      const left = stack.pop()!
      node = { hash: nodeHash(left.hash, node.hash), size: left.size * 2 }
    }
    stack.push(node)
    if (wanted.has(i + 1)) {
      let acc = stack[stack.length - 1]!.hash
      for (let j = stack.length - 2; j >= 0; j--) acc = nodeHash(stack[j]!.hash, acc)
      roots.set(i + 1, acc)
    }
  }
  return roots
}

/**
 * PATH: the inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
 *
 * @example
 * MerkleTree.inclusionProof(leaves, { index: 2, size: 5 })
 */
export function inclusionProof(
  leaves: readonly Hash[],
  { index, size }: { index: number; size: number },
): Hash[] {
  checkSize(size, leaves.length)
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new TreeRangeError({ what: 'leaf index', value: index, max: size - 1 })
  }
  const path: Hash[] = []
  const walk = (m: number, start: number, end: number): void => {
    const n = end - start
    if (n <= 1) return
    const k = split(n)
    if (m < k) {
      walk(m, start, start + k)
      path.push(rootOf(leaves, start + k, end))
    } else {
      walk(m - k, start + k, end)
      path.push(rootOf(leaves, start, start + k))
    }
  }
  walk(index, 0, size)
  return path
}

/**
 * PROOF: the consistency proof from the tree of `from` leaves to the tree of `to` leaves
 * (RFC 9162 §2.1.4.1). Empty when `from` is 0 or equals `to`.
 *
 * @example
 * MerkleTree.consistencyProof(leaves, { from: 3, to: 7 })
 */
export function consistencyProof(
  leaves: readonly Hash[],
  { from, to }: { from: number; to: number },
): Hash[] {
  checkSize(to, leaves.length)
  if (!Number.isSafeInteger(from) || from < 0 || from > to) {
    throw new TreeRangeError({ what: 'old tree size', value: from, max: to })
  }
  if (from === 0 || from === to) return []
  const proof: Hash[] = []
  const sub = (m: number, start: number, end: number, whole: boolean): void => {
    const n = end - start
    if (m === n) {
      if (!whole) proof.push(rootOf(leaves, start, end))
      return
    }
    const k = split(n)
    if (m <= k) {
      sub(m, start, start + k, whole)
      proof.push(rootOf(leaves, start + k, end))
    } else {
      sub(m - k, start + k, end, false)
      proof.push(rootOf(leaves, start, start + k))
    }
  }
  sub(from, 0, to, true)
  return proof
}

function checkSize(size: number, available: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > available) {
    throw new TreeRangeError({ what: 'tree size', value: size, max: available })
  }
}

const isHash = (value: Uint8Array): boolean => value.length === 32

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/**
 * Checks an inclusion proof (RFC 9162 §2.1.3.2). Returns false for any malformed input.
 *
 * @example
 * MerkleTree.verifyInclusion({ index: 2, size: 5, leaf, proof, root })
 */
export function verifyInclusion({
  index,
  size,
  leaf,
  proof,
  root: expected,
}: {
  index: number
  size: number
  leaf: Hash
  proof: readonly Hash[]
  root: Hash
}): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false
  if (!isHash(leaf) || !isHash(expected) || !proof.every(isHash)) return false
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2)
        sn = Math.floor(sn / 2)
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && equalBytes(r, expected)
}

/**
 * Checks a consistency proof between two tree heads (RFC 9162 §2.1.4.2): the tree of `to` leaves
 * with root `newRoot` extends the tree of `from` leaves with root `oldRoot`. Returns false for any
 * malformed input.
 *
 * @example
 * MerkleTree.verifyConsistency({ from: 3, to: 7, oldRoot, newRoot, proof })
 */
export function verifyConsistency({
  from,
  to,
  oldRoot,
  newRoot,
  proof,
}: {
  from: number
  to: number
  oldRoot: Hash
  newRoot: Hash
  proof: readonly Hash[]
}): boolean {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) return false
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false
  if (from === to) return proof.length === 0 && equalBytes(oldRoot, newRoot)
  if (from === 0) return proof.length === 0
  if (proof.length === 0) return false
  const path = (from & (from - 1)) === 0 ? [oldRoot, ...proof] : [...proof]
  let fn = from - 1
  let sn = to - 1
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2)
        sn = Math.floor(sn / 2)
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot)
}

/** Lowercase hex of a hash, for messages and JSON. */
export const toHex = (hash: Hash): string => bytesToHex(hash)
