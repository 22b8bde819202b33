import { isBaseError } from '@airlock/errors'
import type { Abi } from 'viem'
import { describe, expect, it } from 'vitest'
import { maliciousFixtures } from '../fixtures/malicious.ts'
import { analyze } from './analyze.ts'
import * as Effects from './Effects.ts'
import * as OrgConfig from './OrgConfig.ts'

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
