import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import * as OrgConfig from './OrgConfig.ts'

const treasury = JSON.parse(
  readFileSync(new URL('../../../policies/treasury-default/org.json', import.meta.url), 'utf8'),
)

describe('OrgConfig.parse', () => {
  test('reads the treasury example with defaults filled in', () => {
    const org = OrgConfig.parse(treasury)
    expect(org.safes).toHaveLength(2)
    expect(org.guardian).toEqual({ address: '0x000000000000000000000000000000000000beef', chainId: 1 })
    expect(org.assets.map((a) => [a.id, a.decimals, a.treasury])).toEqual([
      ['ETH', 18, 10_000n * 10n ** 18n],
      ['USDC', 6, 50_000_000n * 10n ** 6n],
    ])
    expect(org.breaker).toEqual({ ...OrgConfig.defaultBreaker })
    expect(org.admins.threshold).toBe(2)
    expect(OrgConfig.findAsset(org, { asset: 'native', chainId: 1 })?.id).toBe('ETH')
    expect(OrgConfig.findAsset(org, { asset: 'native', chainId: 10 })).toBeUndefined()
    expect(
      OrgConfig.listed(org.trustedDelegatecall, {
        address: '0x9641d764fc13C8B624c04430C7356C1C7C8102e2',
        chainId: 137,
      }),
    ).toBe(true)
  })

  test('required approvals follow the tier table, capped at the owner count', () => {
    const org = OrgConfig.parse(treasury)
    const safe = org.safes[0]!
    expect(OrgConfig.tiers.map((tier) => OrgConfig.requiredApprovals(org, safe, tier))).toEqual([1, 3, 4, 5])
    const small = OrgConfig.parse({
      ...treasury,
      safes: [{ ...treasury.safes[0], threshold: 5 }],
      guardian: null,
    })
    expect(OrgConfig.requiredApprovals(small, small.safes[0]!, 'critical')).toBe(5)
  })

  test.each([
    [
      'a threshold above the owner count',
      { safes: [{ ...treasury.safes[0], threshold: 6 }], guardian: null },
    ],
    [
      'a guardian that is not a listed Safe',
      { guardian: { address: '0x0000000000000000000000000000000000000001', chainId: 1 } },
    ],
    [
      'a duplicate owner',
      {
        safes: [{ ...treasury.safes[0], owners: [treasury.safes[0].owners[0], treasury.safes[0].owners[0]] }],
        guardian: null,
      },
    ],
    [
      'a bad checksum',
      { recipients: [{ name: 'x', address: '0x7e5F4552091A69125d5DfCb7b8C2659029395Bdf' }] },
    ],
    ['an amount as a float', { assets: [{ ...treasury.assets[0], treasury: 1.5 }] }],
    ['an unknown tier', { tiers: { urgent: {} } }],
    ['an admin threshold of zero', { admins: { ...treasury.admins, threshold: 0 } }],
    ['a name with a newline', { name: 'Acme\nVersion: 99' }],
  ])('rejects %s with a typed error', (_name, patch) => {
    expect(() => OrgConfig.parse({ ...treasury, ...patch })).toThrow(
      expect.objectContaining({ name: 'Policy.InvalidOrgConfigError' }),
    )
  })

  test('per-Safe tier ceilings, ABIs and allowed calls reach the decoder for their chain only', () => {
    const router = '0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45'
    const org = OrgConfig.parse({
      ...treasury,
      safes: treasury.safes.map((s: Record<string, unknown>, i: number) =>
        i === 0 ? { ...s, tiers: ['routine', 'critical'] } : s,
      ),
      abis: [
        {
          chainId: 1,
          address: router,
          abi: [{ type: 'function', name: 'swap', inputs: [{ name: 'to', type: 'address' }], outputs: [] }],
        },
      ],
      allowedCalls: [
        {
          chainId: 1,
          target: router,
          signature: 'swap(address)',
          constraints: [{ arg: 'to', equals: '$safe' }],
        },
        { chainId: 10, target: router, selector: '0x12345678' },
      ],
    })
    expect(OrgConfig.ceiling(org, org.safes[0]!)).toEqual(['routine', 'critical'])
    expect(OrgConfig.ceiling(org, org.safes[1]!)).toEqual(['emergency']) // the guardian
    const decoder = OrgConfig.toDecoder(org, 1)
    expect(decoder.allowedCalls).toHaveLength(1)
    expect(decoder.abis).toBeDefined()
    expect(OrgConfig.toDecoder(org, 10).allowedCalls).toHaveLength(1)
    expect(OrgConfig.toDecoder(org, 10).abis).toBeUndefined()
  })

  test('a bad allowed call or ABI is refused when the bundle is read', () => {
    expect(() =>
      OrgConfig.parse({
        ...treasury,
        allowedCalls: [{ chainId: 1, target: '0x1234', selector: '0x12345678' }],
      }),
    ).toThrow(expect.objectContaining({ name: 'Policy.InvalidOrgConfigError' }))
    expect(() =>
      OrgConfig.parse({
        ...treasury,
        abis: [{ chainId: 1, abi: [{ type: 'function', name: 'f', inputs: [{ type: 'uint999' }] }] }],
      }),
    ).toThrow(expect.objectContaining({ name: 'Policy.InvalidOrgConfigError' }))
    expect(() =>
      OrgConfig.parse({ ...treasury, safes: [{ ...treasury.safes[0], tiers: ['urgent'] }] }),
    ).toThrow(/tiers\[0\]/)
  })

  test('names the bad field', () => {
    expect(() =>
      OrgConfig.parse({ ...treasury, safes: [{ ...treasury.safes[0], threshold: 6 }], guardian: null }),
    ).toThrowErrorMatchingInlineSnapshot(`
        [Policy.InvalidOrgConfigError: The org config: safes[0].threshold is not an integer between 1 and 5.
        Fix safes[0].threshold and try again.]
      `)
    expect(() => OrgConfig.parse(null)).toThrowErrorMatchingInlineSnapshot(`
      [Policy.InvalidOrgConfigError: The org config: the config is not an object.
      Fix the config and try again.]
    `)
  })
})
