// The executor: an ordinary account (not necessarily an owner) that sends execTransaction and pays gas.
import { readFileSync } from 'node:fs'
import type { Execution } from '@airlock/coordinator-core'
import { type Address, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ExecutorKeyError } from './errors.ts'
import type { Coordinator } from './home.ts'

/**
 * Reads a private key file (0x-prefixed or bare 64 hex digits, surrounding whitespace ignored).
 *
 * @example
 * readExecutorKey('/etc/airlock/executor.key').address // '0x…'
 */
export function readExecutorKey(path: string): { privateKey: Hex; address: Address } {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (cause) {
    throw new ExecutorKeyError(`Cannot read the executor key file ${path}.`, {
      hint: 'Check the path and permissions (--executor-key-file, or executorKeyFile in config.json).',
      details: (cause as Error).message,
      cause,
    })
  }
  const hex = text.startsWith('0x') ? text.slice(2) : text
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ExecutorKeyError(`The executor key file ${path} does not hold a private key.`, {
      hint: 'Put the 32-byte private key in it as 64 hex digits (0x prefix optional).',
    })
  }
  const privateKey = `0x${hex.toLowerCase()}` as Hex
  try {
    return { privateKey, address: privateKeyToAccount(privateKey).address }
  } catch (cause) {
    throw new ExecutorKeyError(`The executor key in ${path} is not a valid secp256k1 key.`, {
      hint: 'Generate a new key for the executor account.',
      cause,
    })
  }
}

/**
 * A wallet client for the executor key named by the flag or config.json.
 *
 * @example
 * const executor = executorClient(c, values['executor-key-file'])
 */
export function executorClient(c: Coordinator, flag: unknown): Execution.Executor {
  const path = typeof flag === 'string' ? flag : c.file.executorKeyFile
  if (path === undefined) {
    throw new ExecutorKeyError('No executor key is configured.', {
      hint: 'Pass --executor-key-file FILE, or set it with coordinator init --executor-key-file.',
    })
  }
  const { privateKey } = readExecutorKey(path)
  return createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain: c.client.chain,
    transport: http(c.file.rpcUrl, { retryCount: 0 }),
  })
}
