// `airlock safe add` / `airlock safe show`: Safes as the chain reports them, checked against the org config.
import { Chain, Config, type SafeState } from '@airlock/coordinator-core'
import type { Command } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { toJson } from '../../io.ts'
import { addressFlag, type Coordinator, homeOption, rememberSafe, safeName, withCoordinator } from './home.ts'

function onePositional(positionals: string[], usage: string) {
  if (positionals.length !== 1) {
    throw new UsageError('Give exactly one Safe address.', { hint: `Usage: airlock ${usage}` })
  }
  return addressFlag(positionals[0], 'safe')
}

/**
 * Where the org config and the chain disagree about a Safe (signers may refuse it until the org is updated).
 *
 * @example
 * driftOf(c, state) // ['The org config says threshold 3, the Safe has 2.']
 */
export function driftOf(c: Coordinator, state: SafeState): string[] {
  const listed = Config.safe(c.config, state.address)
  if (!listed) return [`${state.address} is not in the org config: signers will refuse to sign for it.`]
  const drift: string[] = []
  const configured = new Set(listed.owners.map((o) => o.toLowerCase()))
  const onChain = new Set(state.owners.map((o) => o.toLowerCase()))
  const added = state.owners.filter((o) => !configured.has(o.toLowerCase()))
  const removed = listed.owners.filter((o) => !onChain.has(o.toLowerCase()))
  if (added.length) drift.push(`Owners on chain but not in the org config: ${added.join(', ')}.`)
  if (removed.length) drift.push(`Owners in the org config but not on chain: ${removed.join(', ')}.`)
  if (BigInt(listed.threshold) !== state.threshold) {
    drift.push(`The org config says threshold ${listed.threshold}, the Safe has ${state.threshold}.`)
  }
  if (listed.version !== undefined && listed.version !== state.version) {
    drift.push(`The org config says version ${listed.version}, the Safe runs ${state.version}.`)
  }
  return drift
}

function stateJson(c: Coordinator, state: SafeState, name: string) {
  return {
    address: state.address,
    name,
    chainId: state.chainId,
    blockNumber: state.blockNumber,
    version: state.versionText,
    owners: state.owners,
    threshold: state.threshold,
    nonce: state.nonce,
    modules: state.modules,
    guard: state.guard,
    fallbackHandler: state.fallbackHandler,
    singleton: state.singleton,
    drift: driftOf(c, state),
  }
}

export const safeAdd: Command = {
  path: ['safe', 'add'],
  summary: 'Read a Safe from chain (owners, threshold, nonce, version) and add it to the coordinator.',
  usage: 'safe add <ADDR> [--name N] [--home DIR] [--json]',
  allowPositionals: true,
  options: {
    ...homeOption,
    name: { type: 'string', help: 'a name for the Safe (default: its org config name)' },
  },
  run: async ({ values, positionals, io }) => {
    const address = onePositional(positionals, safeAdd.usage)
    return withCoordinator(values, io.cwd, async (c) => {
      const state = await Chain.readSafe({ client: c.client, safe: address, chainId: c.config.chainId })
      const name = typeof values.name === 'string' ? values.name : safeName(c, state.address)
      const store = await c.store()
      // Records the Safe and its on-chain nonce in the queue (queued actions below it become superseded).
      const superseded = await store.syncNonce({
        safe: { chainId: BigInt(state.chainId), address: state.address },
        onchainNonce: state.nonce,
        actor: c.actor,
      })
      rememberSafe(c.home, {
        address: state.address,
        name,
        version: state.versionText,
        owners: [...state.owners],
        threshold: state.threshold.toString(),
        nonce: state.nonce.toString(),
        addedAt: new Date().toISOString(),
      })
      const result = { ...stateJson(c, state, name), superseded: superseded.map((a) => a.id) }
      if (values.json) io.stdout(`${toJson(result)}\n`)
      else {
        io.stdout(
          `Added ${name ? `${name} ` : ''}${state.address}: Safe ${state.versionText}, ${state.threshold} of ${state.owners.length}, nonce ${state.nonce}\n` +
            state.owners.map((o) => `  owner ${o}\n`).join(''),
        )
      }
      for (const line of result.drift) io.stderr(`warning: ${line}\n`)
      return 0
    })
  },
}

export const safeShow: Command = {
  path: ['safe', 'show'],
  summary: 'Show a Safe as the chain reports it: owners, threshold, nonce, version, modules, guard, handler.',
  usage: 'safe show <ADDR> [--home DIR] [--json]',
  allowPositionals: true,
  options: { ...homeOption },
  run: async ({ values, positionals, io }) => {
    const address = onePositional(positionals, safeShow.usage)
    return withCoordinator(values, io.cwd, async (c) => {
      const state = await Chain.readSafe({ client: c.client, safe: address, chainId: c.config.chainId })
      const result = stateJson(c, state, safeName(c, state.address))
      if (values.json) io.stdout(`${toJson(result)}\n`)
      else {
        io.stdout(
          `${result.name ? `${result.name} ` : ''}${state.address} on chain ${state.chainId} (block ${state.blockNumber})\n` +
            `  version           ${state.versionText}\n` +
            `  threshold         ${state.threshold} of ${state.owners.length}\n` +
            `  nonce             ${state.nonce}\n` +
            state.owners.map((o) => `  owner             ${o}\n`).join('') +
            `  modules           ${state.modules.length ? state.modules.join(', ') : 'none'}\n` +
            `  guard             ${state.guard}\n` +
            `  fallback handler  ${state.fallbackHandler}\n` +
            `  singleton         ${state.singleton}\n`,
        )
        for (const line of result.drift) io.stdout(`  drift: ${line}\n`)
      }
      return 0
    })
  },
}
