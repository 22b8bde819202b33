// `airlock action new …`: builds a Safe transaction with coordinator-core, analyses it exactly as a
// signer does, and queues it; prints the id, tier, hashes and what it still needs.
import { resolve } from 'node:path'
import {
  Action,
  Build,
  Chain,
  Config,
  Ens,
  type EnsResolved,
  type PreparedAction,
  Requirements,
  Timelock,
  TransactionBuilder,
} from '@airlock/coordinator-core'
import { type ApprovedTx, SafeTx } from '@airlock/safe'
import type { Command, OptionSpec } from '../../command.ts'
import { InputFileError, UsageError } from '../../errors.ts'
import { type Io, readJsonFile, toJson } from '../../io.ts'
import { addressFlag, type Coordinator, homeOption, resolveSafe, uintFlag, withCoordinator } from './home.ts'
import { actionText, actionView } from './view.ts'

type Address = SafeTx.Address
type Hex = SafeTx.Hex

type Values = Record<string, unknown>

/** Resolves the ENS names among `texts` at the block the Safe was read at (others are left out). */
type ResolveNames = (texts: readonly string[]) => Promise<ReadonlyMap<string, Address>>

const common: Record<string, OptionSpec> = {
  ...homeOption,
  safe: { type: 'string', help: 'the Safe that executes it: address or name (default: the treasury)' },
  title: { type: 'string', help: 'a title the signers see (untrusted text to them)' },
  description: { type: 'string', help: 'a description (default: the decoded calls)' },
  nonce: { type: 'string', help: 'the Safe nonce (default: the next free one in the queue)' },
}

const callOptions: Record<string, OptionSpec> = {
  to: { type: 'string', help: 'the contract to call (an address or an ENS name)' },
  sig: { type: 'string', help: 'function signature, e.g. "function setFee(uint256 fee)"' },
  args: {
    type: 'string',
    multiple: true,
    help: 'arguments in order (repeat, or list them after --args); an address argument may be an ENS name',
  },
  data: { type: 'string', help: 'raw calldata instead of --sig/--args' },
  value: { type: 'string', help: 'native coin to send with the call, in wei (default 0)' },
}

/**
 * Builds the action on a freshly read Safe and queues it (submitted: it starts collecting at once).
 *
 * @example
 * await queue(c, { values, io, safe, title: 'Pay Bob', calls: [Build.nativeTransfer({ to, amount })] })
 */
