import { Json } from '@airlock/errors'
import {
  type AbiParameter,
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  isAddress,
  isHex,
  keccak256,
  stringToHex,
} from 'viem'
import * as Args from './Args.ts'
import type { Call } from './Build.ts'
import { TransactionBuilderImportError } from './errors.ts'

/** A Safe Transaction Builder batch file, validated. */
export type Batch = {
  version: string
  chainId: number
  name: string
  description: string
  /** The Safe the batch was created for, when the file says. */
  createdFromSafeAddress: Address | undefined
  /**
   * The Transaction Builder's `meta.checksum`: `valid` when it matches the content, `absent` when the
   * file has none (hand-made or from a script), `mismatch` only when the caller chose to import an
   * edited file anyway (`checksum: 'ignore'`).
   */
  checksum: 'valid' | 'absent' | 'mismatch'
  calls: Call[]
}

type Input = { name?: unknown; type?: unknown; internalType?: unknown; components?: unknown }

const fail = (message: string, hint: string, field: string) =>
  new TransactionBuilderImportError(message, { hint, field })

/**
 * The Transaction Builder's checksum of a batch file, as its app computes it on save and checks on
 * load: keccak256 of the file (without `meta.checksum`, with `meta.name` null) serialized with sorted
 * keys, each object as `{[keys]value,value,…,}`. It catches edits made after saving; anyone can
 * recompute it, so it proves nothing about who made the file.
 *
 * @example
 * TransactionBuilder.checksum(JSON.parse(text)) === JSON.parse(text).meta.checksum
 */
export function checksum(batchFile: unknown): Hex {
  const root = object(batchFile, '')
  const { checksum: _ignored, ...meta } = root.meta === undefined ? {} : object(root.meta, 'meta')
  return keccak256(stringToHex(serialize({ ...root, meta: { ...meta, name: null } })))
}

// The app's serialization: undefined becomes null (JSON.stringify would drop it).
function serialize(json: unknown): string {
  if (Array.isArray(json)) return `[${json.map(serialize).join(',')}]`
  if (typeof json === 'object' && json !== null) {
    const record = json as Record<string, unknown>
    const keys = Object.keys(record).sort()
    return `{${JSON.stringify(keys)}${keys.map((key) => `${serialize(record[key])},`).join('')}}`
  }
  return JSON.stringify(json === undefined ? null : json)
}

/**
 * Parses a Safe Transaction Builder JSON batch (`{ version, chainId, meta, transactions: [{ to, value,
 * data | contractMethod + contractInputsValues }] }`) into calls. Throws TransactionBuilderImportError
 * naming the field (e.g. `transactions[2].contractInputsValues.amount`).
 *
 * @example
 * const batch = TransactionBuilder.parse(JSON.parse(text), { chainId: 1 })
 * Action.prepare({ config, state, calls: batch.calls, title: batch.name })
 */
export function parse(
  input: unknown,
  {
    chainId,
    checksum: checksumMode = 'verify',
  }: {
    chainId?: number | undefined
    /** `verify` (default) refuses a file whose checksum does not match; `ignore` reports it instead. */
    checksum?: 'verify' | 'ignore' | undefined
  } = {},
): Batch {
  let json = input
  if (typeof input === 'string') {
    try {
      json = Json.parse(input, { what: 'Transaction Builder file' })
    } catch (cause) {
      throw new TransactionBuilderImportError('The Transaction Builder file is not valid JSON.', {
        field: '',
        hint: 'Export the batch again from the Transaction Builder.',
        cause,
      })
    }
  }
  const root = object(json, '')
  const version = root.version
  if (typeof version !== 'string' || version === '') {
    throw fail('The batch has no version.', 'Export it again from the Safe Transaction Builder.', 'version')
  }
  const rawChain = root.chainId
  const chain =
    typeof rawChain === 'string' && /^[1-9][0-9]*$/.test(rawChain)
      ? Number(rawChain)
      : typeof rawChain === 'number' && Number.isSafeInteger(rawChain) && rawChain > 0
        ? rawChain
        : undefined
  if (chain === undefined)
    throw fail('The batch has no valid chainId.', 'Give the chain id as a decimal string.', 'chainId')
  if (chainId !== undefined && chain !== chainId) {
    throw fail(
      `The batch is for chain ${chain}, but the coordinator is on chain ${chainId}.`,
      'Import it on the chain it was made for, or rebuild it for this chain.',
      'chainId',
    )
  }
  const meta = root.meta === undefined ? {} : object(root.meta, 'meta')
  const text = (value: unknown, field: string) => {
    if (value === undefined || value === null) return ''
    if (typeof value !== 'string') throw fail(`${field} is not text.`, 'Give a string.', field)
    return value
  }
  const safe = meta.createdFromSafeAddress
  const transactions = root.transactions
  if (!Array.isArray(transactions) || transactions.length === 0) {
    throw fail('The batch has no transactions.', 'Add at least one transaction to the batch.', 'transactions')
  }
  const calls = transactions.map((tx, i) => call(tx, `transactions[${i}]`))
  // After the content: a malformed field is named precisely; an edited but well-formed file fails here.
  const stored = meta.checksum
  let integrity: Batch['checksum'] = 'absent'
  if (stored !== undefined && stored !== null && stored !== '') {
    if (typeof stored !== 'string' || !isHex(stored, { strict: true }) || stored.length !== 66) {
      throw fail(
        'meta.checksum is not a 32-byte hex checksum.',
        'Export the batch again from the Transaction Builder, or remove the field.',
        'meta.checksum',
      )
    }
    const computed = checksum(root)
    integrity = computed === stored.toLowerCase() ? 'valid' : 'mismatch'
    if (integrity === 'mismatch' && checksumMode !== 'ignore') {
      throw new TransactionBuilderImportError(
        'The batch was changed after the Transaction Builder saved it (its checksum does not match).',
        {
          field: 'meta.checksum',
          hint: 'Get the file again from whoever built it; to import an edited file anyway, review every call and pass --ignore-checksum.',
          details: `stored ${stored}, computed ${computed}`,
        },
      )
    }
  }
  return {
    version,
    chainId: chain,
    name: text(meta.name, 'meta.name'),
    description: text(meta.description, 'meta.description'),
    createdFromSafeAddress:
      typeof safe === 'string' && isAddress(safe, { strict: false }) ? getAddress(safe) : undefined,
    checksum: integrity,
    calls,
  }
}

