import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import * as Bundle from './Bundle.ts'
import { cedar } from './cedar.node.ts'
import { loadPolicyDir } from './policyDir.node.ts'

const key = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const
// Admins of the example org are the accounts of keys 10, 11, 12; threshold 2.
const [a10, a11, a12] = [10, 11, 12].map((n) => privateKeyToAccount(key(n))) as [
  ReturnType<typeof privateKeyToAccount>,
  ReturnType<typeof privateKeyToAccount>,
  ReturnType<typeof privateKeyToAccount>,
]
const outsider = privateKeyToAccount(key(13))
const dir = loadPolicyDir(new URL('../../../policies/treasury-default', import.meta.url).pathname)
const genesis = Bundle.create({ version: 1, policies: dir.policies, org: dir.orgJson, tests: dir.tests })
const signTwice = async (bundle: Bundle.Bundle) => Bundle.sign(await Bundle.sign(bundle, a10), a11)
const codes = (result: Bundle.Verification) => result.issues.map((i) => i.code)
const reverseKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reverseKeys)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([k, v]) => [k, reverseKeys(v)]),
        )
      : value

describe('Bundle.hash / message', () => {
  test('is deterministic and independent of key order and signatures', () => {
    const reordered = Bundle.create({
      version: 1,
      org: reverseKeys(dir.orgJson) as Bundle.Json,
      policies: Object.fromEntries(Object.entries(dir.policies).reverse()),
      tests: dir.tests,
    })
    expect(Bundle.hash(reordered)).toBe(Bundle.hash(genesis))
    expect(Bundle.hash(Bundle.addSignature(genesis, { signer: a10.address, signature: '0x12' }))).toBe(
      Bundle.hash(genesis),
    )
    expect(Bundle.hash({ ...genesis, version: 2 })).not.toBe(Bundle.hash(genesis))
    expect(
      Bundle.hash({
        ...genesis,
        policies: { ...genesis.policies, 'rules.cedar': `${genesis.policies['rules.cedar']} ` },
      }),
    ).not.toBe(Bundle.hash(genesis))
    expect(Bundle.message(genesis)).toBe(
      `Airlock: approve policy bundle\nFormat: airlock-policy-bundle/1\nVersion: 1\nHash: ${Bundle.hash(genesis)}`,
    )
  })

  test('refuses content that cannot be hashed canonically', () => {
    expect(() =>
      Bundle.create({
        version: 1,
        policies: dir.policies,
        org: dir.orgJson,
        tests: { 'a.json': { x: 0.5 } },
      }),
    ).toThrow(expect.objectContaining({ name: 'Policy.InvalidBundleError' }))
    expect(() => Bundle.create({ version: 0, policies: dir.policies, org: dir.orgJson })).toThrow(/version/)
    expect(() => Bundle.create({ version: 1, policies: { '../x.cedar': 'x' }, org: dir.orgJson })).toThrow(
      /file name/,
    )
  })
})

