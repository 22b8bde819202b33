// `airlock coordinator init`: writes the coordinator's config.json after checking it against the chain.
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { Chain } from '@airlock/coordinator-core'
import type { Command } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { readJsonFile, toJson } from '../../io.ts'
import { writeFileAtomic } from '../atomicFile.ts'
import { AlreadyInitializedError } from './errors.ts'
import { executorFromFile } from './executor.ts'
import {
  addressFlag,
  configPath,
  coordinatorConfig,
  type HomeConfig,
  homeOption,
  resolveHome,
} from './home.ts'

export const coordinatorInit: Command = {
  path: ['coordinator', 'init'],
  summary: 'Configure the online coordinator: RPC, chain, org config, treasury Safe, timelock.',
  usage:
    'coordinator init --home DIR --rpc URL --chain-id N --org FILE --treasury ADDR [--timelock ADDR] [--multisend ADDR] [--ens-registry ADDR] [--executor-key-file F] [--force]',
  options: {
    ...homeOption,
    rpc: { type: 'string', help: 'JSON-RPC URL of a node for the chain' },
    'chain-id': { type: 'string', help: 'the chain id the Safes live on' },
    org: { type: 'string', help: 'the org config JSON (the one in the signers’ policy bundle)' },
    treasury: { type: 'string', help: 'address of the treasury Safe (listed in the org config)' },
    timelock: { type: 'string', help: 'the protocol’s TimelockController (for Critical actions)' },
    multisend: { type: 'string', help: 'MultiSendCallOnly on this chain, when not at Safe’s pinned address' },
    'ens-registry': {
      type: 'string',
      help: 'the ENS registry names (--to alice.eth) resolve through (default: mainnet’s 0x0000…2e1e)',
    },
    'executor-key-file': {
      type: 'string',
      help: 'file holding the hex private key that pays for executions',
    },
    force: { type: 'boolean', help: 'overwrite an existing config' },
  },
  run: async ({ values, io }) => {
    const home = resolveHome(values.home, io.cwd)
    const need = (flag: string) => {
      const value = values[flag]
      if (typeof value !== 'string' || value === '') {
        throw new UsageError(`coordinator init needs --${flag}.`, {
          hint: `Usage: airlock ${coordinatorInit.usage}`,
        })
      }
      return value
    }
    const rpcUrl = need('rpc')
    const chainIdText = need('chain-id')
    const chainId = Number(chainIdText)
    if (!/^[1-9][0-9]*$/.test(chainIdText) || !Number.isSafeInteger(chainId)) {
      throw new UsageError(`--chain-id must be a positive whole number, got "${chainIdText}".`, {
        hint: 'Example: --chain-id 1',
      })
    }
    const orgPath = resolve(io.cwd, need('org'))
    readJsonFile(orgPath, 'org config')
    const treasury = addressFlag(need('treasury'), 'treasury')
    const file: HomeConfig = {
      rpcUrl,
      chainId,
      org: orgPath,
      treasury,
      ...(values.timelock === undefined ? {} : { timelock: addressFlag(values.timelock, 'timelock') }),
      ...(values.multisend === undefined
        ? {}
        : { multiSendCallOnly: { [String(chainId)]: addressFlag(values.multisend, 'multisend') } }),
      ...(values['ens-registry'] === undefined
        ? {}
        : { ensRegistry: addressFlag(values['ens-registry'], 'ens-registry') }),
      ...(typeof values['executor-key-file'] === 'string'
        ? { executorKeyFile: resolve(io.cwd, values['executor-key-file']) }
        : {}),
    }
    if (existsSync(configPath(home)) && values.force !== true) {
      throw new AlreadyInitializedError(`${configPath(home)} already exists.`, {
        hint: 'Pass --force to overwrite it, or choose another --home.',
      })
    }
    // Everything is checked before anything is written: the org config, the executor key, the chain.
    const config = coordinatorConfig(file, home)
    const client = Chain.client({ rpcUrl, chainId })
    const executor =
      file.executorKeyFile === undefined
        ? undefined
        : executorFromFile({ path: file.executorKeyFile, client, rpcUrl }).account.address
    const state = await Chain.readSafe({ client, safe: treasury, chainId })
    mkdirSync(home, { recursive: true })
    writeFileAtomic(configPath(home), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
    const summary = {
      home,
      config: configPath(home),
      chainId,
      rpcUrl,
      treasury: {
        address: state.address,
        name: config.treasury.name,
        version: state.version,
        threshold: state.threshold,
        owners: state.owners,
        nonce: state.nonce,
      },
      guardian: config.guardian?.address,
      timelock: config.timelock,
      executor,
      queue: process.env.DATABASE_URL ? 'postgres (DATABASE_URL)' : `${home}/queue`,
    }
    if (values.json) io.stdout(`${toJson(summary)}\n`)
    else {
      io.stdout(
        `Coordinator configured in ${home}\n` +
          `  chain      ${chainId} via ${rpcUrl}\n` +
          `  treasury   ${config.treasury.name} ${state.address} (Safe ${state.version}, ${state.threshold} of ${state.owners.length}, nonce ${state.nonce})\n` +
          (config.guardian ? `  guardian   ${config.guardian.name} ${config.guardian.address}\n` : '') +
          (config.timelock ? `  timelock   ${config.timelock}\n` : '') +
          (executor ? `  executor   ${executor}\n` : '') +
          `  queue      ${summary.queue}\n`,
      )
    }
    return 0
  },
}