function call(raw: unknown, at: string): Call {
  const tx = object(raw, at)
  const to = Args.coerce({ type: 'address', name: 'to' }, tx.to, `${at}.to`, fail) as Address
  const value =
    tx.value === undefined || tx.value === null || tx.value === ''
      ? 0n
      : (Args.coerce({ type: 'uint256', name: 'value' }, tx.value, `${at}.value`, fail) as bigint)
  const hasData = typeof tx.data === 'string' && tx.data !== '' && tx.data !== '0x'
  if (hasData) {
    const data = tx.data as string
    if (!isHex(data, { strict: true }) || data.length % 2 !== 0) {
      throw fail(`${at}.data is not 0x-prefixed hex.`, 'Give whole bytes of hex.', `${at}.data`)
    }
    const raw = { to, value, data: data.toLowerCase() as Hex }
    if (tx.contractMethod === undefined || tx.contractMethod === null) return raw
    // Scripts often write both: accepted only when the method and its inputs encode to the same bytes.
    if (methodCall(tx, to, value, at).data !== raw.data) {
      throw fail(
        `${at}.data disagrees with its contractMethod and contractInputsValues.`,
        'Give raw data or a method with its inputs; when both are given they must encode the same call.',
        `${at}.data`,
      )
    }
    return raw
  }
  if (tx.contractMethod === undefined || tx.contractMethod === null) return { to, value, data: '0x' }
  return methodCall(tx, to, value, at)
}

function methodCall(tx: Record<string, unknown>, to: Address, value: bigint, at: string): Call {
  const method = object(tx.contractMethod, `${at}.contractMethod`)
  if (typeof method.name !== 'string' || !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(method.name)) {
    throw fail(
      `${at}.contractMethod.name is not a function name.`,
      'Give the method name.',
      `${at}.contractMethod.name`,
    )
  }
  if (!Array.isArray(method.inputs)) {
    throw fail(
      `${at}.contractMethod.inputs is not a list.`,
      'Give the method inputs.',
      `${at}.contractMethod.inputs`,
    )
  }
  const inputs = method.inputs.map((input, i) => parameter(input, `${at}.contractMethod.inputs[${i}]`))
  const values =
    tx.contractInputsValues === undefined || tx.contractInputsValues === null
      ? {}
      : object(tx.contractInputsValues, `${at}.contractInputsValues`)
  const args = inputs.map((input, i) => {
    const key = input.name || String(i)
    const field = `${at}.contractInputsValues.${key}`
    if (!(key in values)) throw fail(`${field} is missing.`, `Give a value for ${input.type} ${key}.`, field)
    return Args.coerce(input, values[key], field, fail)
  })
  const payable = method.payable === true
  if (value > 0n && !payable) {
    throw fail(
      `${at} sends value to ${method.name}, which is not payable.`,
      'Set value to 0 or fix the method.',
      `${at}.value`,
    )
  }
  try {
    const data = encodeFunctionData({
      abi: [
        {
          type: 'function',
          name: method.name,
          inputs,
          outputs: [],
          stateMutability: payable ? 'payable' : 'nonpayable',
        },
      ],
      functionName: method.name,
      args,
    })
    return { to, value, data }
  } catch (cause) {
    throw new TransactionBuilderImportError(`${at} does not encode as ${method.name}.`, {
      field: at,
      hint: 'Check the input values against the method’s types.',
      details: cause instanceof Error ? cause.message.split('\n')[0] : undefined,
      cause,
    })
  }
}

function parameter(raw: unknown, at: string): AbiParameter {
  const input = object(raw, at) as Input
  if (typeof input.type !== 'string' || !/^[a-z0-9]+(\[\d*\])*$/.test(input.type)) {
    throw fail(
      `${at}.type is not an ABI type.`,
      'Give a Solidity type such as uint256 or address[].',
      `${at}.type`,
    )
  }
  const name = typeof input.name === 'string' ? input.name : ''
  if (input.type.startsWith('tuple')) {
    if (!Array.isArray(input.components)) {
      throw fail(`${at} is a tuple without components.`, 'Give the tuple’s components.', `${at}.components`)
    }
    return {
      name,
      type: input.type,
      components: input.components.map((c, i) => parameter(c, `${at}.components[${i}]`)),
    } as AbiParameter
  }
  return { name, type: input.type } as AbiParameter
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fail(
      `${field || 'The batch'} is not an object.`,
      'Export the batch again from the Transaction Builder.',
      field,
    )
  }
  return value as Record<string, unknown>
}
