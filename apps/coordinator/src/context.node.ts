// Opens what the handlers work on, from the environment: the coordinator config, the signers' policy
// bundle, the RPC endpoint, the queue (PostgreSQL with DATABASE_URL, else embedded PGlite), the
// executor key and the sentry rules. Node only (files, database).
import { readFile, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { Chain, Config, Predict } from '@airlock/coordinator-core'
import { cedar } from '@airlock/policy/node'
import { Changes, openStore } from '@airlock/queue'
import { createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { CoordinatorInputError, type HandlerContext } from './handlers.ts'

/** The environment variables the app reads (see README, "Coordinator app"). */
export const environmentNames = [
  'AIRLOCK_COORDINATOR_CONFIG',
  'AIRLOCK_POLICY_BUNDLE',
  'AIRLOCK_RPC_URL',
  'DATABASE_URL',
  'AIRLOCK_DATA_DIR',
  'AIRLOCK_EXECUTOR_KEY_FILE',
  'AIRLOCK_OPERATOR',
  'AIRLOCK_SENTRY_RULES',
  'AIRLOCK_WEBHOOK_URL',
  'AIRLOCK_SERVICE_URL',
  'AIRLOCK_SERVICE_API_KEY_FILE',
] as const

export type Environment = { readonly [name: string]: string | undefined }

/**
 * Reads the environment and opens everything the handlers need. Throws a typed error naming the
 * missing or invalid setting.
 *
 * @example
 * const context = await openContext({ env: process.env })
 * const api = createHandlers(context)
 */
export async function openContext({ env }: { env: Environment }): Promise<HandlerContext> {
  const need = (name: (typeof environmentNames)[number]) => {
    const value = env[name]
    if (!value)
      throw new CoordinatorInputError(`${name} is not set.`, { hint: 'See "Coordinator app" in the README.' })
    return value
  }
  const config = Config.parse(JSON.parse(await readFile(need('AIRLOCK_COORDINATOR_CONFIG'), 'utf8')))
  const installed = await Predict.install({
    bundle: JSON.parse(await readFile(need('AIRLOCK_POLICY_BUNDLE'), 'utf8')),
    cedar,
  })
  const rpcUrl = need('AIRLOCK_RPC_URL')
  const client = Chain.client({ rpcUrl, chainId: config.chainId })
  await Chain.checkChainId({ client, chainId: config.chainId })
  const databaseUrl = env.DATABASE_URL
  const opened = await openStore({ databaseUrl, dataDir: env.AIRLOCK_DATA_DIR })
  // Team mode: announce this operator's changes, and let main listen for everyone's.
  const store = databaseUrl
    ? Changes.announcing(opened, await Changes.announcer({ connectionString: databaseUrl }))
    : opened
  const keyFile = env.AIRLOCK_EXECUTOR_KEY_FILE
  const executor = keyFile
    ? createWalletClient({
        account: privateKeyToAccount((await readFile(keyFile, 'utf8')).trim() as Hex),
        chain: client.chain,
        transport: http(rpcUrl),
      })
    : undefined
  const rulesFile = env.AIRLOCK_SENTRY_RULES
  const sentryRules = rulesFile ? await readFile(rulesFile, 'utf8').catch(() => undefined) : undefined
  const serviceKeyFile = env.AIRLOCK_SERVICE_API_KEY_FILE
  return {
    config,
    client,
    rpcUrl,
    store,
    installed,
    executor,
    operator: env.AIRLOCK_OPERATOR ?? userInfo().username,
    sentryRules,
    saveSentryRules: rulesFile ? (text) => writeFile(rulesFile, text) : undefined,
    webhook: env.AIRLOCK_WEBHOOK_URL,
    serviceUrl: env.AIRLOCK_SERVICE_URL,
    serviceApiKey: serviceKeyFile ? (await readFile(serviceKeyFile, 'utf8')).trim() : undefined,
    readKeyFile: (path) => readFile(path, 'utf8'),
    watch: databaseUrl
      ? (onChange) => Changes.listen({ connectionString: databaseUrl, onChange: () => onChange() })
      : undefined,
  }
}
