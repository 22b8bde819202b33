// `airlock sentry run`: a bounded watch of on-chain invariants. On a breach it prints the alert, queues
// the pre-built guardian pause as an action and writes its sign request UR, so one guardian can sign at once.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  Action,
  InvalidSentryRuleError,
  Requirements,
  Sentry,
  type SentryRule,
} from '@airlock/coordinator-core'
import { FileSystemError, isBaseError } from '@airlock/errors'
import { DuplicateActionError } from '@airlock/queue'
import { SafeTx } from '@airlock/safe'
import { SignRequest, Ur } from '@airlock/transport'
import type { Command } from '../../command.ts'
import { OutputExistsError, UsageError } from '../../errors.ts'
import { readJsonFile, toJson } from '../../io.ts'
import { writeFileAtomic } from '../atomicFile.ts'
import { positiveInt } from '../qr.ts'
import { homeOption, withCoordinator } from './home.ts'

type Address = SafeTx.Address

function fail(message: string): never {
  throw new InvalidSentryRuleError(message, {
    hint: 'Rules: { "rules": [{ "id", "kind": "max-drop", "read", "maxDropBps", "windowBlocks" } | { "id", "kind": "at-least", "left", "right" }], "pauseTargets"?: ["0x…"] }.',
  })
}

function address(value: unknown, where: string): Address {
  if (!SafeTx.looksLikeAddress(value)) fail(`${where} is not an address.`)
  try {
    // A mixed-case address must carry a correct EIP-55 checksum: a wrong one is a typo.
    return SafeTx.parseAddress(value, where)
  } catch (error) {
    return fail(isBaseError(error) ? error.shortMessage : `${where} is not an address.`)
  }
}

function read(value: unknown, where: string): Sentry.Read {
  if (value === null || typeof value !== 'object') fail(`${where} is not a read object.`)
  const r = value as Record<string, unknown>
  switch (r.kind) {
    case 'native-balance':
      return { kind: 'native-balance', address: address(r.address, `${where}.address`) }
    case 'erc20-balance':
      return {
        kind: 'erc20-balance',
        token: address(r.token, `${where}.token`),
        holder: address(r.holder, `${where}.holder`),
      }
    case 'call':
      if (typeof r.signature !== 'string') fail(`${where}.signature is missing.`)
      if (r.args !== undefined && !Array.isArray(r.args)) fail(`${where}.args is not a list.`)
      return {
        kind: 'call',
        address: address(r.address, `${where}.address`),
        signature: r.signature,
        args: r.args as unknown[] | undefined,
      }
    default:
      return fail(`${where}.kind must be native-balance, erc20-balance or call.`)
  }
}

/**
 * Parses a sentry rules file: a list of rules, or `{ rules, pauseTargets }`.
 *
 * @example
 * const { rules, pauseTargets } = parseRules(readJsonFile('rules.json', 'sentry rules'))
 */
export function parseRules(json: unknown): { rules: SentryRule[]; pauseTargets: Address[] | undefined } {
  const root = Array.isArray(json) ? { rules: json } : (json as Record<string, unknown> | null)
  if (root === null || typeof root !== 'object' || !Array.isArray(root.rules) || root.rules.length === 0) {
    fail('The rules file holds no rules.')
  }
  const rules = (root.rules as unknown[]).map((raw, i): SentryRule => {
    const where = `rules[${i}]`
    if (raw === null || typeof raw !== 'object') fail(`${where} is not an object.`)
    const r = raw as Record<string, unknown>
    if (typeof r.id !== 'string' || r.id === '') fail(`${where}.id is missing.`)
    const label = typeof r.label === 'string' ? r.label : undefined
    if (r.kind === 'max-drop') {
      return {
        id: r.id,
        kind: 'max-drop',
        read: read(r.read, `${where}.read`),
        maxDropBps: Number(r.maxDropBps),
        windowBlocks: Number(r.windowBlocks),
        label,
      }
    }
    if (r.kind === 'at-least') {
      return {
        id: r.id,
        kind: 'at-least',
        left: read(r.left, `${where}.left`),
        right: read(r.right, `${where}.right`),
        label,
      }
    }
    return fail(`${where}.kind must be max-drop or at-least.`)
  })
  const targets = root.pauseTargets
  if (targets !== undefined && !Array.isArray(targets)) fail('pauseTargets is not a list.')
  return { rules, pauseTargets: targets?.map((t, i) => address(t, `pauseTargets[${i}]`)) }
}

/** Writes an alert's sign request once: the directory is created if missing, an existing file is kept. */
function writeAlertFile(dir: string, file: string, text: string): void {
  try {
    mkdirSync(dir, { recursive: true })
  } catch (cause) {
    throw FileSystemError.from({ cause, path: dir, doing: 'create the alerts directory' })
  }
  try {
    writeFileAtomic(file, text, { replace: false })
  } catch (error) {
    // The same pause was written by an earlier alert; `action qr` gives its current request.
    if (!(error instanceof OutputExistsError)) throw error
  }
}

