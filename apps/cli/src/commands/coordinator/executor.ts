// The executor key file: read here, turned into a wallet client by coordinator-core.
import { readFileSync } from 'node:fs'
import { Execution, InvalidExecutorKeyError } from '@airlock/coordinator-core'
import { ExecutorKeyError } from './errors.ts'
import type { Coordinator } from './home.ts'

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (cause) {
    throw new ExecutorKeyError(`Cannot read the executor key file ${path}.`, {
      hint: 'Check the path and permissions (--executor-key-file, or executorKeyFile in config.json).',
      details: (cause as Error).message,
      cause,
    })
  }
}

/**
 * The executor (a wallet client) for the key file named by the flag or config.json, on `rpcUrl`.
 *
 * @example
 * const executor = executorFromFile({ path: 'executor.key', client, rpcUrl }).account.address
 */
export function executorFromFile({
  path,
  client,
  rpcUrl,
}: Pick<Parameters<typeof Execution.executor>[0], 'client' | 'rpcUrl'> & {
  path: string
}): Execution.Executor {
  try {
    return Execution.executor({ privateKey: readKeyFile(path), client, rpcUrl })
  } catch (error) {
    if (!(error instanceof InvalidExecutorKeyError)) throw error
    throw new ExecutorKeyError(`${error.shortMessage.replace(/\.$/, '')} (in ${path}).`, {
      hint: error.hint ?? 'Put the private key in the file as 64 hex digits.',
      cause: error,
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
  return executorFromFile({ path, client: c.client, rpcUrl: c.file.rpcUrl })
}
