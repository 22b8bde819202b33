import { isBaseError } from '@airlock/errors'
import type { CedarApi } from './Cedar.ts'
import * as Engine from './Engine.ts'
import { InvalidPolicyTestError } from './errors.ts'
import * as Facts from './Facts.ts'
import type * as OrgConfig from './OrgConfig.ts'
import { get, reader } from './parse.ts'

/**
 * A policy test file (JSON):
 * ```json
 * { "description": "…",
 *   "defaults": { …facts shared by every case… },
 *   "cases": [ { "name": "…", "facts": { …merged over defaults… },
 *                "expect": { "decision": "deny", "reasons": ["set.policy-id"] } } ] }
 * ```
 * Facts are `Facts.fromJson` input. Objects merge deeply over `defaults`; lists replace.
 * `reasons`, when given, must equal the set of reason ids exactly (default deny is
 * `airlock.default-deny`).
 */
export type TestCase = {
  name: string
  facts: unknown
  expect: { decision: 'allow' | 'deny'; reasons: readonly string[] | undefined }
}

export type TestFile = { description: string; cases: readonly TestCase[] }

export type CaseResult = {
  file: string
  name: string
  passed: boolean
  expected: TestCase['expect']
  /** Undefined when the facts did not parse. */
  actual: { decision: 'allow' | 'deny'; reasons: readonly Engine.Reason[] } | undefined
  problems: readonly string[]
}

export type RunResult = {
  passed: number
  failed: number
  /** Diagnostics of the policy set; when it is invalid no case runs and every case counts as failed. */
  validation: Engine.Validation
  cases: readonly CaseResult[]
}

const read = reader(InvalidPolicyTestError, 'The policy test file')

/**
 * Parses a test file from JSON, resolving `defaults` into every case's facts.
 *
 * @example
 * const file = PolicyTest.parse(JSON.parse(text))
 */
export function parse(json: unknown): TestFile {
  const o = read.object(json, 'the file')
  const defaults = get(o, 'defaults') ?? {}
  read.object(defaults, 'defaults')
  const cases = read.array(get(o, 'cases'), 'cases').map((item, i): TestCase => {
    const c = read.object(item, `cases[${i}]`)
    const expect = read.object(get(c, 'expect'), `cases[${i}].expect`)
    const decision = get(expect, 'decision')
    if (decision !== 'allow' && decision !== 'deny')
      read.fail(`cases[${i}].expect.decision`, 'is not allow or deny')
    const reasons = get(expect, 'reasons')
    return {
      name: read.string(get(c, 'name'), `cases[${i}].name`),
      facts: merge(defaults, get(c, 'facts') ?? {}),
      expect: {
        decision: decision as 'allow' | 'deny',
        reasons:
          reasons === undefined
            ? undefined
            : read
                .array(reasons, `cases[${i}].expect.reasons`)
                .map((r, j) => read.string(r, `cases[${i}].expect.reasons[${j}]`)),
      },
    }
  })
  return {
    description: typeof get(o, 'description') === 'string' ? (get(o, 'description') as string) : '',
    cases,
  }
}

export type RunParameters = {
  cedar: CedarApi
  policies: Readonly<Record<string, string>>
  org: OrgConfig.OrgConfig
  /** Test files by name (already parsed). */
  files: Readonly<Record<string, TestFile>>
}

/**
 * Validates the policies, then runs every case and compares decision and reason ids.
 *
 * @example
 * const result = PolicyTest.run({ cedar, policies, org, files: { 'tiers.json': PolicyTest.parse(json) } })
 * result.failed // 0
 */
export function run({ cedar, policies, org, files }: RunParameters): RunResult {
  const validation = Engine.validate({ cedar, policies })
  const all = Object.entries(files).flatMap(([file, test]) => test.cases.map((c) => ({ file, c })))
  if (!validation.valid) {
    const cases = all.map(({ file, c }) => ({
      file,
      name: c.name,
      passed: false,
      expected: c.expect,
      actual: undefined,
      problems: ['The policy set is invalid; see the diagnostics.'],
    }))
    return { passed: 0, failed: cases.length, validation, cases }
  }
  const engine = Engine.create({ cedar, policies, org })
  const cases = all.map(({ file, c }): CaseResult => {
    let facts: Facts.Facts
    try {
      facts = Facts.fromJson(c.facts)
    } catch (error) {
      if (!isBaseError(error)) throw error
      return {
        file,
        name: c.name,
        passed: false,
        expected: c.expect,
        actual: undefined,
        problems: [error.oneLine],
      }
    }
    const evaluation = engine.evaluate(facts)
    const problems: string[] = []
    if (evaluation.decision !== c.expect.decision) {
      problems.push(`expected ${c.expect.decision}, got ${evaluation.decision}`)
    }
    if (c.expect.reasons) {
      const actual = [...new Set(evaluation.reasons.map((r) => r.policyId))].sort()
      const expected = [...new Set(c.expect.reasons)].sort()
      if (actual.join('\n') !== expected.join('\n')) {
        problems.push(`expected reasons [${expected.join(', ')}], got [${actual.join(', ')}]`)
      }
    }
    for (const error of evaluation.errors)
      problems.push(`evaluation error in ${error.policyId ?? 'request'}: ${error.message}`)
    return {
      file,
      name: c.name,
      passed: problems.length === 0,
      expected: c.expect,
      actual: { decision: evaluation.decision, reasons: evaluation.reasons },
      problems,
    }
  })
  const passed = cases.filter((c) => c.passed).length
  return { passed, failed: cases.length - passed, validation, cases }
}

function merge(base: unknown, over: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
  if (!isObject(base) || !isObject(over)) return over
  const result: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) result[key] = merge(result[key], value)
  return result
}
