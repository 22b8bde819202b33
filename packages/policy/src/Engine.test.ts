import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
import * as Cedar from './Cedar.ts'
import { cedar } from './cedar.node.ts'
import * as Engine from './Engine.ts'
import * as Facts from './Facts.ts'
import * as OrgConfig from './OrgConfig.ts'
import { schemaText } from './schema.ts'

const dir = new URL('../../../policies/treasury-default/', import.meta.url)
const org = OrgConfig.parse(JSON.parse(readFileSync(new URL('org.json', dir), 'utf8')))
const policies = {
  'tiers.cedar': readFileSync(new URL('tiers.cedar', dir), 'utf8'),
  'rules.cedar': readFileSync(new URL('rules.cedar', dir), 'utf8'),
}
const owners = org.safes[0]!.owners
const usdc = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48'
const payroll = '0x0000000000000000000000000000000000002001'
const now = 1_767_268_800

const baseFacts = (patch: Record<string, unknown> = {}) =>
  Facts.fromJson({
    now,
    signer: { address: owners[0] },
    tier: 'routine',
    tx: { safe: org.safes[0]!.address, chainId: 1, nonce: 1, to: usdc },
    calls: [{ to: usdc, selector: '0xa9059cbb', method: 'transfer' }],
    outflows: [{ asset: usdc, amount: '25000000000', to: payroll }],
    ...patch,
  })

describe('Engine.validate', () => {
  test('the Airlock schema parses and the example policies validate', () => {
    expect(cedar.checkParseSchema(schemaText)).toEqual({ type: 'success' })
    const result = Engine.validate({ cedar, policies })
    expect(result.diagnostics).toEqual([])
    expect(result.valid).toBe(true)
    expect(result.policies.find((p) => p.id === 'treasury.no-gas-refund')).toMatchObject({
      file: 'rules.cedar',
      effect: 'forbid',
      reason: 'Transactions that pay a gas refund (gasPrice > 0) are refused.',
    })
  })

  test("a policy that fails schema validation is rejected with Cedar's own diagnostic", () => {
    const bad =
      '// comment\n\n@id("x.bad")\n@reason("uses a field that does not exist")\nforbid (principal, action, resource)\nwhen { resource.tierr == "routine" };\n'
    const result = Engine.validate({ cedar, policies: { ...policies, 'bad.cedar': bad } })
    expect(result.valid).toBe(false)
    const [diagnostic] = result.diagnostics
    expect(diagnostic).toMatchObject({ origin: 'cedar', file: 'bad.cedar', line: 6, policyId: 'x.bad' })
    expect(Engine.formatDiagnostic(diagnostic!)).toMatchInlineSnapshot(
      `"bad.cedar:6 [x.bad] for policy \`x.bad\`, attribute \`tierr\` on entity type \`Airlock::SafeTx\` not found (did you mean \`tier\`?)"`,
    )
    expect(() => Engine.create({ cedar, policies: { 'bad.cedar': bad }, org })).toThrow(
      expect.objectContaining({ name: 'Policy.InvalidPolicySetError' }),
    )
  })

  test('validated: an already verified bundle skips only the schema validation; it decides the same', () => {
    const facts = baseFacts({ tx: { safe: org.safes[0]!.address, chainId: 1, to: usdc, gasPrice: '1' } })
    const trusted = Engine.create({ cedar, policies, org, validated: true })
    const full = Engine.create({ cedar, policies, org })
    expect(trusted.policies).toEqual(full.policies)
    expect(trusted.evaluate(facts)).toEqual(full.evaluate(facts))
    expect(trusted.evaluate(baseFacts()).decision).toBe(full.evaluate(baseFacts()).decision)
    // Airlock's own rules are still read: a policy without @id is refused even when marked validated.
    const noId = '@reason("r") forbid (principal, action, resource);'
    expect(() => Engine.create({ cedar, policies: { 'a.cedar': noId }, org, validated: true })).toThrow(
      expect.objectContaining({ name: 'Policy.InvalidPolicySetError' }),
    )
  })

  test('unsafe tag access is a validation error (amounts must be guarded with hasTag)', () => {
    const text =
      '@id("x.tag") @reason("r") forbid (principal, action, resource) when { resource.getTag("USDC") > 5 };'
    const result = Engine.validate({ cedar, policies: { 'a.cedar': text } })
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('unable to guarantee safety of access to tag'),
    ])
  })

  test("Airlock's own rules: @id and @reason required, ids unique and not reserved, parse errors verbatim", () => {
    const cases = {
      'noid.cedar': '@reason("r") permit (principal, action, resource);',
      'noreason.cedar': '@id("x.a") permit (principal, action, resource);',
      'dup.cedar': '@id("x.a") @reason("r") permit (principal, action, resource);',
      'reserved.cedar':
        '@id("airlock.core.breaker-tripped") @reason("r") permit (principal, action, resource);',
      'syntax.cedar':
        '@id("x.s") @reason("r") permit (principal, action, resource) when { resource.tier == };',
    }
    const result = Engine.validate({ cedar, policies: cases })
    expect(result.valid).toBe(false)
    expect(result.diagnostics.map((d) => `${d.origin} ${d.file}: ${d.message}`)).toMatchInlineSnapshot(`
      [
        "airlock noid.cedar: A policy has no valid @id annotation: @reason("r") permit (principal, action, resource);…",
        "airlock noreason.cedar: Policy "x.a" has no @reason annotation.",
        "airlock noreason.cedar: Policy id "x.a" is used twice.",
        "airlock reserved.cedar: Policy id "airlock.core.breaker-tripped" is in the reserved airlock. space.",
        "cedar syntax.cedar: unexpected token \`}\`",
      ]
    `)
  })
})