export async function queue(
  c: Coordinator,
  {
    values,
    io,
    safe,
    calls,
    title,
    notes = [],
    afterCreate,
    approved,
  }: {
    values: Values
    io: Io
    safe: Address
    /** `ens` resolves names at the block the Safe was read at; only their addresses enter the request. */
    calls: (state: Chain.SafeState, ens: ResolveNames) => Build.Call[] | Promise<Build.Call[]>
    title: string
    notes?: string[] | undefined
    afterCreate?: ((id: string) => Promise<void>) | undefined
    /** For an owner Safe's approveHash: the approved transaction, analysed with it (see `NestedApproval`). */
    approved?: readonly ApprovedTx[] | undefined
  },
): Promise<number> {
  const state = await Chain.readSafe({ client: c.client, safe, chainId: c.config.chainId })
  const store = await c.store()
  const ref = { chainId: BigInt(state.chainId), address: state.address }
  await store.syncNonce({ safe: ref, onchainNonce: state.nonce, actor: c.actor })
  const nonce = values.nonce === undefined ? await store.nextNonce(ref) : uintFlag(values.nonce, 'nonce')
  // The chain's clock at creation: the tier's delay is judged by block time on both ends.
  const head = await Chain.rpc(() => c.client.getBlock({ blockTag: 'latest' }), { what: 'the latest block' })
  // ENS names resolve at the block the Safe was read at, like everything else the action is built from.
  const resolved = new Map<string, EnsResolved>()
  const ens: ResolveNames = async (texts) => {
    const names = texts.filter((text) => needsEns(c, text))
    const found = await Ens.resolveAll({
      client: c.client,
      names,
      registry: c.config.ensRegistry,
      blockNumber: state.blockNumber,
    })
    for (const [name, r] of found) resolved.set(name, r)
    return Ens.addresses(resolved)
  }
  const built = await calls(state, ens)
  const prepared: PreparedAction = Action.prepare({
    config: c.config,
    state,
    calls: built,
    title: typeof values.title === 'string' ? values.title : title,
    description: typeof values.description === 'string' ? values.description : undefined,
    nonce,
    scheduled: await store.scheduledOperations(ref),
    approved,
  })
  const created = await store.createAction({
    safe: { ...ref, version: state.version },
    tx: prepared.tx,
    title: prepared.title,
    description: prepared.description,
    requirements: (analysis) =>
      Requirements.forQueue(Requirements.of({ config: c.config, state, tier: analysis.tier })),
    actor: c.actor,
    analyze: { org: c.config.decoder, approved },
    onchainNonce: state.nonce,
    submit: true,
    chainTime: new Date(Number(head.timestamp) * 1000),
  })
  if (afterCreate) await afterCreate(created.id)
  const action = await store.getAction(created.id)
  const view = actionView(c, action, await store.signatures(action.id))
  const analysis = {
    tierReasons: prepared.analysis.tierReasons.map((r) => `${r.tier}: ${r.reason}`),
    findings: prepared.analysis.findings.map((f) => `${f.severity} ${f.code}: ${f.reason}`),
    drift: prepared.requirements.drift,
    notes,
    ens: [...resolved.values()].map((r) => ({
      name: r.name,
      address: r.address,
      blockNumber: r.blockNumber,
    })),
  }
  if (values.json) io.stdout(`${toJson({ ...view, ...analysis })}\n`)
  else {
    io.stdout(actionText(view))
    for (const r of analysis.ens) io.stdout(`  ENS: ${r.name} → ${r.address} (block ${r.blockNumber})\n`)
    for (const reason of analysis.tierReasons) io.stdout(`  why: ${reason}\n`)
    for (const finding of analysis.findings) io.stdout(`  finding: ${finding}\n`)
    io.stdout(`Next: airlock action qr ${action.id} --out DIR (or --parts) for the signers.\n`)
  }
  for (const line of [...analysis.drift, ...notes]) io.stderr(`warning: ${line}\n`)
  return 0
}

/**
 * One call from --to with --sig/--args (arguments also after --args), or --data, and --value.
 *
 * @example
 * callFromFlags(values, positionals) // { to, value: 0n, data: '0x…' }
 */
export function callFromFlags(
  values: Values,
  positionals: string[],
  names?: ReadonlyMap<string, Address> | undefined,
): Build.Call {
  const named = typeof values.to === 'string' ? names?.get(values.to.trim()) : undefined
  const to = named ?? addressFlag(values.to, 'to')
  const value = values.value === undefined ? 0n : uintFlag(values.value, 'value')
  const args = [...((values.args as string[] | undefined) ?? []), ...positionals]
  if (typeof values.data === 'string') {
    if (values.sig !== undefined || args.length > 0) {
      throw new UsageError('Give either --data or --sig with --args, not both.', {
        hint: 'Use --sig "function f(uint256)" --args 5 to encode the call here.',
      })
    }
    return { to, value, data: SafeTx.parseHex(values.data, '--data') }
  }
  if (typeof values.sig !== 'string') {
    throw new UsageError('Give the function with --sig (or raw calldata with --data).', {
      hint: 'Example: --sig "function setFee(uint256 fee)" --args 30',
    })
  }
  return Build.contractCall({ to, signature: values.sig, args, value, names })
}

/** The texts of --to and --args that stand for addresses (ENS names to resolve). */
function namesInFlags(values: Values, positionals: string[]): string[] {
  const args = [...((values.args as string[] | undefined) ?? []), ...positionals]
  const to = typeof values.to === 'string' ? values.to : ''
  return typeof values.sig === 'string' ? Build.namesIn({ to, signature: values.sig, args }) : [to]
}

/**
 * Calls from a JSON file: `[{ "to": "0x…", "value": "0", "data": "0x…" }` or
 * `{ "to": "0x…", "sig": "function f(uint256)", "args": ["1"] }, …]`.
 *
 * @example
 * callsFromFile('calls.json', io.cwd)
 */
