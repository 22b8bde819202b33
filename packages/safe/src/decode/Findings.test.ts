import fc from 'fast-check'
import { type Address, encodeFunctionData, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { decodingFixtures, SAFE } from '../fixtures/decoding.ts'
import { analyze } from './analyze.ts'
import * as Findings from './Findings.ts'
import * as OrgConfig from './OrgConfig.ts'

const context = { chainId: 1n, safe: SAFE, version: '1.4.1' }
const STRANGER: Address = '0x00000000219ab540356cBB839Cbe05303d7705Fa'
const USDC: Address = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const transfer = encodeFunctionData({
  abi: parseAbi(['function transfer(address to, uint256 amount)']),
  functionName: 'transfer',
  args: [STRANGER, 1n],
})
const codes = (findings: readonly Findings.Finding[]) => findings.map((finding) => finding.code)

describe('Findings', () => {
  it('reports each gas-refund field on its own', () => {
    for (const field of [{ gasPrice: 1n }, { gasToken: USDC }, { refundReceiver: STRANGER }]) {
      const { findings } = analyze({ tx: { to: USDC, data: transfer, ...field }, context })
      expect(codes(findings)).toContain('gas-refund')
      expect(findings.find((finding) => finding.code === 'gas-refund')?.path).toEqual([])
    }
    expect(
      codes(analyze({ tx: { to: USDC, data: transfer, safeTxGas: 5n, baseGas: 5n }, context }).findings),
    ).not.toContain('gas-refund')
  })

  it('trusts a delegatecall target only when pinned or added by the org', () => {
    const tx = { to: STRANGER, operation: 1, data: transfer }
    expect(codes(analyze({ tx, context }).findings)).toContain('delegatecall-untrusted')
    const org = OrgConfig.parse({
      trustedDelegatecallTargets: [{ address: STRANGER, label: 'Reviewed library' }],
    })
    const trusted = analyze({ tx, context, org })
    expect(codes(trusted.findings)).not.toContain('delegatecall-untrusted')
    expect(trusted.calls.label).toBe('Reviewed library')
    expect(Findings.trusted('0xA83c336B20401Af773B6219BA5027174338D1836')).toBe(true)
    expect(Findings.trusted('0x218543288004CD07832472D464648173c77D7eB7')).toBe(false) // MultiSend 1.5.0
  })

  it('explains the Bybit shape in words a signer can act on', () => {
    const bybit = decodingFixtures.find((fixture) => fixture.name === 'bybit-delegatecall')!
    const [first] = analyze({ tx: bybit.tx, context: bybit.context }).findings
    expect(first?.severity).toBe('critical')
    expect(first?.reason).toMatchInlineSnapshot(
      `"Call root delegatecalls 0x96221423681A6d52E184D440a8eFCEbB105C7242, which is not a pinned trusted library: its code runs with the Safe’s storage and can overwrite slot 0 (the singleton), as in the Bybit attack. Its calldata looks like transfer(address,uint256), which proves nothing about that code."`,
    )
  })

  it('sorts red first, then by position in the tree', () => {
    const finding = fc.record({
      code: fc.constantFrom(...(Object.keys(Findings.codes) as Findings.Code[])),
      path: fc.array(fc.nat({ max: 5 }), { maxLength: 3 }),
    })
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 20 }), (raw) => {
        const sorted = Findings.sort(
          raw.map(({ code, path }) => ({ code, severity: Findings.codes[code], reason: '', path })),
        )
        expect(sorted).toHaveLength(raw.length)
        for (let i = 1; i < sorted.length; i++) {
          const a = Findings.severities.indexOf(sorted[i - 1]!.severity)
          const b = Findings.severities.indexOf(sorted[i]!.severity)
          expect(a).toBeLessThanOrEqual(b)
        }
      }),
    )
  })

  it('gives every finding of every fixture a known code, its severity and a reason', () => {
    for (const fixture of decodingFixtures) {
      const org = fixture.org ? OrgConfig.parse(fixture.org) : undefined
      for (const finding of analyze({ tx: fixture.tx, context: fixture.context, org }).findings) {
        expect(finding.severity).toBe(Findings.codes[finding.code])
        expect(finding.reason.length).toBeGreaterThan(20)
      }
    }
  })
})
