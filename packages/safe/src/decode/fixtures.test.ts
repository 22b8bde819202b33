import type { Abi } from 'viem'
import { describe, expect, it } from 'vitest'
import { badInputFixtures, decodingFixtures, type ExpectedCall } from '../fixtures/decoding.ts'
import { analyze } from './analyze.ts'
import type * as Calls from './Calls.ts'
import * as OrgConfig from './OrgConfig.ts'

// The projection a fixture's expected call is compared with (toMatchObject: only given keys count,
// arrays must have the same length).
function project(call: Calls.Call): ExpectedCall & Record<string, unknown> {
  return {
    kind: call.kind,
    ...(call.kind === 'unknown' ? { reason: call.reason } : {}),
    to: call.to,
    operation: call.operation,
    origin: call.origin,
    sender: call.sender,
    value: call.value,
    ...(call.label !== undefined ? { label: call.label } : {}),
    ...(call.kind === 'function'
      ? { signature: call.function.signature, source: call.function.source, args: { ...call.function.named } }
      : {}),
    action: { ...call.action },
    children: call.children.map(project),
  }
}

describe('decoding fixtures', () => {
  it('has unique names', () => {
    const names = decodingFixtures.map((fixture) => fixture.name)
    expect(new Set(names).size).toBe(names.length)
  })

  for (const fixture of decodingFixtures) {
    it(`${fixture.name}: ${fixture.description}`, () => {
      const result = analyze({
        tx: fixture.tx,
        context: fixture.context,
        org: fixture.org ? OrgConfig.parse(JSON.stringify(fixture.org)) : undefined,
        abis: fixture.abis as { global?: Abi; byAddress?: Record<string, Abi> } | undefined,
      })
      expect(project(result.calls)).toMatchObject(fixture.expect.calls)
      expect(result.findings.map((finding) => finding.code)).toEqual(fixture.expect.findings)
      expect(result.tier).toBe(fixture.expect.tier)
      expect(result.tierReasons.length).toBeGreaterThan(0)
      expect(result.tierReasons[0]?.tier).toBe(fixture.expect.tier)
      if (fixture.expect.assets) {
        const totals = Object.fromEntries(result.assets.map((outflow) => [outflow.asset, outflow.total]))
        expect(totals).toEqual(fixture.expect.assets)
      }
    })
  }
})

describe('bad input fixtures', () => {
  for (const fixture of badInputFixtures) {
    it(`${fixture.name} → ${fixture.error}`, () => {
      let thrown: unknown
      try {
        analyze({ tx: fixture.tx, context: fixture.context })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(Error)
      expect((thrown as Error).name).toBe(fixture.error)
      expect((thrown as { hint?: unknown }).hint).toEqual(expect.any(String))
    })
  }
})