export function callsFromFile(
  file: string,
  cwd: string,
  names?: ReadonlyMap<string, Address> | undefined,
): Build.Call[] {
  return callEntries(file, cwd).map(({ e, where }) => {
    const to = typeof e.to === 'string' ? e.to : ''
    const value = e.value === undefined ? '0' : String(e.value)
    try {
      if (typeof e.sig === 'string' || typeof e.signature === 'string') {
        return Build.contractCall({
          to,
          signature: (e.sig ?? e.signature) as string,
          args: Array.isArray(e.args) ? e.args : [],
          value,
          names,
        })
      }
      return {
        to: names?.get(to.trim()) ?? SafeTx.parseAddress(to, 'to'),
        value: SafeTx.parseUint(value, 'value'),
        data: e.data === undefined ? '0x' : SafeTx.parseHex(e.data, 'data'),
      }
    } catch (error) {
      if (error instanceof Error && 'shortMessage' in error) {
        throw new InputFileError(`${where}: ${(error as { shortMessage: string }).shortMessage}`, {
          hint: (error as { hint?: string }).hint ?? 'Fix the call in the file.',
          cause: error,
        })
      }
      throw error
    }
  })
}

/** The texts of a calls file that stand for addresses (`to`, address arguments): ENS names to resolve. */
function namesInFile(file: string, cwd: string): string[] {
  return callEntries(file, cwd).flatMap(({ e }) => {
    const to = typeof e.to === 'string' ? e.to : ''
    const signature = e.sig ?? e.signature
    return typeof signature === 'string'
      ? Build.namesIn({ to, signature, args: Array.isArray(e.args) ? e.args : [] })
      : [to]
  })
}

function callEntries(file: string, cwd: string): { e: Record<string, unknown>; where: string }[] {
  const json = readJsonFile(resolve(cwd, file), 'calls')
  const list = Array.isArray(json) ? json : (json as { calls?: unknown } | null)?.calls
  if (!Array.isArray(list) || list.length === 0) {
    throw new InputFileError(`${file} holds no calls.`, {
      hint: 'Give a JSON array of { "to", "value", "data" } or { "to", "sig", "args" } objects.',
    })
  }
  return list.map((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new InputFileError(`${file}: call ${i} is not an object.`, {
        hint: 'Give { "to", "value", "data" }.',
      })
    }
    return { e: entry as Record<string, unknown>, where: `${file}: call ${i}` }
  })
}

const run =
  (
    build: (c: Coordinator, values: Values, positionals: string[], io: Io) => Promise<number>,
  ): Command['run'] =>
  async ({ values, positionals, io }) =>
    withCoordinator(values, io.cwd, (c) => build(c, values, positionals, io))

// An address flag that also takes a name from the org config (`--to Payroll`, `--token USDC`).
function labelFlag(c: Coordinator, value: unknown, flag: string) {
  if (typeof value !== 'string' || value === '') return addressFlag(value, flag)
  return Config.resolveAddress(c.config, value, `--${flag}`)
}

// Whether the org config names this (a label wins over an ENS name spelled the same).
function isLabel(c: Coordinator, text: string): boolean {
  try {
    Config.resolveAddress(c.config, text)
    return true
  } catch {
    return false
  }
}

// Whether a flag's value is an ENS name to resolve on the chain (not an address or an org label).
function needsEns(c: Coordinator, value: unknown): boolean {
  return typeof value === 'string' && Ens.isName(value) && !isLabel(c, value)
}

// A recipient flag: an address, a name from the org config, or an ENS name (resolved by `ens`).
async function recipientFlag(c: Coordinator, value: unknown, flag: string, ens: ResolveNames) {
  if (typeof value === 'string' && needsEns(c, value)) {
    const address = (await ens([value])).get(value.trim())
    if (address !== undefined) return address
  }
  return labelFlag(c, value, flag)
}

