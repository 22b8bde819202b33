import { readFileSync } from 'node:fs'
import { OrgConfig as PolicyOrg } from '@airlock/policy'
import { analyze, SafeTxHash } from '@airlock/safe'
import { SignRequest } from '@airlock/transport'
import fc from 'fast-check'
import { getAddress, type Hash, zeroAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import type { SafeState } from './Chain.ts'
import * as Config from './Config.ts'
import * as Sentry from './Sentry.ts'

const orgJson = JSON.parse(
  readFileSync(new URL('../../../policies/treasury-default/org.json', import.meta.url), 'utf8'),
)
const org = PolicyOrg.parse(orgJson)
const config = Config.create({ org, chainId: 1, treasury: 'treasury' })
const guardianConfig = org.safes[1]!
const guardian: SafeState = {
  address: getAddress(guardianConfig.address),
  chainId: 1,
  blockNumber: 0n,
  version: '1.4.1',
  versionText: '1.4.1',
  owners: guardianConfig.owners.map((o) => getAddress(o)),
  threshold: 1n,
  nonce: 4n,
  modules: [],
  guard: zeroAddress,
  fallbackHandler: zeroAddress,
  singleton: zeroAddress,
}
const pool = getAddress('0x0000000000000000000000000000000000001001')
const usdc = getAddress('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48')
const balance: Sentry.Read = { kind: 'erc20-balance', token: usdc, holder: pool }
const reserves: Sentry.Read = { kind: 'call', address: pool, signature: 'reserves()' }

const observe = (blockNumber: bigint, values: [Sentry.Read, bigint][]): Sentry.Observation => ({
  blockNumber,
  blockHash: `0x${blockNumber.toString(16).padStart(64, '0')}` as Hash,
  timestamp: 1_700_000_000 + Number(blockNumber) * 12,
  values: new Map(values.map(([read, value]) => [Sentry.key(read), value])),
  guardian: { ...guardian, blockNumber },
})

describe('Sentry.check', () => {
  it('flags a drop beyond the limit within the window, with the window’s peak as reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 30n }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 10_000 }),
        (values, windowBlocks, maxDropBps) => {
          const sentry = new Sentry.Sentry({
            config,
            rules: [{ id: 'tvl', kind: 'max-drop', read: balance, maxDropBps, windowBlocks }],
          })
          values.forEach((value, i) => {
            const { breaches } = sentry.check(observe(BigInt(100 + i), [[balance, value]]))
            const window = values.slice(Math.max(0, i - windowBlocks), i + 1)
            let peak = 0n
            for (const v of window) if (v > peak) peak = v
            const expected = peak > 0n && (peak - value) * 10_000n > BigInt(maxDropBps) * peak
            expect(breaches.length === 1).toBe(expected)
            if (expected) expect(breaches[0]).toMatchObject({ value, reference: peak })
          })
        },
      ),
      { numRuns: 100 },
    )
  })

  it('pre-builds the guardian’s pause at the breached block, and reports only new breaches as new', () => {
    const sentry = new Sentry.Sentry({
      config,
      pauseTargets: [pool],
      rules: [{ id: 'solvent', kind: 'at-least', left: balance, right: reserves, label: 'Pool solvency' }],
    })
    expect(
      sentry.check(
        observe(10n, [
          [balance, 100n],
          [reserves, 100n],
        ]),
      ).alert,
    ).toBeUndefined()
    const { alert } = sentry.check(
      observe(11n, [
        [balance, 99n],
        [reserves, 100n],
      ]),
    )
    expect(alert?.breaches).toEqual([
      {
        ruleId: 'solvent',
        label: 'Pool solvency',
        blockNumber: 11n,
        value: 99n,
        reference: 100n,
        message: 'Pool solvency: 99 is below 100 at block 11.',
      },
    ])
    expect(alert?.newlyBreached).toEqual(['solvent'])
    const request = SignRequest.fromUr(alert!.ur)
    expect(request.tx).toMatchObject({ to: pool, nonce: 4n, operation: 0 })
    expect(request.context.safe).toBe(guardian.address)
    expect(analyze({ tx: request.tx, context: request.context, org: PolicyOrg.toDecoder(org, 1) }).tier).toBe(
      'emergency',
    )
    expect(SafeTxHash.compute(request).safeTxHash).toBe(alert!.pause.hashes.safeTxHash)
    expect(
      sentry.check(
        observe(12n, [
          [balance, 98n],
          [reserves, 100n],
        ]),
      ).alert?.newlyBreached,
    ).toEqual([])
  })

  it('refuses rules it cannot evaluate', () => {
    expect(
      () =>
        new Sentry.Sentry({
          config,
          rules: [{ id: 'x', kind: 'max-drop', read: balance, maxDropBps: 20_000, windowBlocks: 1 }],
        }),
    ).toThrowError('Rule x: maxDropBps must be 0 to 10000.')
    expect(
      () =>
        new Sentry.Sentry({
          config,
          rules: [
            {
              id: 'x',
              kind: 'at-least',
              left: balance,
              right: { kind: 'call', address: pool, signature: 'name() view returns (string)' },
            },
          ],
        }),
    ).toThrowError('Rule x: "name() view returns (string)" must return one integer.')
    expect(() => new Sentry.Sentry({ config, pauseTargets: [usdc], rules: [] })).toThrowError(
      expect.objectContaining({ name: 'Coordinator.InvalidActionError' }),
    )
    const noGuardian = Config.create({
      org: { ...org, guardian: undefined },
      chainId: 1,
      treasury: 'treasury',
    })
    expect(() => new Sentry.Sentry({ config: noGuardian, rules: [] })).toThrowError(
      'The org config has no guardian Safe on chain 1.',
    )
  })
})
