// Node-only: reads a policy directory from disk (the CLI's `airlock policy test` / `policy bundle`).

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Json } from '@airlock/errors'
import type * as Bundle from './Bundle.ts'
import type { CedarApi } from './Cedar.ts'
import { cedar as nodeCedar } from './cedar.node.ts'
import { InvalidPolicyTestError } from './errors.ts'
import * as OrgConfig from './OrgConfig.ts'
import * as PolicyTest from './PolicyTest.ts'

/** A policy directory: `*.cedar` policy files, `org.json`, and test files `tests/*.json`. */
export type PolicyDir = {
  dir: string
  policies: Record<string, string>
  /** org.json as JSON (what a bundle carries). */
  orgJson: Bundle.Json
  org: OrgConfig.OrgConfig
  /** tests/*.json as JSON, by file name. */
  tests: Record<string, Bundle.Json>
}

/**
 * Loads a policy directory. Throws `Policy.InvalidPolicyTestError` when pieces are missing or not
 * JSON, `Policy.InvalidOrgConfigError` for a bad org.json.
 *
 * @example
 * const { policies, orgJson, tests } = loadPolicyDir('policies/treasury-default')
 * Bundle.create({ version: 1, policies, org: orgJson, tests })
 */
export function loadPolicyDir(dir: string): PolicyDir {
  const entries = listDir(dir)
  const policies: Record<string, string> = {}
  for (const name of entries.filter((e) => e.endsWith('.cedar')).sort()) {
    policies[name] = readFileSync(join(dir, name), 'utf8')
  }
  if (Object.keys(policies).length === 0) {
    throw new InvalidPolicyTestError(`No *.cedar files in ${dir}.`, { hint: 'Point at a policy directory.' })
  }
  if (!entries.includes('org.json')) {
    throw new InvalidPolicyTestError(`No org.json in ${dir}.`, { hint: 'Add the org config as org.json.' })
  }
  const orgJson = readJson(join(dir, 'org.json')) as Bundle.Json
  const tests: Record<string, Bundle.Json> = {}
  const testsDir = join(dir, 'tests')
  if (entries.includes('tests') && statSync(testsDir).isDirectory()) {
    for (const name of listDir(testsDir)
      .filter((e) => e.endsWith('.json'))
      .sort()) {
      tests[name] = readJson(join(testsDir, name)) as Bundle.Json
    }
  }
  return { dir, policies, orgJson, org: OrgConfig.parse(orgJson), tests }
}

/**
 * Runs a policy directory's example tests (`airlock policy test <dir>`): validates the policies
 * against the schema (diagnostics in `validation`), then checks every case.
 *
 * @example
 * const result = runPolicyTests('policies/treasury-default')
 * process.exitCode = result.failed === 0 && result.validation.valid ? 0 : 1
 */
export function runPolicyTests(dir: string, { cedar = nodeCedar }: { cedar?: CedarApi | undefined } = {}) {
  const loaded = loadPolicyDir(dir)
  const files = Object.fromEntries(
    Object.entries(loaded.tests).map(([name, json]) => [name, parseTest(name, json)]),
  )
  return { dir, ...PolicyTest.run({ cedar, policies: loaded.policies, org: loaded.org, files }) }
}

function parseTest(name: string, json: unknown): PolicyTest.TestFile {
  try {
    return PolicyTest.parse(json)
  } catch (error) {
    if (error instanceof InvalidPolicyTestError) {
      throw new InvalidPolicyTestError(`${name}: ${error.shortMessage}`, { hint: error.hint, cause: error })
    }
    throw error
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch (cause) {
    throw new InvalidPolicyTestError(`Cannot read the policy directory ${dir}.`, {
      hint: 'Check the path.',
      cause,
    })
  }
}

function readJson(path: string): unknown {
  try {
    return Json.parse(readFileSync(path, 'utf8'), { what: path })
  } catch (cause) {
    throw new InvalidPolicyTestError(`${path} is not readable JSON.`, {
      hint: 'Fix the JSON syntax.',
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
}