export const actionNewTransfer: Command = {
  path: ['action', 'new', 'transfer'],
  summary: 'Queue a transfer of the native coin or an ERC-20 token.',
  usage:
    'action new transfer --to ADDR|NAME --amount N [--token ADDR|ID] [--safe S] [--title T] [--nonce N] [--json]',
  options: {
    ...common,
    to: {
      type: 'string',
      help: 'recipient: an address, a name from the org config (a recipient or Safe), or an ENS name (alice.eth)',
    },
    amount: {
      type: 'string',
      help: 'amount in units of the coin or token (1.5), with the decimals from the org config; "1000wei" or "1000base" for base units',
    },
    token: {
      type: 'string',
      help: 'ERC-20 token: an address or an asset id from the org config (default: the native coin)',
    },
  },
  run: run(async (c, values, _positionals, io) => {
    const token = values.token === undefined ? undefined : labelFlag(c, values.token, 'token')
    if (typeof values.amount !== 'string' || values.amount === '') {
      throw new UsageError('--amount is required.', {
        hint: 'Example: --amount 1.5 (units), or --amount 1000wei.',
      })
    }
    const amount = Config.parseAmount(c.config, { amount: values.amount, token })
    // An address or a label is checked before the chain is read (only an ENS name needs the chain).
    const eagerTo = needsEns(c, values.to) ? undefined : labelFlag(c, values.to, 'to')
    return queue(c, {
      values,
      io,
      safe: resolveSafe(c, values.safe),
      title: `Transfer ${values.amount}${token ? ` of token ${values.token}` : /[a-z]$/i.test(values.amount) ? '' : ' (native)'} to ${values.to}`,
      calls: async (_state, ens) => {
        const to = eagerTo ?? (await recipientFlag(c, values.to, 'to', ens))
        return [token ? Build.erc20Transfer({ token, to, amount }) : Build.nativeTransfer({ to, amount })]
      },
    })
  }),
}

export const actionNewCall: Command = {
  path: ['action', 'new', 'call'],
  summary: 'Queue a contract call from a function signature and arguments (or raw calldata).',
  usage:
    'action new call --to ADDR --sig "function f(uint256)" --args A [B…] [--value WEI] [--safe S] [--json]',
  allowPositionals: true,
  options: { ...common, ...callOptions },
  run: run(async (c, values, positionals, io) => {
    // Without an ENS name the call is built (and its addresses checked) before the chain is read.
    const eager = namesInFlags(values, positionals).some((text) => needsEns(c, text))
      ? undefined
      : callFromFlags(values, positionals, undefined)
    return queue(c, {
      values,
      io,
      safe: resolveSafe(c, values.safe),
      title: `Call ${typeof values.sig === 'string' ? values.sig.replace(/^function\s+/, '') : 'contract'} on ${String(values.to)}`,
      calls: async (_state, ens) => [
        eager ?? callFromFlags(values, positionals, await ens(namesInFlags(values, positionals))),
      ],
    })
  }),
}

export const actionNewBatch: Command = {
  path: ['action', 'new', 'batch'],
  summary:
    'Queue several calls as one MultiSendCallOnly batch (a calls JSON or a Safe Transaction Builder file).',
  usage:
    'action new batch (--file calls.json | --tx-builder FILE [--ignore-checksum]) [--safe S] [--title T] [--json]',
  options: {
    ...common,
    file: { type: 'string', help: 'JSON array of { to, value, data } or { to, sig, args }' },
    'tx-builder': { type: 'string', help: 'a Safe Transaction Builder batch JSON export' },
    'ignore-checksum': {
      type: 'boolean',
      help: 'import a Transaction Builder file edited after it was saved (its checksum does not match)',
    },
  },
  run: run(async (c, values, _positionals, io) => {
    const notes: string[] = []
    const safe = resolveSafe(c, values.safe)
    let calls: Build.Call[] | ((state: Chain.SafeState, ens: ResolveNames) => Promise<Build.Call[]>)
    let title: string
    if (typeof values['tx-builder'] === 'string') {
      const batch = TransactionBuilder.parse(
        readJsonFile(resolve(io.cwd, values['tx-builder']), 'Transaction Builder'),
        {
          chainId: c.config.chainId,
          checksum: values['ignore-checksum'] === true ? 'ignore' : 'verify',
        },
      )
      if (batch.checksum === 'mismatch')
        notes.push('The Transaction Builder file was edited after it was saved (checksum mismatch).')
      if (batch.checksum === 'absent')
        notes.push(
          'The Transaction Builder file has no checksum (hand-made, or removed): edits cannot be seen.',
        )
      if (batch.createdFromSafeAddress && batch.createdFromSafeAddress.toLowerCase() !== safe.toLowerCase()) {
        notes.push(`The batch was created for Safe ${batch.createdFromSafeAddress}, not ${safe}.`)
      }
      calls = batch.calls
      title = batch.name || `Batch of ${calls.length} calls`
    } else if (typeof values.file === 'string') {
      const file = values.file
      title = `Batch of ${callEntries(file, io.cwd).length} calls`
      calls = async (_state, ens) => callsFromFile(file, io.cwd, await ens(namesInFile(file, io.cwd)))
    } else {
      throw new UsageError('Give the calls with --file calls.json or --tx-builder FILE.', {
        hint: `Usage: airlock ${actionNewBatch.usage}`,
      })
    }
    const fixed = calls
    return queue(c, {
      values,
      io,
      safe,
      title,
      notes,
      calls: typeof fixed === 'function' ? fixed : () => fixed,
    })
  }),
}

