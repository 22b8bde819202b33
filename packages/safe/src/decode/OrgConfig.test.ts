import { describe, expect, it } from 'vitest'
import { InvalidOrgConfigError } from '../errors.ts'
import * as OrgConfig from './OrgConfig.ts'

const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const POOL = '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2'

function error(input: unknown): InvalidOrgConfigError {
  try {
    OrgConfig.parse(input)
  } catch (caught) {
    if (caught instanceof InvalidOrgConfigError) return caught
    throw caught
  }
  throw new Error('expected an InvalidOrgConfigError')
}

describe('OrgConfig.parse', () => {
  it('parses JSON text into lookups keyed by checksummed address', () => {
    const org = OrgConfig.parse(
      JSON.stringify({
        guardian: '0x7e2a2fa2a064f693f0a55c5639476d913ff12d05',
        pausableContracts: [{ address: POOL.toLowerCase(), label: 'Lending pool' }, USDC],
        largeThresholds: { native: '100000000000000000000', [USDC.toLowerCase()]: '1000000000000' },
        trustedDelegatecallTargets: ['0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526'],
        allowlistedRecipients: [{ address: '0x4F2083f5fBede34C2714aFfb3105539775f7FE64', label: 'Treasury' }],
        knownContracts: [{ address: USDC, label: 'USDC', standard: 'erc20' }],
      }),
    )
    expect(org.guardian).toBe('0x7e2a2FA2a064F693f0a55C5639476d913Ff12D05')
    expect(org.pausable.get(POOL)).toBe('Lending pool')
    expect(org.pausable.get(USDC)).toBe('')
    expect(org.largeThresholds.get('native')).toBe(10n ** 20n)
    expect(org.largeThresholds.get(USDC)).toBe(10n ** 12n)
    expect(org.knownContracts.get(USDC)).toEqual({ label: 'USDC', standard: 'erc20' })
    expect(OrgConfig.label(org, USDC)).toBe('USDC')
    expect(OrgConfig.label(org, POOL)).toBe('Lending pool')
    expect(OrgConfig.knows(org, '0x4F2083f5fBede34C2714aFfb3105539775f7FE64')).toBe(true)
    expect(OrgConfig.knows(org, '0x0000000000000000000000000000000000000bad')).toBe(false)
  })

  it('accepts an empty object', () => {
    const org = OrgConfig.parse({})
    expect(org.guardian).toBeUndefined()
    expect(org.largeThresholds.size).toBe(0)
  })

  it('accepts bigint thresholds from TypeScript callers', () => {
    expect(OrgConfig.parse({ largeThresholds: { native: 5n } }).largeThresholds.get('native')).toBe(5n)
  })

  it.each([
    ['not JSON', '{"guardian": '],
    ['not an object', '[1, 2]'],
    ['null', null],
    ['an unknown key (typo)', { largeThreshold: {} }],
    ['a bad guardian', { guardian: '0x1234' }],
    ['a wrong checksum', { guardian: '0x7E2a2FA2a064F693f0a55C5639476d913Ff12D05' }],
    ['a list that is not a list', { pausableContracts: POOL }],
    ['an entry that is a number', { pausableContracts: [42] }],
    ['an entry with an unknown key', { allowlistedRecipients: [{ address: POOL, lable: 'x' }] }],
    ['a label that is not a string', { allowlistedRecipients: [{ address: POOL, label: 7 }] }],
    ['a JSON number threshold (precision loss)', { largeThresholds: { native: 1e21 } }],
    ['a negative threshold', { largeThresholds: { native: '-1' } }],
    ['a decimal threshold', { largeThresholds: { native: '1.5' } }],
    ['a threshold above uint256', { largeThresholds: { native: (1n << 256n).toString() } }],
    ['a threshold key that is not an address', { largeThresholds: { ETH: '1' } }],
    ['the same asset twice', { largeThresholds: { [USDC]: '1', [USDC.toLowerCase()]: '2' } }],
    ['thresholds as a list', { largeThresholds: ['1'] }],
    ['a known contract without label', { knownContracts: [{ address: USDC }] }],
    [
      'a known contract with an unknown standard',
      { knownContracts: [{ address: USDC, label: 'x', standard: 'erc777' }] },
    ],
  ])('refuses %s with a typed error', (_what, input) => {
    const caught = error(input)
    expect(caught.name).toBe('Safe.InvalidOrgConfigError')
    expect(caught.hint).toEqual(expect.any(String))
  })

  it('says which key is unknown', () => {
    expect(error({ largeThreshold: {} }).oneLine).toMatchInlineSnapshot(
      `"The org configuration has an unknown key "largeThreshold". Check the spelling; known keys are guardian, pausableContracts, largeThresholds, trustedDelegatecallTargets, allowlistedRecipients, knownContracts, safes, abis, allowedCalls."`,
    )
    expect(error({ largeThresholds: { native: 1e21 } }).shortMessage).toMatchInlineSnapshot(
      `"largeThresholds.native is not an amount: "1e+21"."`,
    )
  })
})
