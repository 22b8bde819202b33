import fc from 'fast-check'
import { type Address, encodeFunctionData, type Hex, maxUint256, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { decodingFixtures, GUARDIAN, multiSendData, SAFE } from '../fixtures/decoding.ts'
import { analyze } from './analyze.ts'
import * as Findings from './Findings.ts'
import * as OrgConfig from './OrgConfig.ts'
import * as Tier from './Tier.ts'

const CALL_ONLY: Address = '0x9641d764fc13c8B624c04430C7356C1C7C8102e2'
const USDC: Address = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const POOL: Address = '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2'
const TREASURY: Address = '0x4F2083f5fBede34C2714aFfb3105539775f7FE64'
const abi = parseAbi([
  'function transfer(address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'function addOwnerWithThreshold(address owner, uint256 _threshold)',
  'function enableModule(address module)',
  'function pause()',
  'function upgradeTo(address newImplementation)',
])
const rank = (tier: Tier.Tier) => Tier.tiers.indexOf(tier)

type Inner = { operation: 0 | 1; to: Address; value: bigint; data: Hex }
// A pool of calls spanning every tier.
const pool: Inner[] = [
  {
    operation: 0,
    to: USDC,
    value: 0n,
    data: encodeFunctionData({ abi, functionName: 'transfer', args: [TREASURY, 5n] }),
  },
  { operation: 0, to: TREASURY, value: 10n, data: '0x' },
  { operation: 0, to: POOL, value: 0n, data: encodeFunctionData({ abi, functionName: 'pause' }) },
  {
    operation: 0,
    to: USDC,
    value: 0n,
    data: encodeFunctionData({ abi, functionName: 'approve', args: [TREASURY, maxUint256] }),
  },
  {
    operation: 0,
    to: POOL,
    value: 0n,
    data: encodeFunctionData({ abi, functionName: 'upgradeTo', args: [TREASURY] }),
  },
  {
    operation: 0,
    to: GUARDIAN,
    value: 0n,
    data: encodeFunctionData({ abi, functionName: 'enableModule', args: [TREASURY] }),
  },
  {
    operation: 0,
    to: GUARDIAN,
    value: 0n,
    data: encodeFunctionData({ abi, functionName: 'addOwnerWithThreshold', args: [TREASURY, 1n] }),
  },
  { operation: 1, to: TREASURY, value: 0n, data: '0x12345678' },
  { operation: 0, to: USDC, value: 0n, data: '0xdeadbeef' },
]
const context = { chainId: 1n, safe: GUARDIAN, version: '1.4.1' }
const org = OrgConfig.parse({ guardian: GUARDIAN, pausableContracts: [POOL] })
const alone = pool.map((call) => analyze({ tx: call, context, org }).tier)

describe('Tier', () => {
  it('maps only existing finding codes', () => {
    for (const code of Object.keys(Tier.byFinding)) expect(Object.keys(Findings.codes)).toContain(code)
  })

  it('covers every tier in the pool', () => {
    expect(new Set(alone)).toEqual(new Set(Tier.tiers))
  })

  it('the highest tier of any inner call wins, in any batch', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: pool.length - 1 }), { minLength: 1, maxLength: pool.length }),
        (picks) => {
          const batch = analyze({
            tx: { to: CALL_ONLY, operation: 1, data: multiSendData(picks.map((i) => pool[i]!)) },
            context,
            org,
          })
          const expected = Math.max(...picks.map((i) => rank(alone[i]!)))
          expect(rank(batch.tier)).toBe(expected)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('never takes a tier label from the request', () => {
    const ownerChange = decodingFixtures.find((fixture) => fixture.name === 'multisend-owner-change-third')!
    const request = {
      tx: { ...ownerChange.tx, tier: 'emergency' },
      context: ownerChange.context,
      tier: 'routine',
    }
    const result = analyze(request as Parameters<typeof analyze>[0])
    expect(result.tier).toBe('existential')
  })

  it('names the call that raised the tier', () => {
    const ownerChange = decodingFixtures.find((fixture) => fixture.name === 'multisend-owner-change-third')!
    const result = analyze({ tx: ownerChange.tx, context: ownerChange.context })
    expect(result.tierReasons[0]).toMatchObject({ tier: 'existential', code: 'safe-owner-change', path: [2] })
  })

  it('explains why a pause is not an emergency', () => {
    const data = encodeFunctionData({ abi, functionName: 'pause' })
    const notGuardian = analyze({ tx: { to: POOL, data }, context: { ...context, safe: SAFE }, org })
    expect(notGuardian.tierReasons).toEqual([
      expect.objectContaining({
        tier: 'routine',
        reason: expect.stringContaining('not the org’s guardian Safe'),
      }),
    ])
    const withValue = analyze({ tx: { to: POOL, data, value: 1n }, context, org })
    expect(withValue.tier).toBe('routine')
    const noOrg = analyze({ tx: { to: POOL, data }, context })
    expect(noOrg.tier).toBe('routine')
    const emergency = analyze({ tx: { to: POOL, data }, context, org })
    expect(emergency.tierReasons).toEqual([expect.objectContaining({ tier: 'emergency', code: 'emergency' })])
  })

  it('lets the guardian cancel a listed timelock’s pending operation as Emergency, and nothing else with it', () => {
    const timelockAbi = parseAbi(['function cancel(bytes32 id)', 'function updateDelay(uint256 newDelay)'])
    const TIMELOCK: Address = '0x5555555555555555555555555555555555555555'
    const listed = OrgConfig.parse({ guardian: GUARDIAN, pausableContracts: [POOL, TIMELOCK] })
    const cancel = encodeFunctionData({
      abi: timelockAbi,
      functionName: 'cancel',
      args: [`0x${'ab'.repeat(32)}`],
    })
    expect(analyze({ tx: { to: TIMELOCK, data: cancel }, context, org: listed }).tier).toBe('emergency')
    // Not listed, not the guardian, or with something else in the batch: not Emergency.
    expect(analyze({ tx: { to: TIMELOCK, data: cancel }, context, org }).tier).not.toBe('emergency')
    expect(
      analyze({ tx: { to: TIMELOCK, data: cancel }, context: { ...context, safe: SAFE }, org: listed }).tier,
    ).not.toBe('emergency')
    const delay = encodeFunctionData({ abi: timelockAbi, functionName: 'updateDelay', args: [1n] })
    expect(analyze({ tx: { to: TIMELOCK, data: delay }, context, org: listed }).tier).not.toBe('emergency')
  })

  it('counts a large outflow split over many calls', () => {
    const thresholds = OrgConfig.parse({ largeThresholds: { [USDC]: '100' } })
    const small = encodeFunctionData({ abi, functionName: 'transfer', args: [TREASURY, 60n] })
    const one = analyze({ tx: { to: USDC, data: small }, context, org: thresholds })
    expect(one.tier).toBe('routine')
    const two = analyze({
      tx: {
        to: CALL_ONLY,
        operation: 1,
        data: multiSendData([
          { operation: 0, to: USDC, value: 0n, data: small },
          { operation: 0, to: USDC, value: 0n, data: small },
        ]),
      },
      context,
      org: thresholds,
    })
    expect(two.tier).toBe('critical')
    expect(two.assets).toEqual([
      expect.objectContaining({ asset: USDC, transferred: 120n, paths: [[0], [1]] }),
    ])
  })
})
