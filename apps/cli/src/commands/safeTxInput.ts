import { type SafeContext, SafeTx } from '@airlock/safe'
import type { OptionSpec } from '../command.ts'
import { UsageError } from '../errors.ts'
import { readJsonFile } from '../io.ts'

/** Flags shared by every command that takes a Safe transaction on the command line. */
export const safeTxOptions: Record<string, OptionSpec> = {
  tx: { type: 'string', help: 'JSON file with the fields below in camelCase (flags override it)' },
  'chain-id': { type: 'string', help: 'chain id (e.g. 1)' },
  safe: { type: 'string', help: 'Safe address' },
  'safe-version': { type: 'string', help: 'Safe version: 0.1.0, 1.0.0, 1.1.1, 1.2.0, 1.3.0, 1.4.1, 1.5.0' },
  to: { type: 'string', help: 'target address' },
  value: { type: 'string', help: 'value in wei (default 0)' },
  data: { type: 'string', help: 'calldata hex (default 0x)' },
  operation: { type: 'string', help: '0 call, 1 delegatecall (default 0)' },
  'safe-tx-gas': { type: 'string', help: 'safeTxGas (default 0)' },
  'base-gas': { type: 'string', help: 'baseGas (default 0)' },
  'gas-price': { type: 'string', help: 'gasPrice (default 0)' },
  'gas-token': { type: 'string', help: 'gasToken (default zero address)' },
  'refund-receiver': { type: 'string', help: 'refundReceiver (default zero address)' },
  nonce: { type: 'string', help: 'Safe nonce (default 0)' },
}

const flagToField: Record<string, string> = {
  'chain-id': 'chainId',
  safe: 'safe',
  'safe-version': 'safeVersion',
  to: 'to',
  value: 'value',
  data: 'data',
  operation: 'operation',
  'safe-tx-gas': 'safeTxGas',
  'base-gas': 'baseGas',
  'gas-price': 'gasPrice',
  'gas-token': 'gasToken',
  'refund-receiver': 'refundReceiver',
  nonce: 'nonce',
}

/**
 * Builds a validated SafeTx and context from `--tx FILE` and/or individual flags.
 *
 * @example
 * readSafeTx({ to: '0x…', 'chain-id': '1', safe: '0x…', 'safe-version': '1.4.1' })
 */
export function readSafeTx(values: Record<string, unknown>): { tx: SafeTx.SafeTx; context: SafeContext } {
  const fields: Record<string, unknown> = {}
  if (typeof values.tx === 'string') {
    const file = readJsonFile(values.tx, 'transaction')
    if (file === null || typeof file !== 'object' || Array.isArray(file)) {
      throw new UsageError(`The transaction file ${values.tx} does not hold a JSON object.`, {
        hint: 'Write the fields as {"chainId": 1, "safe": "0x…", "safeVersion": "1.4.1", "to": "0x…", …}.',
      })
    }
    Object.assign(fields, file)
  }
  for (const [flag, field] of Object.entries(flagToField)) {
    if (values[flag] !== undefined) fields[field] = values[flag]
  }
  for (const [flag, field] of [
    ['chain-id', 'chainId'],
    ['safe', 'safe'],
    ['safe-version', 'safeVersion'],
  ] as const) {
    if (fields[field] === undefined) {
      throw new UsageError(`--${flag} is required.`, {
        hint: 'The EIP-712 domain of a Safe depends on its chain, address and version.',
      })
    }
  }
  const context = SafeTx.context({ chainId: fields.chainId, safe: fields.safe, version: fields.safeVersion })
  const tx = SafeTx.from(fields)
  return { tx, context }
}
