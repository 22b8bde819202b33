// A JSON ABI from outside (an --abi file, a policy bundle) is checked entry by entry before the decoder
// trusts it: viem reads whatever it is given, so `uint999` or a tuple without components would only fail
// later, or not at all, while the review silently decodes less than the user meant.
import type { Abi } from 'viem'
import { InvalidFieldError } from '../errors.ts'

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const MUTABILITY = ['pure', 'view', 'nonpayable', 'payable']
const ENTRY_TYPES = ['function', 'event', 'error', 'constructor', 'fallback', 'receive']
/** Deepest tuple nesting and most array dimensions accepted (real contracts stay far below). */
const MAX_TUPLE_DEPTH = 16
const MAX_ARRAY_DIMENSIONS = 8
/** Largest fixed array length: a static T[N] is decoded word by word, so N bounds work. */
const MAX_FIXED_LENGTH = 65_535

export type ParseOptions = {
  /** Names the source in messages ("The ABI file abi.json"); default "The ABI". */
  what?: string | undefined
}

/**
 * Validates a JSON ABI's shape and every parameter type (`uint8`…`uint256` in steps of 8, `bytes1`…
 * `bytes32`, `tuple` with components, array suffixes) and returns it typed. Throws
 * `Safe.InvalidFieldError` naming the entry and field (`[2].inputs[0].type`).
 *
 * @example
 * const abi = AbiJson.parse(Json.parse(text), { what: 'The ABI file erc20.json' })
 * AbiJson.parse([{ type: 'function', name: 'f', inputs: [{ type: 'uint999' }] }]) // throws
 */
export function parse(json: unknown, { what = 'The ABI' }: ParseOptions = {}): Abi {
  const fail = (
    path: string,
    problem: string,
    hint = 'Export the ABI again from the compiler or a block explorer.',
  ): never => {
    throw new InvalidFieldError(`${what}: ${path} ${problem}.`, { hint })
  }
  if (!Array.isArray(json)) return fail('the top level', 'is not a list of ABI entries')
  for (const [i, entry] of json.entries()) checkEntry(entry, `[${i}]`, fail)
  return json as Abi
}

type Fail = (path: string, problem: string, hint?: string) => never

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function checkEntry(entry: unknown, path: string, fail: Fail): void {
  if (!isObject(entry)) fail(path, 'is not an object')
  const { type, name, inputs, outputs, stateMutability, anonymous } = entry
  if (typeof type !== 'string' || !ENTRY_TYPES.includes(type)) {
    fail(`${path}.type`, `is not one of ${ENTRY_TYPES.join(', ')}`)
  }
  if (stateMutability !== undefined && !MUTABILITY.includes(stateMutability as string)) {
    fail(`${path}.stateMutability`, `is not one of ${MUTABILITY.join(', ')}`)
  }
  if (anonymous !== undefined && typeof anonymous !== 'boolean')
    fail(`${path}.anonymous`, 'is not true or false')
  const named = type === 'function' || type === 'event' || type === 'error'
  if (named && (typeof name !== 'string' || !IDENTIFIER.test(name))) {
    fail(`${path}.name`, 'is not a Solidity identifier')
  }
  const hasInputs = named || type === 'constructor'
  if (hasInputs) checkParams(inputs ?? [], `${path}.inputs`, fail, 0, type === 'event')
  else if (inputs !== undefined) fail(`${path}.inputs`, `is not allowed on a ${type} entry`)
  if (type === 'function' && outputs !== undefined) checkParams(outputs, `${path}.outputs`, fail, 0, false)
}

function checkParams(params: unknown, path: string, fail: Fail, depth: number, event: boolean): void {
  if (!Array.isArray(params)) fail(path, 'is not a list of parameters')
  if (depth > MAX_TUPLE_DEPTH) fail(path, `nests tuples more than ${MAX_TUPLE_DEPTH} deep`)
  for (const [i, param] of params.entries()) {
    const at = `${path}[${i}]`
    if (!isObject(param)) fail(at, 'is not an object')
    const { type, name, components, indexed } = param
    if (name !== undefined && (typeof name !== 'string' || (name !== '' && !IDENTIFIER.test(name)))) {
      fail(`${at}.name`, 'is not a Solidity identifier')
    }
    if (indexed !== undefined && (!event || typeof indexed !== 'boolean')) {
      fail(`${at}.indexed`, event ? 'is not true or false' : 'is only allowed on event parameters')
    }
    if (typeof type !== 'string') fail(`${at}.type`, 'is not text')
    const problem = typeProblem(type)
    if (problem !== undefined) {
      fail(
        `${at}.type`,
        `"${type.slice(0, 60)}" ${problem}`,
        'Use a Solidity ABI type such as uint256, bytes32, address[] or tuple.',
      )
    }
    const isTuple = type.startsWith('tuple')
    if (isTuple) checkParams(components, `${at}.components`, fail, depth + 1, false)
    else if (components !== undefined) fail(`${at}.components`, 'is only allowed on tuple parameters')
  }
}

/** Why `type` is not an ABI type, or undefined when it is one. */
function typeProblem(type: string): string | undefined {
  const match = /^([a-z]+)(\d*)((?:\[\d*\])*)$/.exec(type)
  if (!match) return 'is not a Solidity type'
  const [, base, size, arrays] = match as unknown as [string, string, string, string]
  const dimensions = arrays.match(/\[\d*\]/g) ?? []
  if (dimensions.length > MAX_ARRAY_DIMENSIONS)
    return `has more than ${MAX_ARRAY_DIMENSIONS} array dimensions`
  for (const dimension of dimensions) {
    const length = dimension.slice(1, -1)
    if (length !== '' && (!/^[1-9]\d{0,5}$/.test(length) || Number(length) > MAX_FIXED_LENGTH)) {
      return `has a fixed array length outside 1..${MAX_FIXED_LENGTH}`
    }
  }
  const n = size === '' ? undefined : Number(size)
  if (size !== '' && size.startsWith('0')) return 'is not a Solidity type'
  switch (base) {
    case 'uint':
    case 'int':
      return n === undefined || (n >= 8 && n <= 256 && n % 8 === 0)
        ? undefined
        : 'has a width outside 8..256 in steps of 8'
    case 'bytes':
      return n === undefined || (n >= 1 && n <= 32) ? undefined : 'has a size outside 1..32'
    case 'address':
    case 'bool':
    case 'string':
    case 'function':
    case 'tuple':
      return n === undefined ? undefined : 'is not a Solidity type'
    default:
      return 'is not a Solidity type'
  }
}