describe('Bundle.verify', () => {
  test('genesis: K of its own admins', async () => {
    const signed = await signTwice(genesis)
    const result = await Bundle.verify(signed, { cedar })
    expect(result).toMatchObject({
      valid: true,
      authority: 'genesis',
      version: 1,
      hash: Bundle.hash(genesis),
      issues: [],
    })
    expect([...result.signers].sort()).toEqual([a10.address, a11.address].map((a) => a.toLowerCase()).sort())
    // It survives a JSON round trip (what goes over QR or disk).
    expect((await Bundle.verify(JSON.parse(JSON.stringify(signed)), { cedar })).valid).toBe(true)
  })

  test('unsigned, under-signed, non-admin, bad and duplicate signatures', async () => {
    expect(codes(await Bundle.verify(genesis, { cedar }))).toEqual(['unsigned'])
    expect(codes(await Bundle.verify(await Bundle.sign(genesis, a10), { cedar }))).toEqual(['under-signed'])
    const withOutsider = await Bundle.sign(await Bundle.sign(genesis, a10), outsider)
    expect(codes(await Bundle.verify(withOutsider, { cedar }))).toEqual(['non-admin-signer', 'under-signed'])

    // A signature over another bundle (here: version 2) does not verify for this one.
    const other = await Bundle.sign({ ...genesis, version: 2 }, a11)
    const replayed = Bundle.addSignature(await Bundle.sign(genesis, a10), other.signatures[0]!)
    expect(codes(await Bundle.verify(replayed, { cedar }))).toEqual(['bad-signature', 'under-signed'])

    // A signature claimed by someone else is bad too.
    const signedBy10 = await Bundle.sign(genesis, a10)
    const misattributed = {
      ...signedBy10,
      signatures: [
        ...signedBy10.signatures,
        { signer: a12.address, signature: signedBy10.signatures[0]!.signature },
      ],
    }
    expect(codes(await Bundle.verify(misattributed, { cedar }))).toEqual(['bad-signature', 'under-signed'])

    // The same admin twice counts once.
    const twice = { ...signedBy10, signatures: [...signedBy10.signatures, ...signedBy10.signatures] }
    expect(codes(await Bundle.verify(twice, { cedar }))).toEqual(['duplicate-signer', 'under-signed'])

    // Changing the content after signing breaks every signature.
    const signed = await signTwice(genesis)
    const tampered = { ...signed, org: { ...(signed.org as object), allowSoftwareKeys: true } }
    expect(codes(await Bundle.verify(tampered, { cedar }))).toEqual([
      'bad-signature',
      'bad-signature',
      'under-signed',
    ])
  })

  test('updates need K of the installed admins; rollback and same-version changes are refused', async () => {
    const installed = await signTwice(genesis)
    // v2 appoints a new admin set {13} with threshold 1, and must be signed by the current admins.
    const org2 = { ...(dir.orgJson as object), admins: { addresses: [outsider.address], threshold: 1 } }
    const v2 = Bundle.create({ version: 2, policies: dir.policies, org: org2 })
    const selfSigned = await Bundle.sign(v2, outsider)
    expect(codes(await Bundle.verify(selfSigned, { cedar, installed }))).toEqual([
      'non-admin-signer',
      'under-signed',
    ])
    const v2signed = await signTwice(v2)
    expect(await Bundle.verify(v2signed, { cedar, installed })).toMatchObject({
      valid: true,
      authority: 'installed',
    })
    // With v2 installed, its admins sign v3; the old admins no longer can.
    const v3 = Bundle.create({ version: 3, policies: dir.policies, org: org2 })
    expect((await Bundle.verify(await Bundle.sign(v3, outsider), { cedar, installed: v2signed })).valid).toBe(
      true,
    )
    expect(codes(await Bundle.verify(await signTwice(v3), { cedar, installed: v2signed }))).toEqual([
      'non-admin-signer',
      'non-admin-signer',
      'under-signed',
    ])

    const rollback = await Bundle.sign(
      Bundle.create({ version: 1, policies: dir.policies, org: org2 }),
      outsider,
    )
    expect(codes(await Bundle.verify(rollback, { cedar, installed: v2signed }))).toEqual(['rollback'])
    const sameVersion = await signTwice(
      Bundle.create({
        version: 1,
        policies: dir.policies,
        org: { ...(dir.orgJson as object), name: 'Other' },
      }),
    )
    expect(codes(await Bundle.verify(sameVersion, { cedar, installed }))).toEqual(['version-conflict'])
    expect(await Bundle.verify(installed, { cedar, installed })).toMatchObject({
      valid: true,
      sameAsInstalled: true,
    })
  })

  test('policies that fail validation, a foreign schema and malformed input', async () => {
    const bad = Bundle.create({
      version: 1,
      policies: {
        ...dir.policies,
        'bad.cedar': '@id("x.b") @reason("r") forbid (principal, action, resource) when { resource.nope };',
      },
      org: dir.orgJson,
    })
    const result = await Bundle.verify(await signTwice(bad), { cedar })
    expect(codes(result)).toEqual(['policies-invalid'])
    expect(result.issues[0]?.diagnostics?.[0]).toMatchObject({
      origin: 'cedar',
      file: 'bad.cedar',
      policyId: 'x.b',
    })

    const foreign = Bundle.create({
      version: 1,
      policies: dir.policies,
      org: dir.orgJson,
      schema: 'entity User;',
    })
    expect(codes(await Bundle.verify(await signTwice(foreign), { cedar }))).toEqual(['schema-invalid'])
    const broken = Bundle.create({ version: 1, policies: dir.policies, org: dir.orgJson, schema: 'entity {' })
    expect(codes(await Bundle.verify(await signTwice(broken), { cedar }))).toEqual(['schema-invalid'])

    for (const input of [null, 'x', { format: 'nope' }, { ...genesis, org: { name: 'x' } }]) {
      const verdict = await Bundle.verify(input, { cedar })
      expect(verdict.valid).toBe(false)
      expect(codes(verdict)).toEqual(['malformed'])
    }
  })
})
