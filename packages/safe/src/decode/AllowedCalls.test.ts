import { type Address, encodeFunctionData, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { analyze } from './analyze.ts'
import * as Describe from './Describe.ts'
import * as OrgConfig from './OrgConfig.ts'

const SAFE: Address = '0x1c694Fc3006D81ff4a56F97E1b99529066a23725'
const ROUTER: Address = '0xE592427A0AEce92De3Edee1F18E0157C05861564'
const USDC: Address = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const WETH: Address = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2'
const ATTACKER: Address = '0x00000000219ab540356cBB839Cbe05303d7705Fa'
const context = { chainId: 1n, safe: SAFE, version: '1.4.1' }
const routerAbi = parseAbi([
  'struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 deadline; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
  'function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)',
])
const swap = (recipient: Address, amountIn = 2_500_500_000n) =>
  encodeFunctionData({
    abi: routerAbi,
    functionName: 'exactInputSingle',
    args: [
      {
        tokenIn: USDC,
        tokenOut: WETH,
        fee: 500,
        recipient,
        deadline: 1_900_000_000n,
        amountIn,
        amountOutMinimum: 10n ** 18n,
        sqrtPriceLimitX96: 0n,
      },
    ],
  })
const org = OrgConfig.parse({
  knownContracts: [
    { address: USDC, label: 'USDC', standard: 'erc20', decimals: 6 },
    { address: WETH, label: 'WETH', standard: 'erc20', decimals: 18 },
    { address: ROUTER, label: 'Uniswap V3 router' },
  ],
  abis: { byAddress: { [ROUTER]: routerAbi } },
  allowedCalls: [
    {
      name: 'USDC→WETH swap to the treasury',
      target: ROUTER,
      signature: 'exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))',
      constraints: [
        { arg: 'params.recipient', equals: '$safe' },
        { arg: 'params.amountIn', max: '10000000000' },
      ],
    },
  ],
})

describe('allowed calls and full arguments', () => {
  it('a swap to the Safe within bounds is an allowed call with every constraint met', () => {
    const result = analyze({ tx: { to: ROUTER, data: swap(SAFE) }, context, org })
    expect(result.calls.effect).toMatchObject({
      kind: 'allowed-call',
      rule: 'USDC→WETH swap to the treasury',
      constraints: [
        { arg: 'params.recipient', ok: true },
        { arg: 'params.amountIn', ok: true },
      ],
    })
    expect(result.findings.map((f) => f.code)).toEqual([])
  })

  it('a swap whose recipient is not the Safe violates its constraint (Critical)', () => {
    const result = analyze({ tx: { to: ROUTER, data: swap(ATTACKER) }, context, org })
    expect(result.calls.effect).toMatchObject({
      kind: 'allowed-call',
      constraints: [{ ok: false }, { ok: true }],
    })
    expect(result.findings.map((f) => f.code)).toEqual(['allowed-call-violation'])
    expect(result.tier).toBe('critical')
    const over = analyze({ tx: { to: ROUTER, data: swap(SAFE, 10n ** 11n) }, context, org })
    expect(over.findings.map((f) => f.code)).toEqual(['allowed-call-violation'])
  })

  it('without an allow-list entry the same call is unknown (default deny)', () => {
    const bare = OrgConfig.parse({ abis: { byAddress: { [ROUTER]: routerAbi } } })
    const result = analyze({ tx: { to: ROUTER, data: swap(SAFE) }, context, org: bare })
    expect(result.calls.effect).toEqual({ kind: 'unknown', reason: 'no-known-effect' })
  })

  it('shows a struct argument in full, with labels and amounts in the asset’s units', () => {
    const result = analyze({ tx: { to: ROUTER, data: swap(ATTACKER) }, context, org })
    const lines = Describe.argumentLines({ call: result.calls, safe: SAFE, org })
    expect(lines.map((l) => l.path)).toEqual([
      'params.tokenIn',
      'params.tokenOut',
      'params.fee',
      'params.recipient',
      'params.deadline',
      'params.amountIn',
      'params.amountOutMinimum',
      'params.sqrtPriceLimitX96',
    ])
    expect(lines[0]).toMatchObject({ value: USDC, label: 'USDC' })
    expect(lines[3]).toMatchObject({ value: ATTACKER, label: undefined })
    expect(lines[5]).toMatchObject({ value: '2500500000', units: '2500.5 USDC' })
    expect(lines[6]).toMatchObject({ units: '1 WETH' })
    const text = Describe.analysis(result, { org })
    expect(text).toContain(`params.recipient: ${ATTACKER}`)
    expect(text).toContain('params.amountIn: 2500500000 = 2500.5 USDC')
  })

  it('refuses allow-list entries that would constrain nothing or name no function', () => {
    expect(() =>
      OrgConfig.parse({
        allowedCalls: [{ target: ROUTER, selector: '0x414bf389', constraints: [{ arg: 'x' }] }],
      }),
    ).toThrow(/constrains nothing/)
    expect(() => OrgConfig.parse({ allowedCalls: [{ target: ROUTER }] })).toThrow(/exactly one of selector/)
  })
})
