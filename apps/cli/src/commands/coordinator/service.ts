// `airlock service …`: the Safe Transaction Service (what Safe{Wallet} uses) as a source and a sink.
import { resolve } from 'node:path'
import { Action, Chain, Requirements, TransactionService } from '@airlock/coordinator-core'
import type { Command, OptionSpec } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { toJson } from '../../io.ts'
import { readInputFile } from '../atomicFile.ts'
import { type Coordinator, homeOption, resolveSafe, withCoordinator } from './home.ts'

export const serviceOptions: Record<string, OptionSpec> = {
  ...homeOption,
  'service-url': {
    type: 'string',
    help: 'the Transaction Service API, ending in /api (default: $AIRLOCK_SERVICE_URL)',
  },
  'api-key-file': { type: 'string', help: 'a file holding the service API key (never on the command line)' },
  safe: { type: 'string', help: 'the Safe (address or org-config name; default: the treasury)' },
  json: { type: 'boolean', help: 'print JSON' },
}

export function clientOf(c: Coordinator, values: Record<string, unknown>, cwd: string) {
  const url =
    typeof values['service-url'] === 'string' ? values['service-url'] : process.env.AIRLOCK_SERVICE_URL
  if (!url) {
    throw new UsageError('No Transaction Service URL.', {
      hint: 'Pass --service-url https://…/api or set AIRLOCK_SERVICE_URL.',
    })
  }
  const keyFile = values['api-key-file']
  const apiKey =
    typeof keyFile === 'string'
      ? new TextDecoder().decode(readInputFile(resolve(cwd, keyFile), 'API key')).trim()
      : undefined
  return TransactionService.client({ chainId: BigInt(c.config.chainId), url, apiKey })
}

export async function safeContext(c: Coordinator, values: Record<string, unknown>) {
  const address = resolveSafe(c, values.safe, c.config.treasury.address)
  const state = await Chain.readSafe({ client: c.client, safe: address, chainId: c.config.chainId })
  const context = { chainId: BigInt(state.chainId), safe: state.address, version: state.version }
  return { state, context }
}

// The one action `service confirm|pull <action-id>` names (a unique prefix of its id will do).
async function namedAction(c: Coordinator, positionals: readonly string[]) {
  if (positionals.length !== 1) throw new UsageError('Give one action id.', { hint: 'airlock action list' })
  const store = await c.store()
  const action = await store.getAction(await Action.fullId({ store, id: positionals[0]! }))
  return { store, action }
}

export const servicePending: Command = {
  path: ['service', 'pending'],
  summary:
    'List a Safe’s pending transactions in the Transaction Service, each re-hashed here, beside the queue, differences flagged.',
  usage: 'service pending [--safe S] [--service-url URL] [--api-key-file F] [--json]',
  options: serviceOptions,
  run: ({ values, io }) =>
    withCoordinator(values, io.cwd, async (c) => {
      const client = clientOf(c, values, io.cwd)
      const { state, context } = await safeContext(c, values)
      const { pending, rows } = await TransactionService.sideBySide({
        client,
        context,
        onchainNonce: state.nonce,
        store: await c.store(),
      })
      if (values.json) {
        io.stdout(
          `${toJson({
            safe: context.safe,
            onchainNonce: state.nonce,
            transactions: pending.map((p) => ({
              safeTxHash: p.safeTxHash,
              nonce: p.tx.nonce,
              to: p.tx.to,
              value: p.tx.value,
              confirmations: p.confirmations.map((x) => x.owner),
              problems: p.problems.map(TransactionService.describe),
            })),
            nonces: rows,
          })}\n`,
        )
        return 0
      }
      io.stdout(
        `Transaction Service: ${pending.length} pending for ${context.safe} (on-chain nonce ${state.nonce})\n`,
      )
      for (const p of pending) {
        io.stdout(
          `  nonce ${p.tx.nonce}  ${p.safeTxHash}  to ${p.tx.to} value ${p.tx.value} wei, ${p.confirmations.length} verified confirmation(s)\n`,
        )
        for (const problem of p.problems) io.stdout(`    ! ${TransactionService.describe(problem)}\n`)
      }
      for (const row of rows.filter((r) => r.flags.length > 0)) {
        io.stdout(`  nonce ${row.nonce}: ${row.flags.join(', ')}\n`)
      }
      if (pending.length > 0)
        io.stdout('Next: airlock service import SAFE_TX_HASH (the hash is recomputed first).\n')
      return pending.some((p) => p.problems.length > 0) ? 1 : 0
    }),
}

