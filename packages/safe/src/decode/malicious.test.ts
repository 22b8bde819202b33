import { isBaseError } from '@airlock/errors'
import fc from 'fast-check'
import type { Abi } from 'viem'
import { describe, expect, it } from 'vitest'
import { maliciousFixtures } from '../fixtures/malicious.ts'
import { analyze } from './analyze.ts'
import * as Describe from './Describe.ts'
import * as Effects from './Effects.ts'
import * as OrgConfig from './OrgConfig.ts'

const orgs = new Map<object, OrgConfig.OrgConfig>()
const orgOf = (fixture: { org: Record<string, unknown> }) => {
  let org = orgs.get(fixture.org)
  if (!org) {
    org = OrgConfig.parse(JSON.stringify(fixture.org))
    orgs.set(fixture.org, org)
  }
  return org
}

describe('malicious fixtures (issue 10)', () => {
  it('has unique names and at least 30 cases', () => {
    const names = maliciousFixtures.map((fixture) => fixture.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names.length).toBeGreaterThanOrEqual(30)
  })

  for (const fixture of maliciousFixtures) {
    it(`${fixture.name} → ${fixture.code}: ${fixture.description}`, () => {
      const result = analyze({
        tx: fixture.tx,
        context: fixture.context,
        org: OrgConfig.parse(JSON.stringify(fixture.org)),
        abis: fixture.abis as { global?: Abi } | undefined,
      })
      expect(result.findings.map((finding) => finding.code)).toContain(fixture.code)
      if (fixture.effect) {
        expect(Effects.list(result.calls).map((entry) => entry.effect.kind)).toContain(fixture.effect)
      }
      if (fixture.flow) {
        expect(result.flows).toContainEqual(
          expect.objectContaining({
            asset: fixture.flow.asset,
            amount: fixture.flow.amount,
            to: fixture.flow.to,
          }),
        )
      }
      expect(result.complete).toBe(fixture.code !== 'request-too-complex')
    })
  }

  it('answers every single-byte mutation of the small fixtures with a result or a typed error', () => {
    const small = maliciousFixtures.filter(
      (f) => typeof f.tx.data === 'string' && (f.tx.data as string).length < 20_000,
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...small),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (fixture, at, byte) => {
          const data = fixture.tx.data as string
          const bytes = (data.length - 2) / 2
          if (bytes === 0) return
          const i = 2 + (at % bytes) * 2
          const mutated = `${data.slice(0, i)}${byte.toString(16).padStart(2, '0')}${data.slice(i + 2)}`
          try {
            const result = analyze({
              tx: { ...fixture.tx, data: mutated },
              context: fixture.context,
              org: orgOf(fixture),
            })
            // Every call of whatever decodes has exactly one known effect class, and a tier with a reason.
            for (const entry of Effects.list(result.calls)) expect(Effects.kinds).toContain(entry.effect.kind)
            expect(result.tierReasons.length).toBeGreaterThan(0)
          } catch (error) {
            expect(isBaseError(error)).toBe(true)
          }
        },
      ),
      { numRuns: 400 },
    )
  })

  it('shows a nested Safe transaction as that Safe’s, with its v=1 signature parsed', () => {
    const fixture = maliciousFixtures.find((f) => f.name === 'nested-exec-drain-unknown-safe')!
    const org = orgOf(fixture)
    const result = analyze({ tx: fixture.tx, context: fixture.context, org })
    expect(result.nested).toMatchObject([
      {
        path: [],
        via: 'exec-transaction',
        inOrg: false,
        tier: 'routine',
        signatures: [{ type: 'approved-hash', owner: fixture.context.safe }],
        flows: [{ asset: 'native', amount: 50n * 10n ** 18n }],
      },
    ])
    const text = Describe.analysis(result, { org })
    expect(text).toContain('NOT an org Safe')
    expect(text).toContain(`signature: approved by ${fixture.context.safe} (v=1`)
  })

  it('answers hostile sizes with a result, never an exception', () => {
    for (const fixture of maliciousFixtures) {
      try {
        analyze({
          tx: fixture.tx,
          context: fixture.context,
          org: OrgConfig.parse(JSON.stringify(fixture.org)),
        })
      } catch (error) {
        expect(isBaseError(error)).toBe(true)
      }
    }
  })
})
