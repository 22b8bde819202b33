import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  maxUint256,
  parseAbi,
  parseAbiParameters,
} from 'viem'
import { describe, expect, it } from 'vitest'
import { decodingFixtures } from '../fixtures/decoding.ts'
import { analyze } from './analyze.ts'
import * as Effects from './Effects.ts'
import * as OrgConfig from './OrgConfig.ts'

const SAFE: Address = '0x1c694Fc3006D81ff4a56F97E1b99529066a23725'
const OTHER_SAFE: Address = '0x8f9C2cb2d4Cf7Db3A7Ba4dD6Eb1D7c3c9d1E2F30'
const DAI: Address = '0x6B175474E89094C44Da98b954EedeAC495271d0F'
const LINK: Address = '0x514910771AF9Ca656af840dff83E8264EcF986CA'
const BAYC: Address = '0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D'
const ATTACKER: Address = '0x00000000219ab540356cBB839Cbe05303d7705Fa'
const context = { chainId: 1n, safe: SAFE, version: '1.4.1' }
const org = OrgConfig.parse({
  knownContracts: [
    { address: DAI, label: 'DAI', standard: 'erc20', decimals: 18 },
    { address: LINK, label: 'LINK', standard: 'erc20', decimals: 18 },
    { address: BAYC, label: 'BAYC', standard: 'erc721' },
  ],
  safes: [{ address: SAFE, label: 'Treasury' }],
})
const abi = parseAbi([
  'function push(address usr, uint256 wad)',
  'function move(address src, address dst, uint256 wad)',
  'function transferAndCall(address to, uint256 value, bytes data)',
  'function approve(address spender, uint256 amount)',
  'function setApprovalForAll(address operator, bool approved)',
  'function rely(address usr)',
  'function execTransactionFromModule(address to, uint256 value, bytes data, uint8 operation)',
])
const run = (to: Address, data: `0x${string}`, value = 0n) =>
  analyze({ tx: { to, data, value }, context, org })

