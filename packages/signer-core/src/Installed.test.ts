import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { OrgConfig } from '@airlock/policy'
import { describe, expect, it } from 'vitest'
import * as Installed from './Installed.ts'

const orgJson = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'policies', 'treasury-default', 'org.json'),
    'utf8',
  ),
)

describe('Installed.signerRules', () => {
  it('defaults to the strict choice and reads explicit rules', () => {
    expect(Installed.signerRules(orgJson)).toEqual({
      allowLegacySafeVersions: false,
      allowReplacement: false,
      messageMaxDeadlineSeconds: 30 * 24 * 3600,
    })
    expect(
      Installed.signerRules({ signerRules: { allowReplacement: true, messageMaxDeadlineSeconds: 3600 } }),
    ).toEqual({
      allowLegacySafeVersions: false,
      allowReplacement: true,
      messageMaxDeadlineSeconds: 3600,
    })
  })

  it('refuses typos and non-booleans with a typed error', () => {
    expect(() => Installed.signerRules({ signerRules: { allowReplacment: true } })).toThrow(
      expect.objectContaining({ name: 'Signer.InvalidSignerRulesError' }),
    )
    expect(() => Installed.signerRules({ signerRules: { allowReplacement: 'yes' } })).toThrow(
      expect.objectContaining({ name: 'Signer.InvalidSignerRulesError' }),
    )
    for (const seconds of [0, 59, 1.5, '3600', 10 ** 12])
      expect(() => Installed.signerRules({ signerRules: { messageMaxDeadlineSeconds: seconds } })).toThrow(
        expect.objectContaining({ name: 'Signer.InvalidSignerRulesError' }),
      )
    expect(() => Installed.signerRules({ signerRules: [] })).toThrow(
      expect.objectContaining({ name: 'Signer.InvalidSignerRulesError' }),
    )
  })
})

describe('OrgConfig.toDecoder', () => {
  const org = OrgConfig.parse(orgJson)

  it('maps the policy org config onto the decoder’s for the chain', () => {
    const decoder = OrgConfig.toDecoder(org, 1)
    expect(decoder.guardian).toBe('0x000000000000000000000000000000000000bEEF')
    expect([...decoder.pausable.keys()]).toEqual([
      '0x0000000000000000000000000000000000001001',
      '0x0000000000000000000000000000000000001002',
    ])
    expect(decoder.largeThresholds.get('native')).toBe(100n * 10n ** 18n)
    expect(decoder.largeThresholds.get('0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48')).toBe(
      500_000n * 10n ** 6n,
    )
    expect(decoder.trustedDelegatecallTargets.has('0x9641d764fc13c8B624c04430C7356C1C7C8102e2')).toBe(true)
    // Allow-listed recipients plus the org's own Safes.
    expect(decoder.allowlistedRecipients.get('0x0000000000000000000000000000000000002001')).toBe('Payroll')
    expect(decoder.allowlistedRecipients.get('0x00000000000000000000000000000000000A11cE')).toBe('treasury')
    expect(decoder.knownContracts.get('0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48')).toEqual({
      label: 'USDC',
      standard: 'erc20',
      decimals: 6,
    })
    // Each org Safe with its ceiling: the guardian signs Emergency only unless the org config says otherwise.
    expect([...(decoder.safes.get('0x000000000000000000000000000000000000bEEF')?.tiers ?? [])]).toEqual([
      'emergency',
    ])
    expect(decoder.safes.get('0x00000000000000000000000000000000000A11cE')?.tiers.size).toBe(4)
  })

  it('leaves out what belongs to other chains', () => {
    const decoder = OrgConfig.toDecoder(org, 10)
    expect(decoder.guardian).toBeUndefined()
    expect(decoder.pausable.size).toBe(0)
    expect(decoder.largeThresholds.size).toBe(0)
    expect(decoder.allowlistedRecipients.size).toBe(0)
    // Chain-less entries (MultiSendCallOnly) apply everywhere.
    expect(decoder.trustedDelegatecallTargets.size).toBe(2)
  })
})