export const serviceImport: Command = {
  path: ['service', 'import'],
  summary:
    'Queue a transaction from the Transaction Service: refused unless its fields hash to its safeTxHash.',
  usage: 'service import <safeTxHash> [--safe S] [--title T] [--service-url URL] [--api-key-file F] [--json]',
  allowPositionals: true,
  options: {
    ...serviceOptions,
    title: { type: 'string', help: 'the title the signers will see (untrusted)' },
  },
  run: ({ values, positionals, io }) =>
    withCoordinator(values, io.cwd, async (c) => {
      const [hash, ...rest] = positionals
      if (hash === undefined || rest.length > 0 || !/^0x[0-9a-fA-F]{64}$/.test(hash)) {
        throw new UsageError('Give one safeTxHash (0x and 64 hex characters).', {
          hint: 'airlock service pending lists them.',
        })
      }
      const client = clientOf(c, values, io.cwd)
      const { state, context } = await safeContext(c, values)
      const checked = await TransactionService.get({ client, context, safeTxHash: hash as `0x${string}` })
      const store = await c.store()
      const { action, skipped } = await TransactionService.importTransaction({
        store,
        checked,
        safe: { chainId: context.chainId, address: context.safe, version: context.version },
        owners: state.owners,
        requirements: (analysis) =>
          Requirements.forQueue(Requirements.of({ config: c.config, state, tier: analysis.tier })),
        actor: c.actor,
        title: typeof values.title === 'string' ? values.title : undefined,
        analyze: { org: c.config.decoder },
        onchainNonce: state.nonce,
        chainTime: await Chain.blockTime({ client: c.client, blockNumber: state.blockNumber }),
      })
      if (values.json) {
        io.stdout(
          `${toJson({ id: action.id, safeTxHash: action.safeTxHash, tier: action.tier, problems: checked.problems.map(TransactionService.describe), skipped })}\n`,
        )
      } else {
        io.stdout(
          `Queued ${action.id}: nonce ${action.nonce}, tier ${action.tier}, ${action.collected.signatures} verified signature(s) from the service\n`,
        )
        for (const problem of checked.problems) io.stdout(`  ! ${TransactionService.describe(problem)}\n`)
        for (const s of skipped)
          io.stdout(`  ! ${s.owner} is not an owner now: its confirmation was not imported\n`)
        io.stdout(`Next: airlock action qr ${action.id} --out DIR for the signers.\n`)
      }
      return 0
    }),
}

export const serviceConfirm: Command = {
  path: ['service', 'confirm'],
  summary: 'Post the signatures collected for an action (across the air gap) to the Transaction Service.',
  usage: 'service confirm <action-id> [--service-url URL] [--api-key-file F]',
  allowPositionals: true,
  options: serviceOptions,
  run: ({ values, positionals, io }) =>
    withCoordinator(values, io.cwd, async (c) => {
      const { store, action } = await namedAction(c, positionals)
      const signatures = await store.signatures(action.id, { kind: 'safe-signature' })
      const { posted } = await TransactionService.confirm({
        client: clientOf(c, values, io.cwd),
        safeTxHash: action.safeTxHash,
        signatures: signatures.map((s) => ({ signer: s.signer, signature: s.signature })),
      })
      io.stdout(
        `Posted ${posted.length} confirmation(s) of ${action.safeTxHash}: ${posted.join(', ') || 'none'}\n`,
      )
      return 0
    }),
}

export const servicePull: Command = {
  path: ['service', 'pull'],
  summary:
    'Pull the confirmations others made on the Transaction Service into an action (verified over our hash, owners only).',
  usage: 'service pull <action-id> [--service-url URL] [--api-key-file F] [--json]',
  allowPositionals: true,
  options: serviceOptions,
  run: ({ values, positionals, io }) =>
    withCoordinator(values, io.cwd, async (c) => {
      const { store, action } = await namedAction(c, positionals)
      const state = await Chain.readSafe({
        client: c.client,
        safe: action.safe.address,
        chainId: c.config.chainId,
      })
      const pulled = await TransactionService.pullConfirmations({
        client: clientOf(c, values, io.cwd),
        store,
        actionId: action.id,
        owners: state.owners,
        actor: c.actor,
      })
      const result = {
        id: action.id,
        safeTxHash: action.safeTxHash,
        added: pulled.added,
        duplicate: pulled.duplicate,
        skipped: pulled.skipped.map((s) => s.owner),
        problems: pulled.problems.map(TransactionService.describe),
      }
      if (values.json) io.stdout(`${toJson(result)}\n`)
      else {
        io.stdout(
          `Pulled ${result.added.length} new confirmation(s) of ${action.safeTxHash}: ${result.added.join(', ') || 'none'}\n`,
        )
        for (const owner of result.skipped) io.stdout(`  ! ${owner} is not an owner now: not stored\n`)
        for (const problem of result.problems) io.stdout(`  ! refused: ${problem}\n`)
      }
      return 0
    }),
}

export const serviceCommands: Command[] = [servicePending, serviceImport, serviceConfirm, servicePull]