export const sentryRun: Command = {
  path: ['sentry', 'run'],
  summary:
    'Watch on-chain invariants for N polls; on a breach queue the guardian’s pause and write its UR (exit 3 if the chain cannot be read).',
  usage: 'sentry run --rules FILE [--polls N] [--interval MS] [--out DIR] [--json]',
  options: {
    ...homeOption,
    rules: { type: 'string', help: 'sentry rules JSON' },
    polls: { type: 'string', help: 'how many times to poll (default 1)' },
    interval: { type: 'string', help: 'milliseconds between polls (default 2000)' },
    out: { type: 'string', help: 'where alert requests are written (default HOME/alerts)' },
  },
  run: async ({ values, io }) => {
    if (typeof values.rules !== 'string')
      throw new UsageError('sentry run needs --rules FILE.', { hint: `Usage: airlock ${sentryRun.usage}` })
    const { rules, pauseTargets } = parseRules(readJsonFile(resolve(io.cwd, values.rules), 'sentry rules'))
    const polls = positiveInt(values.polls, 'polls') ?? 1
    const intervalMs = positiveInt(values.interval, 'interval') ?? 2000
    return withCoordinator(values, io.cwd, async (c) => {
      const sentry = new Sentry.Sentry({ config: c.config, rules, pauseTargets })
      const out = typeof values.out === 'string' ? resolve(io.cwd, values.out) : join(c.home, 'alerts')
      const alerts: Record<string, unknown>[] = []
      let checks = 0
      let errors = 0
      await sentry.watch({
        client: c.client,
        intervalMs,
        maxPolls: polls,
        onCheck: () => {
          checks += 1
        },
        onError: (error) => {
          errors += 1
          io.stderr(`airlock: sentry: ${isBaseError(error) ? error.oneLine : String(error)}\n`)
        },
        onAlert: async (alert) => {
          for (const breach of alert.breaches)
            io.stderr(`ALERT block ${alert.blockNumber}: ${breach.message}\n`)
          const store = await c.store()
          const { pause } = alert
          const ref = { chainId: BigInt(pause.state.chainId), address: pause.state.address }
          let id: string
          try {
            const created = await store.createAction({
              safe: { ...ref, version: pause.state.version },
              tx: pause.tx,
              title: pause.title,
              description: pause.description,
              requirements: () => Requirements.forQueue(pause.requirements),
              actor: 'sentry',
              analyze: { org: c.config.decoder },
              onchainNonce: pause.state.nonce,
              submit: true,
            })
            id = created.id
          } catch (error) {
            // The same pause is already queued (an earlier alert): point at it.
            if (!(error instanceof DuplicateActionError)) throw error
            id = error.existingId
          }
          const action = await store.getAction(id)
          const request = Action.signRequest(action, { collected: await store.signatures(id) })
          const ur = Ur.encode({ ...SignRequest.toUr(request), maxFragmentLength: 200 })
          const parts = ur.firstParts(ur.isSinglePart ? 1 : ur.fragmentCount)
          const file = join(out, `${id}.ur.txt`)
          writeAlertFile(out, file, `${parts.join('\n')}\n`)
          const entry = {
            blockNumber: alert.blockNumber,
            breaches: alert.breaches.map(({ ruleId, label, message, value, reference }) => ({
              ruleId,
              label,
              message,
              value,
              reference,
            })),
            actionId: id,
            tier: action.tier,
            safe: action.safe.address,
            safeTxHash: action.safeTxHash,
            urFile: file,
          }
          alerts.push(entry)
          if (!values.json) {
            io.stdout(
              `ALERT at block ${alert.blockNumber}: ${alert.breaches.map((b) => b.message).join(' ')}\n` +
                `  guardian pause queued as ${id} (${action.tier}, needs ${action.requirements.signatures} signature(s))\n` +
                `  sign request: ${file} (or airlock action qr ${id} --out DIR)\n`,
            )
          }
        },
      })
      if (values.json) io.stdout(`${toJson({ polls, checks, errors, alerts })}\n`)
      else if (alerts.length === 0)
        io.stdout(`No breach in ${checks} block check(s)${errors ? `, ${errors} error(s)` : ''}.\n`)
      if (errors === 0) return 0
      // A watch with gaps is not a clean watch: say so loudly, and let a supervisor see the exit code.
      io.stderr(
        `ALERT sentry: ${errors} of ${polls} poll(s) could not read the chain${checks === 0 ? ': nothing was watched' : ''}. Check the RPC endpoint in ${c.home}/config.json; invariants were not checked while it failed.\n`,
      )
      return 3
    })
  },
}
