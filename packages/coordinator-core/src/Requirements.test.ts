import { readFileSync } from 'node:fs'
import { OrgConfig as PolicyOrg } from '@airlock/policy'
import { getAddress, zeroAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import type { SafeState } from './Chain.ts'
import * as Config from './Config.ts'
import * as Requirements from './Requirements.ts'

const orgJson = JSON.parse(
  readFileSync(new URL('../../../policies/treasury-default/org.json', import.meta.url), 'utf8'),
)
const org = PolicyOrg.parse(orgJson)
const config = Config.create({ org, chainId: 1, treasury: 'treasury' })
const owners = org.safes[0]!.owners.map((o) => getAddress(o))
const state: SafeState = {
  address: getAddress(org.safes[0]!.address),
  chainId: 1,
  blockNumber: 1n,
  version: '1.4.1',
  versionText: '1.4.1',
  owners,
  threshold: 3n,
  nonce: 0n,
  modules: [],
  guard: zeroAddress,
  fallbackHandler: zeroAddress,
  singleton: zeroAddress,
}

describe('Requirements', () => {
  it('follows the org’s tier table: 1 / M / M+1 / N approvals, attestations from Critical, delays', () => {
    const table = PolicyOrg.tiers.map((tier) => {
      const { approvals, attestations, signatures, delaySeconds } = Requirements.of({ config, state, tier })
      return [tier, signatures, approvals, attestations, delaySeconds]
    })
    expect(table).toEqual([
      ['emergency', 3, 1, 0, 0],
      ['routine', 3, 3, 0, 0],
      ['critical', 3, 4, 4, 172800],
      ['existential', 3, 5, 5, 259200],
    ])
  })

  it('counts only distinct current owners and says what is missing', () => {
    const requirements = Requirements.of({ config, state, tier: 'critical' })
    const outsider = '0x0000000000000000000000000000000000000bad'
    const progress = Requirements.progress({
      requirements,
      owners,
      signers: [owners[0]!, owners[0]!.toLowerCase() as `0x${string}`, outsider],
      attesters: [owners[0]!, owners[1]!, owners[2]!],
      createdAt: 1000,
      now: 1000 + 172800 - 10,
    })
    expect(progress).toEqual({
      ready: false,
      signatures: { have: 1, need: 3 },
      approvals: { have: 3, need: 4 },
      attestations: { have: 3, need: 4 },
      delay: { elapsedSeconds: 172790, needSeconds: 172800, readyAt: 173800 },
      missing: [
        '2 more owner signature(s): the Safe needs 3.',
        '1 more approval attestation(s): critical needs 4 owners to attest first.',
        '10 more second(s) of delay: critical waits 172800s.',
      ],
    })
    const ready = Requirements.progress({
      requirements,
      owners,
      signers: owners.slice(0, 3),
      attesters: owners.slice(1, 5),
      createdAt: 1000,
      now: 1000 + 172800,
    })
    expect(ready.ready).toBe(true)
  })

  it('reports drift between the org config and the chain', () => {
    const drifted = {
      ...state,
      owners: [...owners.slice(1), getAddress('0x0000000000000000000000000000000000000abc')],
      threshold: 2n,
    }
    expect(Requirements.of({ config, state: drifted, tier: 'routine' }).drift).toEqual([
      'Owners on chain but not in the org config: 0x0000000000000000000000000000000000000abc.',
      `Owners in the org config but not on chain: ${owners[0]!.toLowerCase()}.`,
      'The org config says threshold 3, the Safe has 2.',
    ])
    const unknown = { ...state, address: getAddress('0x0000000000000000000000000000000000000abc') }
    const never = Requirements.of({ config, state: unknown, tier: 'routine' })
    expect(
      Requirements.progress({ requirements: never, owners, signers: owners, createdAt: 0, now: 0 }).missing,
    ).toEqual(['The Safe is not in the org config: no number of approvals is enough.'])
  })

  it('judges a queued action’s delay like with like: chain time on both ends when it was recorded', () => {
    const critical = Requirements.of({ config, state, tier: 'critical' })
    const action = {
      safe: { address: state.address },
      tier: 'critical' as const,
      // The coordinator's clock and the chain's disagree (a devnet after time travel, a skewed laptop).
      createdAt: new Date(5_000_000 * 1000),
      createdChainAt: new Date(1_000 * 1000),
      requirements: Requirements.forQueue(critical),
    }
    const collected = owners.slice(0, 4).map((signer) => ({ signer, kind: 'approval-attestation' as const }))
    const byChain = Requirements.progressOf({
      config,
      action,
      collected,
      now: 5_000_010,
      chainNow: 1_000 + 172_800,
    })
    expect(byChain.delay).toEqual({ elapsedSeconds: 172_800, needSeconds: 172_800, readyAt: 173_800 })
    // Without the chain's time now, the coordinator's clock judges both ends: 10 s of 172,800 elapsed.
    const byCoordinator = Requirements.progressOf({ config, action, collected, now: 5_000_010 })
    expect(byCoordinator.delay.elapsedSeconds).toBe(10)
    expect(byCoordinator.missing).toContain('172790 more second(s) of delay: critical waits 172800s.')
    // An action queued without the chain's time keeps the coordinator's clock even when it is given.
    const legacy = { ...action, createdChainAt: null }
    expect(
      Requirements.progressOf({ config, action: legacy, collected, now: 5_000_010, chainNow: 1 }).delay,
    ).toMatchObject({ elapsedSeconds: 10 })
  })
})

describe('Config', () => {
  it('refuses a MultiSendCallOnly the signers do not trust, and accepts one they do', () => {
    const local = '0x0000000000000000000000000000000000001234'
    expect(() =>
      Config.parse({ org: orgJson, chainId: 1, treasury: 'treasury', multiSendCallOnly: { 1: local } }),
    ).toThrowError(
      expect.objectContaining({
        name: 'Coordinator.InvalidConfigError',
        shortMessage: expect.stringContaining('is not a trusted delegatecall target'),
      }),
    )
    const trusting = {
      ...orgJson,
      trustedDelegatecall: [...orgJson.trustedDelegatecall, { name: 'local', address: local, chainId: 1 }],
    }
    const config = Config.parse({
      org: trusting,
      chainId: 1,
      treasury: 'treasury',
      multiSendCallOnly: { 1: local },
    })
    expect(Config.multiSendCallOnly(config, '1.4.1')).toBe(getAddress(local))
  })

  it.each([
    [
      { org: orgJson, chainId: 10, treasury: 'treasury' },
      'The treasury Safe "treasury" is not in the org config for chain 10.',
    ],
    [
      { org: orgJson, chainId: 1, treasury: 'vault' },
      'The treasury Safe "vault" is not in the org config for chain 1.',
    ],
    [
      { org: orgJson, chainId: 1, treasury: 'treasury', rpc: 'x' },
      'The coordinator config has an unknown key "rpc".',
    ],
    [
      { org: orgJson, chainId: '1', treasury: 'treasury' },
      'chainId in the coordinator config is not a positive integer.',
    ],
  ])('refuses a bad config (%#)', (input, message) => {
    expect(() => Config.parse(input)).toThrowError(expect.objectContaining({ shortMessage: message }))
  })

  it('derives the decoder org config a signer uses', () => {
    const decoder = PolicyOrg.toDecoder(org, 1)
    expect(decoder.guardian).toBe(getAddress('0x000000000000000000000000000000000000beef'))
    expect([...decoder.pausable.values()]).toEqual(['Lending pool', 'Bridge'])
    expect(decoder.largeThresholds.get('native')).toBe(100n * 10n ** 18n)
    expect(decoder.knownContracts.get(getAddress('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48'))).toEqual({
      label: 'USDC',
      standard: 'erc20',
      decimals: 6,
    })
    expect(PolicyOrg.toDecoder(org, 10).guardian).toBeUndefined()
  })
})