type AdminOp = {
  name: string
  summary: string
  usage: string
  options: Record<string, OptionSpec>
  build: (state: Chain.SafeState, values: Values) => Build.Call
  title: (values: Values) => string
}

const optionalThreshold = (values: Values) =>
  values.threshold === undefined ? undefined : uintFlag(values.threshold, 'threshold')

const adminOps: AdminOp[] = [
  {
    name: 'add-owner',
    summary: 'Queue adding an owner (keeps the threshold unless --threshold).',
    usage: '--owner ADDR [--threshold N]',
    options: {
      owner: { type: 'string', help: 'the new owner' },
      threshold: { type: 'string', help: 'new threshold' },
    },
    build: (state, v) =>
      Build.addOwner({ state, owner: addressFlag(v.owner, 'owner'), threshold: optionalThreshold(v) }),
    title: (v) => `Add owner ${String(v.owner)}`,
  },
  {
    name: 'remove-owner',
    summary: 'Queue removing an owner (lowers the threshold only if it must, unless --threshold).',
    usage: '--owner ADDR [--threshold N]',
    options: {
      owner: { type: 'string', help: 'the owner to remove' },
      threshold: { type: 'string', help: 'new threshold' },
    },
    build: (state, v) =>
      Build.removeOwner({ state, owner: addressFlag(v.owner, 'owner'), threshold: optionalThreshold(v) }),
    title: (v) => `Remove owner ${String(v.owner)}`,
  },
  {
    name: 'swap-owner',
    summary: 'Queue replacing one owner by another.',
    usage: '--old ADDR --new ADDR',
    options: {
      old: { type: 'string', help: 'the owner to replace' },
      new: { type: 'string', help: 'the new owner' },
    },
    build: (state, v) =>
      Build.swapOwner({ state, oldOwner: addressFlag(v.old, 'old'), newOwner: addressFlag(v.new, 'new') }),
    title: (v) => `Swap owner ${String(v.old)} for ${String(v.new)}`,
  },
  {
    name: 'threshold',
    summary: 'Queue a threshold change.',
    usage: '--threshold N',
    options: { threshold: { type: 'string', help: 'the new threshold' } },
    build: (state, v) => Build.changeThreshold({ state, threshold: uintFlag(v.threshold, 'threshold') }),
    title: (v) => `Change the threshold to ${String(v.threshold)}`,
  },
  {
    name: 'enable-module',
    summary: 'Queue enabling a Safe module.',
    usage: '--module ADDR',
    options: { module: { type: 'string', help: 'the module contract' } },
    build: (state, v) => Build.enableModule({ state, module: addressFlag(v.module, 'module') }),
    title: (v) => `Enable module ${String(v.module)}`,
  },
  {
    name: 'disable-module',
    summary: 'Queue disabling a Safe module.',
    usage: '--module ADDR',
    options: { module: { type: 'string', help: 'the module contract' } },
    build: (state, v) => Build.disableModule({ state, module: addressFlag(v.module, 'module') }),
    title: (v) => `Disable module ${String(v.module)}`,
  },
  {
    name: 'set-guard',
    summary: 'Queue setting (or, with the zero address, removing) the transaction guard.',
    usage: '--guard ADDR',
    options: { guard: { type: 'string', help: 'the guard contract (0x000…0 removes it)' } },
    build: (state, v) => Build.setGuard({ state, guard: addressFlag(v.guard, 'guard') }),
    title: (v) => `Set the guard to ${String(v.guard)}`,
  },
  {
    name: 'set-fallback-handler',
    summary: 'Queue setting the fallback handler.',
    usage: '--handler ADDR',
    options: { handler: { type: 'string', help: 'the fallback handler contract' } },
    build: (state, v) => Build.setFallbackHandler({ state, handler: addressFlag(v.handler, 'handler') }),
    title: (v) => `Set the fallback handler to ${String(v.handler)}`,
  },
]

