import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import * as Engine from './Engine.ts'
import { loadPolicyDir, runPolicyTests } from './policyDir.node.ts'

const policiesRoot = new URL('../../../policies/', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'airlock-policy-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('runPolicyTests on the shipped example sets', () => {
  test.each(['treasury-default', 'cold-vault'])('%s passes all of its example tests', (name) => {
    const result = runPolicyTests(join(policiesRoot, name))
    expect(result.validation.diagnostics).toEqual([])
    expect(result.cases.filter((c) => !c.passed).map((c) => `${c.name}: ${c.problems.join('; ')}`)).toEqual(
      [],
    )
    expect(result.passed).toBeGreaterThanOrEqual(15)
    expect(result.failed).toBe(0)
  })
})

describe('runPolicyTests catches mistakes', () => {
  test('a policy that fails schema validation is rejected with Cedar diagnostics, and no case passes', () => {
    const dir = join(scratch, 'bad-schema')
    cpSync(join(policiesRoot, 'treasury-default'), dir, { recursive: true })
    writeFileSync(
      join(dir, 'extra.cedar'),
      '@id("extra.typo")\n@reason("a typo in an attribute name")\nforbid (principal, action, resource)\nwhen { context.approvalz < 2 };\n',
    )
    const result = runPolicyTests(dir)
    expect(result.validation.valid).toBe(false)
    expect(result.validation.diagnostics.map(Engine.formatDiagnostic)).toMatchInlineSnapshot(`
      [
        "extra.cedar:4 [extra.typo] for policy \`extra.typo\`, attribute \`approvalz\` in context for Airlock::Action::"Attest" not found (did you mean \`approvals\`?)",
        "extra.cedar:4 [extra.typo] for policy \`extra.typo\`, attribute \`approvalz\` in context for Airlock::Action::"SignSafeTx" not found (did you mean \`approvals\`?)",
      ]
    `)
    expect(result.passed).toBe(0)
    expect(result.failed).toBe(result.cases.length)
  })

  test('a wrong expectation fails with what was expected and what happened', () => {
    const dir = join(scratch, 'wrong-expectation')
    cpSync(join(policiesRoot, 'treasury-default'), dir, { recursive: true })
    const file = join(dir, 'tests', 'examples.json')
    const tests = JSON.parse(readFileSync(file, 'utf8'))
    tests.cases[0].expect = { decision: 'deny', reasons: ['treasury.no-gas-refund'] }
    writeFileSync(file, JSON.stringify(tests))
    const result = runPolicyTests(dir)
    expect(result.failed).toBe(1)
    expect(result.cases[0]?.problems).toEqual([
      'expected deny, got allow',
      'expected reasons [treasury.no-gas-refund], got [treasury.owner-signs]',
    ])
  })

  test('missing pieces and bad JSON are typed errors', () => {
    expect(() => loadPolicyDir(join(scratch, 'nowhere'))).toThrow(
      expect.objectContaining({ name: 'Policy.InvalidPolicyTestError' }),
    )
    const dir = join(scratch, 'bad-json')
    cpSync(join(policiesRoot, 'cold-vault'), dir, { recursive: true })
    writeFileSync(join(dir, 'tests', 'broken.json'), '{ "cases": [')
    expect(() => runPolicyTests(dir)).toThrow(
      expect.objectContaining({ name: 'Policy.InvalidPolicyTestError' }),
    )
    writeFileSync(
      join(dir, 'tests', 'broken.json'),
      '{ "cases": [{ "name": "x", "expect": { "decision": "maybe" } }] }',
    )
    expect(() => runPolicyTests(dir)).toThrow(/broken.json: .*decision is not allow or deny/)
  })
})
