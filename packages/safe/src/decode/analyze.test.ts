import { describe, expect, it } from 'vitest'
import { decodingFixtures } from '../fixtures/decoding.ts'
import * as SafeTx from '../SafeTx.ts'
import * as Abis from './Abis.ts'
import { analysisToJson, analyze } from './analyze.ts'
import * as OrgConfig from './OrgConfig.ts'

const fixture = (name: string) => decodingFixtures.find((entry) => entry.name === name)!

describe('analyze', () => {
  it('accepts already validated values and loose input alike', () => {
    const { tx, context } = fixture('multisend-owner-change-third')
    const loose = analyze({ tx, context })
    const strict = analyze({ tx: SafeTx.from(tx), context: SafeTx.context(context) })
    expect(strict).toEqual(loose)
  })

  it('gives the same result with a prebuilt registry as with raw ABIs', () => {
    const { tx, context, org, abis } = fixture('timelock-schedule-batch-upgrade')
    const parsed = OrgConfig.parse(org)
    const raw = analyze({ tx, context, org: parsed, abis: abis as Abis.RegistryParameters })
    const prebuilt = analyze({
      tx,
      context,
      org: parsed,
      abis: Abis.registry(abis as Abis.RegistryParameters),
    })
    expect(prebuilt).toEqual(raw)
    // Without the user ABI the initialiser is an explicit unknown call, not a skipped one.
    const bare = analyze({ tx, context, org: parsed })
    expect(bare.calls.children[0]?.children[0]).toMatchObject({ kind: 'unknown', reason: 'unknown-selector' })
    expect(bare.findings.map((finding) => finding.code)).toContain('unknown-selector')
  })

  it('serialises to JSON with bigints as decimal strings', () => {
    const { tx, context, org } = fixture('native-transfer-unknown-large')
    const json = JSON.parse(analysisToJson(analyze({ tx, context, org: OrgConfig.parse(org) })))
    expect(json.tier).toBe('critical')
    expect(json.assets[0]).toMatchObject({ asset: 'native', total: '150000000000000000000' })
    expect(json.calls.value).toBe('150000000000000000000')
  })
})
