import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MultiSend } from '@airlock/safe'
import { encodeFunctionData, erc20Abi, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { runCli } from '../testing.ts'

const safe = '0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4'
const base = ['safe', 'decode', '--chain-id', '1', '--safe', safe, '--safe-version', '1.4.1', '--json']
const usdc = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const alice = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
const transfer = (amount: bigint) =>
  encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [alice, amount] })

describe('airlock safe decode', () => {
  it('classifies a Bybit-shaped delegatecall as existential with a critical finding', async () => {
    const { code, stdout } = await runCli([
      ...base,
      '--to',
      '0x96221423681A6d52E184D440a8eFCEbB105C7242',
      '--operation',
      '1',
      '--data',
      transfer(0n),
    ])
    expect(code).toBe(0)
    const out = JSON.parse(stdout)
    expect(out.tier).toBe('existential')
    expect(out.findings[0]).toMatchObject({ code: 'delegatecall-untrusted', severity: 'critical' })
    expect(out.calls.operation).toBe(1)
  })

  it('finds an owner change hidden as the third call of a MultiSendCallOnly batch', async () => {
    const addOwner = encodeFunctionData({
      abi: parseAbi(['function addOwnerWithThreshold(address owner, uint256 threshold)']),
      args: [alice, 1n],
    })
    const data = MultiSend.encode([
      { operation: 0, to: usdc, value: 0n, data: transfer(1n) },
      { operation: 0, to: usdc, value: 0n, data: transfer(2n) },
      { operation: 0, to: safe, value: 0n, data: addOwner },
    ])
    const { stdout } = await runCli([
      ...base,
      '--to',
      '0x9641d764fc13c8B624c04430C7356C1C7C8102e2',
      '--operation',
      '1',
      '--data',
      data,
    ])
    const out = JSON.parse(stdout)
    expect(out.tier).toBe('existential')
    expect(out.findings.map((f: { code: string }) => f.code)).toContain('safe-owner-change')
    expect(out.calls.children).toHaveLength(3)
    expect(out.calls.children[2].function.name).toBe('addOwnerWithThreshold')
  })

  it('uses the org configuration for large transfers and prints a readable review', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-org-'))
    const org = join(dir, 'org.json')
    // The org config format of a policy bundle's org.json: USDC is "large" above 1,000 USDC.
    writeFileSync(
      org,
      JSON.stringify({
        name: 'test org',
        safes: [
          { name: 'treasury', address: safe, chainId: 1, version: '1.4.1', owners: [alice], threshold: 1 },
        ],
        assets: [
          { id: 'USDC', chainId: 1, address: usdc, decimals: 6, policyDecimals: 0, large: '1000000000' },
        ],
        admins: { addresses: [alice], threshold: 1 },
      }),
    )
    const large = await runCli([...base, '--to', usdc, '--data', transfer(5_000_000_000n), '--org', org])
    expect(JSON.parse(large.stdout).tier).toBe('critical')
    const small = await runCli([...base, '--to', usdc, '--data', transfer(5n), '--org', org])
    expect(JSON.parse(small.stdout).tier).toBe('routine')

    const text = await runCli(
      base.filter((a) => a !== '--json').concat(['--to', usdc, '--data', transfer(5n)]),
    )
    expect(text.stdout).toContain('Tier: ROUTINE')
    expect(text.stdout).toMatch(/Domain hash {3}0x[0-9A-F]{64}/)
    expect(text.stdout).toContain('transfer(to: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed, amount: 5)')
  })

  it('flags a truncated MultiSend as Critical and refuses a broken org file in one line', async () => {
    const packed = MultiSend.encodePacked([{ operation: 0, to: usdc, value: 0n, data: transfer(1n) }])
    // The last inner call claims more data bytes than the batch holds.
    const data = encodeFunctionData({
      abi: parseAbi(['function multiSend(bytes transactions)']),
      args: [packed.slice(0, -20) as `0x${string}`],
    })
    const truncated = await runCli([
      ...base,
      '--to',
      '0x9641d764fc13c8B624c04430C7356C1C7C8102e2',
      '--operation',
      '1',
      '--data',
      data,
    ])
    // The decoder reads a batch that does not re-encode byte for byte as an unknown node (it never
    // throws on calldata): Critical, with the finding that says why.
    expect(truncated.code, truncated.stderr).toBe(0)
    expect(JSON.parse(truncated.stdout)).toMatchObject({
      tier: 'critical',
      findings: [expect.objectContaining({ code: 'non-canonical-encoding' })],
    })

    const dir = mkdtempSync(join(tmpdir(), 'airlock-org-'))
    const org = join(dir, 'org.json')
    writeFileSync(org, '{"largeThresholds": ')
    const broken = await runCli([...base, '--to', usdc, '--org', org])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toContain(`The org configuration file ${org} is not valid JSON.`)
  })
})
