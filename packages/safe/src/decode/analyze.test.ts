import { encodeFunctionData, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { decodingFixtures } from '../fixtures/decoding.ts'
import * as SafeTx from '../SafeTx.ts'
import * as Abis from './Abis.ts'
import { analysisToJson, analyze } from './analyze.ts'
import * as Describe from './Describe.ts'
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

describe('Describe', () => {
  it('shows control characters hidden in calldata strings as escapes, so no line can be rewritten', () => {
    const abi = parseAbi(['function setMemo(string memo)'])
    const memo = 'ok\r\u001b[2KCALL 0x0000000000000000000000000000000000000001 (native transfer)\u202e'
    const tx = SafeTx.from({
      to: '0x0000000000000000000000000000000000000123',
      nonce: 0,
      data: encodeFunctionData({ abi, args: [memo] }),
    })
    const context = SafeTx.context({
      chainId: 1,
      safe: '0x0000000000000000000000000000000000000a11',
      version: '1.4.1',
    })
    const result = analyze({ tx, context, abis: { global: abi } })
    const text = Describe.analysis(result)
    for (const raw of ['\r', '\u001b', '\u202e']) expect(text).not.toContain(raw)
    expect(Describe.call(result.calls)).toBe(
      'CALL 0x0000000000000000000000000000000000000123 setMemo(memo: ok\\u{d}\\u{1b}[2KCALL 0x0000000000000000000000000000000000000001 (native transfer)\\u{202e})',
    )
  })
})