export const actionNewAdmin: Command[] = adminOps.map((op) => ({
  path: ['action', 'new', 'admin', op.name],
  summary: op.summary,
  usage: `action new admin ${op.name} ${op.usage} [--safe S] [--json]`,
  options: { ...common, ...op.options },
  run: run(async (c, values, _positionals, io) =>
    queue(c, {
      values,
      io,
      safe: resolveSafe(c, values.safe),
      title: op.title(values),
      calls: (state) => [op.build(state, values)],
    }),
  ),
}))

export const actionNewPause: Command = {
  path: ['action', 'new', 'pause'],
  summary: 'Queue the guardian Safe’s Emergency pause of listed protocol contracts (one signature).',
  usage: 'action new pause [--contract ADDR…] [--json]',
  options: {
    ...common,
    contract: {
      type: 'string',
      multiple: true,
      help: 'a pausable contract from the org config (default: all)',
    },
  },
  run: run(async (c, values, _positionals, io) => {
    if (!c.config.guardian) {
      throw new UsageError(`The org config has no guardian Safe on chain ${c.config.chainId}.`, {
        hint: 'Set "guardian" in the org config: pauses go through it.',
      })
    }
    const contracts = (values.contract as string[] | undefined)?.map((a) => addressFlag(a, 'contract'))
    return queue(c, {
      values,
      io,
      safe: resolveSafe(c, values.safe, c.config.guardian.address),
      title: contracts
        ? `Emergency pause of ${contracts.join(', ')}`
        : 'Emergency pause of every pausable contract',
      calls: () => Build.pause({ config: c.config, contracts }),
    })
  }),
}

const timelockOptions: Record<string, OptionSpec> = {
  ...callOptions,
  file: { type: 'string', help: 'several calls as JSON (a batch operation) instead of --to' },
  salt: { type: 'string', help: 'bytes32 salt that makes the operation unique (default zero)' },
  predecessor: { type: 'string', help: 'bytes32 id of an operation that must be done first' },
  timelock: { type: 'string', help: 'the TimelockController (default: from config.json)' },
}

function operationOf(c: Coordinator, values: Values, positionals: string[], cwd: string): Timelock.Operation {
  const timelock =
    values.timelock === undefined ? c.config.timelock : addressFlag(values.timelock, 'timelock')
  if (timelock === undefined) {
    throw new UsageError('No TimelockController is configured.', {
      hint: 'Pass --timelock ADDR, or set it with coordinator init --timelock.',
    })
  }
  const bytes32 = (value: unknown, flag: string): Hex | undefined =>
    value === undefined ? undefined : (SafeTx.parseHex(value, `--${flag}`, { bytes: 32 }) as Hex)
  return {
    timelock,
    calls:
      typeof values.file === 'string'
        ? callsFromFile(values.file, cwd)
        : [callFromFlags(values, positionals)],
    salt: bytes32(values.salt, 'salt'),
    predecessor: bytes32(values.predecessor, 'predecessor'),
  }
}

