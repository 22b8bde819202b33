import { erc20Abi, erc721Abi, multicall3Abi } from 'viem'
import { describe, expect, it } from 'vitest'
import * as AbiJson from './AbiJson.ts'

const fn = (inputs: unknown[], extra: Record<string, unknown> = {}) => [
  { type: 'function', name: 'f', inputs, outputs: [], stateMutability: 'nonpayable', ...extra },
]

describe('AbiJson.parse', () => {
  it('accepts real ABIs as viem ships them (tuples, arrays, events, errors)', () => {
    for (const abi of [erc20Abi, erc721Abi, multicall3Abi])
      expect(AbiJson.parse(JSON.parse(JSON.stringify(abi)))).toEqual(abi)
    expect(
      AbiJson.parse([
        { type: 'constructor', inputs: [{ name: 'owner', type: 'address' }] },
        { type: 'receive', stateMutability: 'payable' },
        { type: 'fallback' },
        { type: 'error', name: 'Nope', inputs: [{ name: '', type: 'bytes32[2][]' }] },
        ...fn([
          {
            type: 'tuple[]',
            components: [
              { name: 'a', type: 'int8' },
              { name: 'b', type: 'bytes1' },
            ],
          },
        ]),
      ]),
    ).toHaveLength(5)
  })

  it.each([
    [
      'uint999',
      fn([{ type: 'uint999' }]),
      '[0].inputs[0].type "uint999" has a width outside 8..256 in steps of 8',
    ],
    ['uint7', fn([{ type: 'uint7' }]), 'has a width outside 8..256'],
    ['bytes33', fn([{ type: 'bytes33' }]), 'has a size outside 1..32'],
    ['bytes0', fn([{ type: 'bytes0' }]), 'is not a Solidity type'],
    ['address20', fn([{ type: 'address20' }]), 'is not a Solidity type'],
    ['uint08', fn([{ type: 'uint08' }]), 'is not a Solidity type'],
    ['unknown type', fn([{ type: 'money' }]), 'is not a Solidity type'],
    ['fixed array 0', fn([{ type: 'uint256[0]' }]), 'has a fixed array length outside'],
    ['huge fixed array', fn([{ type: 'uint256[100000000]' }]), 'has a fixed array length outside'],
    ['tuple without components', fn([{ type: 'tuple' }]), '[0].inputs[0].components is not a list'],
    ['components on a uint', fn([{ type: 'uint256', components: [] }]), 'is only allowed on tuple'],
    ['type missing', fn([{ name: 'x' }]), '[0].inputs[0].type is not text'],
    ['inputs not a list', fn('uint256' as never), '[0].inputs is not a list'],
    ['entry type', [{ type: 'method', name: 'f', inputs: [] }], '[0].type is not one of'],
    ['name', [{ type: 'function', name: 'f()', inputs: [] }], '[0].name is not a Solidity identifier'],
    ['mutability', fn([], { stateMutability: 'free' }), '[0].stateMutability is not one of'],
    [
      'indexed on a function',
      fn([{ type: 'uint256', indexed: true }]),
      'is only allowed on event parameters',
    ],
    ['not a list', { abi: [] }, 'the top level is not a list'],
    ['null entry', [null], '[0] is not an object'],
  ])('refuses %s', (_, abi, problem) => {
    expect(() => AbiJson.parse(abi, { what: 'The ABI file a.json' })).toThrowError(
      expect.objectContaining({
        name: 'Safe.InvalidFieldError',
        shortMessage: expect.stringContaining(problem),
      }),
    )
  })

  it('bounds tuple nesting', () => {
    let param: Record<string, unknown> = { type: 'uint256' }
    for (let i = 0; i < 40; i++) param = { type: 'tuple', components: [param] }
    expect(() => AbiJson.parse(fn([param]))).toThrowError(/nests tuples more than 16 deep/)
  })
})