describe('Engine.create / evaluate', () => {
  const engine = Engine.create({ cedar, policies, org })

  test('allows a routine payment and says which policy permitted it', () => {
    const result = engine.evaluate(baseFacts())
    expect(result.decision).toBe('allow')
    expect(result.reasons).toEqual([
      {
        policyId: 'treasury.owner-signs',
        effect: 'permit',
        message: "The signer is an owner of this Safe and the transaction meets its tier's requirements.",
      },
    ])
    expect(result.errors).toEqual([])
    // 25 000 USDC in whole dollars, tagged on the transaction.
    expect(result.request.entities.find((e) => e.uid.type === 'Airlock::SafeTx')?.tags).toEqual({
      USDC: 25_000,
    })
  })

  test('forbid wins over permit, and every forbid that matched is a reason', () => {
    const result = engine.evaluate(
      baseFacts({
        tx: { safe: org.safes[0]!.address, chainId: 1, to: usdc, gasPrice: '1' },
        signer: { address: owners[0], keyKind: 'software' },
      }),
    )
    expect(result.decision).toBe('deny')
    expect(result.reasons.map((r) => r.policyId).sort()).toEqual([
      'treasury.hardware-keys',
      'treasury.no-gas-refund',
    ])
  })

  test('default deny says so', () => {
    const result = engine.evaluate(
      baseFacts({ signer: { address: '0xe57bfe9f44b819898f47bf37e5af72a0783e1141' } }),
    )
    expect(result).toMatchObject({
      decision: 'deny',
      reasons: [{ policyId: 'airlock.default-deny', effect: 'forbid' }],
    })
  })

  test('approvals count distinct owners only, including the signer', () => {
    const outsider = '0xe57bfe9f44b819898f47bf37e5af72a0783e1141'
    const { derived } = Engine.toRequest(
      baseFacts({ attestations: [owners[1], owners[1], outsider, owners[0]] }),
      org,
    )
    expect(derived.approvers).toEqual([owners[0], owners[1]].sort())
    expect(derived.approvals).toBe(2)
  })

  test('an amount too large for Cedar is flagged and refused, never wrapped', () => {
    const huge = (2n ** 100n).toString()
    const result = engine.evaluate(baseFacts({ outflows: [{ asset: usdc, amount: huge, to: payroll }] }))
    expect(result.derived.amountOverflow).toBe(true)
    expect(result.decision).toBe('deny')
    expect(result.reasons.map((r) => r.policyId)).toContain('airlock.core.amount-overflow')
    expect(result.request.entities.find((e) => e.uid.type === 'Airlock::SafeTx')?.tags).toEqual({
      USDC: Number.MAX_SAFE_INTEGER,
    })
  })

  test('an evaluation error denies even when a permit matched (fail closed)', () => {
    // Overflowing arithmetic passes validation but errors at run time; Cedar would skip the forbid.
    const erroring =
      '@id("x.overflow") @reason("r") forbid (principal, action, resource) when { context.now * 9000000000000 > 0 };'
    const strict = Engine.create({ cedar, policies: { ...policies, 'x.cedar': erroring }, org })
    const result = strict.evaluate(baseFacts())
    expect(result.decision).toBe('deny')
    expect(result.reasons.map((r) => r.policyId)).toEqual(['airlock.evaluation-error'])
    expect(result.errors).toEqual([{ policyId: 'x.overflow', message: expect.stringContaining('overflow') }])
  })

  test('a request with more set elements than Cedar is handed is denied before Cedar sees it', () => {
    const calls = Array.from({ length: Engine.maxRequestElements + 1 }, (_, i) => ({
      to: `0x${(i + 1).toString(16).padStart(40, '0')}`,
      selector: '0xa9059cbb',
    }))
    const result = engine.evaluate(baseFacts({ calls }))
    expect(result.decision).toBe('deny')
    expect(result.reasons.map((r) => r.policyId)).toEqual(['airlock.request-too-large'])
  })

  test('an exception inside Cedar (a wasm RangeError) is a deny with the error named', () => {
    const throwing = {
      ...cedar,
      statefulIsAuthorized: (() => {
        throw new RangeError('Maximum call stack size exceeded')
      }) as typeof cedar.statefulIsAuthorized,
    }
    const result = Engine.create({ cedar: throwing, policies, org }).evaluate(baseFacts())
    expect(result.decision).toBe('deny')
    expect(result.reasons.map((r) => r.policyId)).toEqual(['airlock.evaluation-error'])
    expect(result.errors[0]?.message).toBe('Cedar threw RangeError')
  })

  test('malformed facts are a typed error', () => {
    expect(() => baseFacts({ tier: 'urgent' })).toThrowErrorMatchingInlineSnapshot(`
      [Policy.InvalidFactsError: The facts: tier is not one of emergency, routine, critical, existential.
      Fix tier and try again.]
    `)
    expect(() => baseFacts({ outflows: [{ asset: usdc, amount: '-5', to: payroll }] })).toThrow(
      expect.objectContaining({ name: 'Policy.InvalidFactsError' }),
    )
  })
})

describe('Cedar.fromWasm', () => {
  test('the web build, initialised from local bytes without fetch, decides the same', () => {
    const require = createRequire(import.meta.url)
    const wasmPath = require
      .resolve('@cedar-policy/cedar-wasm/nodejs')
      .replace(/nodejs[\\/]cedar_wasm\.js$/, 'web/cedar_wasm_bg.wasm')
    const web = Cedar.fromWasm({ wasm: new Uint8Array(readFileSync(wasmPath)) })
    expect(web.getCedarVersion()).toBe(cedar.getCedarVersion())
    const facts = baseFacts({ tx: { safe: org.safes[0]!.address, chainId: 1, to: usdc, gasPrice: '1' } })
    const a = Engine.create({ cedar: web, policies, org }).evaluate(facts)
    const b = Engine.create({ cedar, policies, org }).evaluate(facts)
    expect(a.decision).toBe('deny')
    expect(a.reasons).toEqual(b.reasons)
  })

  test('garbage bytes are a typed error', () => {
    expect(() => Cedar.fromWasm({ wasm: new Uint8Array([0, 1, 2, 3]) })).toThrow(
      expect.objectContaining({ name: 'Policy.CedarLoadError' }),
    )
  })
})