export const actionNewTimelockSchedule: Command = {
  path: ['action', 'new', 'timelock', 'schedule'],
  summary:
    'Queue scheduling a Critical operation on the TimelockController (from the treasury, its proposer).',
  usage:
    'action new timelock schedule (--to ADDR --sig S --args … | --file calls.json) [--delay S] [--salt H] [--json]',
  allowPositionals: true,
  options: {
    ...common,
    ...timelockOptions,
    delay: { type: 'string', help: 'seconds (default: the timelock’s minimum delay)' },
  },
  run: run(async (c, values, positionals, io) => {
    const operation = operationOf(c, values, positionals, io.cwd)
    const id = Timelock.operationId(operation)
    const onChain = await Timelock.read({ client: c.client, timelock: operation.timelock, id })
    if (onChain.status !== 'unset') {
      throw new UsageError(`Operation ${id} is already ${onChain.status} on the timelock.`, {
        hint: 'Use another --salt to schedule the same calls again.',
      })
    }
    const delay = values.delay === undefined ? onChain.minDelay : uintFlag(values.delay, 'delay')
    if (delay < onChain.minDelay) {
      throw new UsageError(
        `--delay ${delay} is below the timelock’s minimum delay of ${onChain.minDelay}s.`,
        {
          hint: `Give at least ${onChain.minDelay}.`,
        },
      )
    }
    const safe = resolveSafe(c, values.safe)
    const notes: string[] = []
    if (
      !(await Timelock.hasRole({
        client: c.client,
        timelock: operation.timelock,
        role: Timelock.roles.proposer,
        account: safe,
      }))
    ) {
      notes.push(`${safe} does not hold the PROPOSER role on ${operation.timelock}: scheduling will revert.`)
    }
    io.stderr(`Timelock operation ${id}, delay ${delay}s.\n`)
    return queue(c, {
      values,
      io,
      safe,
      notes,
      title: `Schedule timelock operation ${id.slice(0, 10)}… (${operation.calls.length} call(s), ${delay}s)`,
      calls: () => [Timelock.schedule({ ...operation, delay })],
    })
  }),
}

export const actionNewTimelockExecute: Command = {
  path: ['action', 'new', 'timelock', 'execute'],
  summary: 'Queue executing a scheduled timelock operation (refused by the queue until it is ready).',
  usage: 'action new timelock execute (--to ADDR --sig S --args … | --file calls.json) [--salt H] [--json]',
  allowPositionals: true,
  options: { ...common, ...timelockOptions },
  run: run(async (c, values, positionals, io) => {
    const operation = operationOf(c, values, positionals, io.cwd)
    const id = Timelock.operationId(operation)
    const onChain = await Timelock.read({ client: c.client, timelock: operation.timelock, id })
    if (onChain.status === 'unset' || onChain.status === 'done') {
      throw new UsageError(
        `Operation ${id} is ${onChain.status === 'unset' ? 'not scheduled' : 'already done'}.`,
        {
          hint: 'Check the calls, salt and predecessor: they must match the scheduled operation exactly.',
        },
      )
    }
    return queue(c, {
      values,
      io,
      safe: resolveSafe(c, values.safe),
      title: `Execute timelock operation ${id.slice(0, 10)}…`,
      calls: () => [Timelock.execute(operation)],
      afterCreate: async (actionId) => {
        const store = await c.store()
        await store.setTimelock(actionId, {
          operationId: id,
          eta: new Date(Number(onChain.readyAt) * 1000),
          actor: c.actor,
        })
      },
    })
  }),
}

export const actionNewTimelockCancel: Command = {
  path: ['action', 'new', 'timelock', 'cancel'],
  summary: 'Queue cancelling a pending timelock operation (from the guardian Safe, its canceller).',
  usage: 'action new timelock cancel (--id H | --to ADDR --sig S --args … | --file calls.json) [--json]',
  allowPositionals: true,
  options: { ...common, ...timelockOptions, id: { type: 'string', help: 'the operation id' } },
  run: run(async (c, values, positionals, io) => {
    const timelock =
      values.timelock === undefined ? c.config.timelock : addressFlag(values.timelock, 'timelock')
    const id =
      typeof values.id === 'string'
        ? (SafeTx.parseHex(values.id, '--id', { bytes: 32 }) as Hex)
        : Timelock.operationId(operationOf(c, values, positionals, io.cwd))
    if (timelock === undefined) {
      throw new UsageError('No TimelockController is configured.', { hint: 'Pass --timelock ADDR.' })
    }
    const onChain = await Timelock.read({ client: c.client, timelock, id })
    if (onChain.status !== 'pending' && onChain.status !== 'ready') {
      throw new UsageError(
        `Operation ${id} is ${onChain.status === 'unset' ? 'not scheduled' : 'already done'}: nothing to cancel.`,
        {
          hint: 'Check the operation id.',
        },
      )
    }
    return queue(c, {
      values,
      io,
      safe: resolveSafe(c, values.safe, c.config.guardian?.address),
      title: `Cancel timelock operation ${id.slice(0, 10)}…`,
      calls: () => [Timelock.cancel({ timelock, id })],
    })
  }),
}
