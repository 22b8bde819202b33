import { hexToBytes } from '@noble/hashes/utils'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as MerkleTree from './MerkleTree.ts'

// The RFC 6962/9162 reference tree used by transparency-dev/merkle's tests (proof/verify_test.go and
// testdata/): eight leaves, the root of every prefix, and known inclusion and consistency proofs.
const leafData = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
]
const roots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]
// leaf is 1-based, as in the reference table.
const inclusionVectors: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
]
const consistencyVectors: { from: number; to: number; proof: string[] }[] = [
  { from: 1, to: 1, proof: [] },
  {
    from: 1,
    to: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    from: 6,
    to: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    from: 2,
    to: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    from: 6,
    to: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
]
// testdata/consistency/1/happy-path.json and testdata/inclusion/1/happy-path.json (base64).
const jsonVectors = {
  consistency: {
    size1: 1,
    size2: 8,
    root1: 'bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=',
    root2: 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=',
    proof: [
      'lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=',
      'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=',
      'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=',
    ],
  },
  inclusion: {
    leafIdx: 0,
    treeSize: 8,
    root: 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=',
    leafHash: 'bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=',
    proof: [
      'lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=',
      'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=',
      'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=',
    ],
  },
}

const b64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
const hex = (text: string) => hexToBytes(text)
const leaves = leafData.map((data) => MerkleTree.leafHash(hexToBytes(data)))
const someHash = hex('abacaba000000000000000000000000000000000000000000060061e00123456')
const flip = (proof: Uint8Array[], i: number, bit: number) =>
  proof.map((p, j) => (j === i ? Uint8Array.from(p, (b, k) => (k === 0 ? b ^ bit : b)) : p))

describe('MerkleTree (RFC 9162) against the transparency-dev vectors', () => {
  it('computes the root of every prefix of the reference tree, recursively and in one pass', () => {
    for (let size = 1; size <= 8; size++) {
      expect(MerkleTree.toHex(MerkleTree.root(leaves.slice(0, size)))).toBe(roots[size - 1])
    }
    const all = MerkleTree.prefixRoots(leaves, [0, 1, 2, 3, 4, 5, 6, 7, 8])
    for (let size = 1; size <= 8; size++) expect(MerkleTree.toHex(all.get(size)!)).toBe(roots[size - 1])
    expect(all.get(0)).toEqual(MerkleTree.emptyRoot)
    expect(MerkleTree.toHex(MerkleTree.emptyRoot)).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it('produces and verifies the reference inclusion proofs; every corruption is refused', () => {
    for (const vector of inclusionVectors) {
      const index = vector.leaf - 1
      const proof = vector.proof.map(hex)
      const root = hex(roots[vector.size - 1]!)
      const leaf = leaves[index]!
      expect(MerkleTree.inclusionProof(leaves, { index, size: vector.size }).map(MerkleTree.toHex)).toEqual(
        vector.proof,
      )
      expect(MerkleTree.verifyInclusion({ index, size: vector.size, leaf, proof, root })).toBe(true)
      const probes = [
        { index: index - 1 },
        { index: index + 1 },
        { index: index ^ 2 },
        { size: vector.size * 2 },
        { size: Math.floor(vector.size / 2) },
        { leaf: new TextEncoder().encode('WrongLeaf') },
        { root: MerkleTree.emptyRoot },
        { root: someHash },
        { proof: [...proof, new Uint8Array(0)] },
        { proof: [...proof, root] },
        { proof: [new Uint8Array(0), ...proof] },
        { proof: [root, ...proof] },
        ...proof.map((_, i) => ({ proof: flip(proof, i, 8) })),
        ...(proof.length > 0 ? [{ proof: proof.slice(0, -1) }] : []),
        ...(proof.length > 1 ? [{ proof: [proof[0]!, someHash, ...proof.slice(1)] }] : []),
      ]
      for (const probe of probes) {
        expect(MerkleTree.verifyInclusion({ index, size: vector.size, leaf, proof, root, ...probe })).toBe(
          false,
        )
      }
    }
  })

  it('produces and verifies the reference consistency proofs; every corruption is refused', () => {
    for (const vector of consistencyVectors) {
      const proof = vector.proof.map(hex)
      const oldRoot = hex(roots[vector.from - 1]!)
      const newRoot = hex(roots[vector.to - 1]!)
      expect(MerkleTree.consistencyProof(leaves, vector).map(MerkleTree.toHex)).toEqual(vector.proof)
      expect(MerkleTree.verifyConsistency({ ...vector, oldRoot, newRoot, proof })).toBe(true)
      if (proof.length === 0) continue
      const probes = [
        { from: vector.from - 1 },
        { from: vector.from + 1 },
        { from: vector.from ^ 2 },
        { to: vector.to * 2 },
        { to: Math.floor(vector.to / 2) },
        { oldRoot: new TextEncoder().encode('WrongRoot') },
        { newRoot: new TextEncoder().encode('WrongRoot') },
        { oldRoot: newRoot, newRoot: oldRoot },
        { proof: [] },
        { proof: [...proof, new Uint8Array(0)] },
        { proof: [...proof, oldRoot] },
        { proof: [...proof, newRoot] },
        { proof: [new Uint8Array(0), ...proof] },
        { proof: [oldRoot, ...proof] },
        { proof: [newRoot, ...proof] },
        { proof: [proof[0]!, ...proof] },
        { proof: proof.slice(0, -1) },
        ...proof.map((_, i) => ({ proof: flip(proof, i, 16) })),
      ]
      for (const probe of probes) {
        expect(MerkleTree.verifyConsistency({ ...vector, oldRoot, newRoot, proof, ...probe })).toBe(false)
      }
    }
  })

  it('accepts the JSON test data of transparency-dev/merkle', () => {
    const c = jsonVectors.consistency
    expect(
      MerkleTree.verifyConsistency({
        from: c.size1,
        to: c.size2,
        oldRoot: b64(c.root1),
        newRoot: b64(c.root2),
        proof: c.proof.map(b64),
      }),
    ).toBe(true)
    const i = jsonVectors.inclusion
    expect(
      MerkleTree.verifyInclusion({
        index: i.leafIdx,
        size: i.treeSize,
        leaf: b64(i.leafHash),
        root: b64(i.root),
        proof: i.proof.map(b64),
      }),
    ).toBe(true)
    expect(b64(i.leafHash)).toEqual(leaves[0])
  })

  it('handles the edge sizes as RFC 9162 says', () => {
    const r = hex(roots[0]!)
    expect(MerkleTree.verifyConsistency({ from: 0, to: 0, oldRoot: r, newRoot: r, proof: [] })).toBe(true)
    expect(MerkleTree.verifyConsistency({ from: 0, to: 1, oldRoot: r, newRoot: someHash, proof: [] })).toBe(
      true,
    )
    expect(MerkleTree.verifyConsistency({ from: 1, to: 1, oldRoot: r, newRoot: someHash, proof: [] })).toBe(
      false,
    )
    expect(MerkleTree.verifyConsistency({ from: 1, to: 0, oldRoot: r, newRoot: r, proof: [] })).toBe(false)
    expect(MerkleTree.verifyConsistency({ from: 1, to: 2, oldRoot: r, newRoot: someHash, proof: [] })).toBe(
      false,
    )
    expect(MerkleTree.verifyConsistency({ from: 1, to: 1, oldRoot: r, newRoot: r, proof: [r] })).toBe(false)
    expect(MerkleTree.verifyInclusion({ index: 0, size: 0, leaf: r, root: r, proof: [] })).toBe(false)
    expect(() => MerkleTree.inclusionProof(leaves, { index: 8, size: 8 })).toThrow(/outside the log's tree/)
    expect(() => MerkleTree.consistencyProof(leaves, { from: 3, to: 9 })).toThrow(/outside the log's tree/)
  })

  it('proofs it produces verify for every pair of sizes and every leaf (random trees)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(), (n, a, b) => {
        const tree = Array.from({ length: n }, (_, i) => MerkleTree.leafHash(`entry ${i} of ${n}`))
        const to = 1 + (a % n)
        const from = b % (to + 1)
        const all = MerkleTree.prefixRoots(tree, [from, to])
        const proof = MerkleTree.consistencyProof(tree, { from, to })
        expect(
          MerkleTree.verifyConsistency({ from, to, oldRoot: all.get(from)!, newRoot: all.get(to)!, proof }),
        ).toBe(true)
        const index = b % to
        const path = MerkleTree.inclusionProof(tree, { index, size: to })
        expect(
          MerkleTree.verifyInclusion({
            index,
            size: to,
            leaf: tree[index]!,
            proof: path,
            root: all.get(to)!,
          }),
        ).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})