describe('Effects', () => {
  it('DAI push and move are outflows of the Safe', () => {
    const push = run(DAI, encodeFunctionData({ abi, functionName: 'push', args: [ATTACKER, 5n] }))
    expect(push.calls.effect).toMatchObject({
      kind: 'outflow',
      transfers: [{ from: SAFE, to: ATTACKER, amount: 5n }],
    })
    expect(Effects.outflowFacts(push)).toEqual([
      expect.objectContaining({
        asset: DAI.toLowerCase(),
        amount: 5n,
        to: ATTACKER.toLowerCase(),
        kind: 'transfer',
      }),
    ])
    const move = run(DAI, encodeFunctionData({ abi, functionName: 'move', args: [SAFE, ATTACKER, 7n] }))
    expect(move.flows).toMatchObject([{ kind: 'transfer', asset: DAI, amount: 7n, safe: SAFE }])
  })

  it('LINK transferAndCall is an outflow', () => {
    const result = run(
      LINK,
      encodeFunctionData({ abi, functionName: 'transferAndCall', args: [ATTACKER, 10n ** 18n, '0x1234'] }),
    )
    expect(result.calls.effect.kind).toBe('outflow')
    expect(result.assets).toMatchObject([{ asset: LINK, transferred: 10n ** 18n }])
  })

  it('approve(spender, 0) is a revocation: an allowance effect with no flow', () => {
    const result = run(DAI, encodeFunctionData({ abi, functionName: 'approve', args: [ATTACKER, 0n] }))
    expect(result.calls.effect).toMatchObject({ kind: 'allowance', grants: [{ revoke: true, amount: 0n }] })
    expect(result.flows).toEqual([])
    const grant = run(DAI, encodeFunctionData({ abi, functionName: 'approve', args: [ATTACKER, 9n] }))
    expect(grant.flows).toMatchObject([{ kind: 'allowance', amount: 9n, to: ATTACKER }])
  })

  it('ERC-721 approve(0x0, id) clears a token approval: a revocation', () => {
    const zero = '0x0000000000000000000000000000000000000000'
    const clear = run(BAYC, encodeFunctionData({ abi, functionName: 'approve', args: [zero, 7n] }))
    expect(clear.calls.effect).toMatchObject({ kind: 'allowance', grants: [{ revoke: true }] })
    expect(clear.flows).toEqual([])
    const grant = run(BAYC, encodeFunctionData({ abi, functionName: 'approve', args: [ATTACKER, 7n] }))
    expect(grant.flows).toMatchObject([{ kind: 'allowance', standard: 'erc721', asset: BAYC, amount: 1n }])
  })

  it('setApprovalForAll(operator, true) is an unlimited allowance over the collection', () => {
    const result = run(
      BAYC,
      encodeFunctionData({ abi, functionName: 'setApprovalForAll', args: [ATTACKER, true] }),
    )
    expect(result.flows).toMatchObject([
      { kind: 'allowance', asset: BAYC, amount: maxUint256, unlimited: true },
    ])
  })

  it('a listed asset called with a function outside its standard is unknown, with a finding', () => {
    const result = run(DAI, encodeFunctionData({ abi, functionName: 'rely', args: [ATTACKER] }))
    expect(result.calls.effect).toEqual({ kind: 'unknown', reason: 'unknown-function-on-asset' })
    // setApprovalForAll is a known function, but not an ERC-20 one.
    const odd = run(
      DAI,
      encodeFunctionData({ abi, functionName: 'setApprovalForAll', args: [ATTACKER, true] }),
    )
    expect(odd.calls.effect).toEqual({ kind: 'unknown', reason: 'unknown-function-on-asset' })
    expect(odd.findings.map((f) => f.code)).toContain('unknown-function-on-asset')
    expect(odd.tier).toBe('critical')
    expect(odd.flows).toEqual([])
  })

  it('a module transaction on another Safe is nested execution, its value counted as the org’s', () => {
    const result = run(
      OTHER_SAFE,
      encodeFunctionData({
        abi,
        functionName: 'execTransactionFromModule',
        args: [ATTACKER, 50n * 10n ** 18n, '0x', 0],
      }),
    )
    expect(result.calls.effect).toEqual({
      kind: 'nested-execution',
      safe: OTHER_SAFE,
      via: 'module',
      inOrg: false,
    })
    expect(result.flows).toMatchObject([{ asset: 'native', amount: 50n * 10n ** 18n, safe: OTHER_SAFE }])
  })

  it('a timelock schedule and its execute carry the same operation id (hashOperation)', () => {
    const timelock = parseAbi([
      'function schedule(address target, uint256 value, bytes data, bytes32 predecessor, bytes32 salt, uint256 delay)',
      'function execute(address target, uint256 value, bytes payload, bytes32 predecessor, bytes32 salt)',
    ])
    const TIMELOCK: Address = '0x6d903f6003cca6255D85CcA4D3B5E5146dC33925'
    const payload = encodeFunctionData({ abi, functionName: 'rely', args: [ATTACKER] })
    const salt = `0x${'01'.repeat(32)}` as const
    const zero = `0x${'00'.repeat(32)}` as const
    const schedule = run(
      TIMELOCK,
      encodeFunctionData({
        abi: timelock,
        functionName: 'schedule',
        args: [DAI, 0n, payload, zero, salt, 172800n],
      }),
    )
    const execute = run(
      TIMELOCK,
      encodeFunctionData({ abi: timelock, functionName: 'execute', args: [DAI, 0n, payload, zero, salt] }),
    )
    const expected = keccak256(
      encodeAbiParameters(parseAbiParameters('address, uint256, bytes, bytes32, bytes32'), [
        DAI,
        0n,
        payload,
        zero,
        salt,
      ]),
    )
    expect(schedule.calls.effect).toEqual({ kind: 'timelock', op: 'schedule', operationId: expected })
    expect(execute.calls.effect).toEqual({ kind: 'timelock', op: 'execute', operationId: expected })
  })

  it('every benign decoding fixture (no findings) has only known effects', () => {
    // A function only a user ABI names has no known effect (default deny until allowedCalls names it).
    const benign = decodingFixtures.filter((f) => f.expect.findings.length === 0 && f.abis === undefined)
    expect(benign.length).toBeGreaterThan(5)
    for (const fixture of benign) {
      const result = analyze({
        tx: fixture.tx,
        context: fixture.context,
        org: fixture.org ? OrgConfig.parse(JSON.stringify(fixture.org)) : undefined,
      })
      const unknown = Effects.list(result.calls).filter((entry) => entry.effect.kind === 'unknown')
      expect({ name: fixture.name, unknown }).toEqual({ name: fixture.name, unknown: [] })
    }
  })

  it('Permit2 lockdown revokes allowances: no flow', () => {
    const PERMIT2: Address = '0x000000000022D473030F116dDEE9F6B43aC78BA3'
    const lockdown = parseAbi(['function lockdown((address token, address spender)[] approvals)'])
    const result = run(
      PERMIT2,
      encodeFunctionData({
        abi: lockdown,
        functionName: 'lockdown',
        args: [[{ token: DAI, spender: ATTACKER }]],
      }),
    )
    expect(result.calls.effect).toMatchObject({
      kind: 'allowance',
      grants: [{ standard: 'permit2', asset: DAI, spender: ATTACKER, revoke: true }],
    })
    expect(result.flows).toEqual([])
  })

  it('lists one effect per call node and describes every kind', () => {
    const result = run(ATTACKER, '0x', 1n)
    expect(Effects.list(result.calls)).toMatchObject([{ effect: { kind: 'outflow', transfers: [] } }])
    for (const kind of Effects.kinds) expect(typeof kind).toBe('string')
    expect(Effects.describe({ kind: 'unknown', reason: 'delegatecall' })).toBe('UNKNOWN (delegatecall)')
  })
})
