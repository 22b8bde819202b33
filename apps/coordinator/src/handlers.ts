// The coordinator's operations as plain functions over coordinator-core and the queue: main's IPC
// calls them, and so do the tests (through the same channel names). No Electron here. Every function
// returns a Result: a typed engine error becomes an ErrorView, never an exception across IPC.
import {
  Action,
  Build,
  type Call,
  Chain,
  type Client,
  type CoordinatorConfig,
  Ens,
  type EnsResolved,
  Execution,
  type ExecutionPlan,
  NestedApproval,
  Predict,
  type Prediction,
  Requirements,
  type SafeState,
  Sentry,
  type SentryRule,
  SetLimits,
  Signatures,
  Simulate,
  type Simulation,
  Timelock,
  TransactionBuilder,
  TransactionService,
} from '@airlock/coordinator-core'
import { BaseError, isBaseError } from '@airlock/errors'
import type { Action as QueuedAction, Store, StoredSignature } from '@airlock/queue'
import { Describe, type SafeTx } from '@airlock/safe'
import { SignRequest, Ur, UrDecoder, type UrResult } from '@airlock/transport'
import { QrCode, QrDensity } from '@airlock/transport/images'
import {
  type Abi,
  type Account,
  type Address,
  formatUnits,
  getAddress,
  type Hex,
  isAddress,
  parseUnits,
  type Transport,
  type Chain as ViemChain,
  type WalletClient,
  zeroAddress,
} from 'viem'
import type {
  ActionView,
  AlertView,
  Api,
  ComposeForm,
  ComposeInput,
  ComposeView,
  ConfirmView,
  ErrorView,
  PredictionView,
  QrView,
  QueueView,
  Result,
  SafeView,
  ScanView,
  SentryView,
  ServiceConfigView,
  ServiceConfirmView,
  ServiceImportView,
  ServiceView,
  SimulationView,
  StatusView,
  TransferLine,
} from './api.ts'
import { rpcOriginsOf } from './security.ts'

/** ENS names resolved for one compose, keyed by the name as written. */
type EnsNames = ReadonlyMap<string, EnsResolved>

/** The operator's input that the window got wrong: shown with what to do. */
export class CoordinatorInputError extends BaseError {
  override name = 'CoordinatorApp.InputError'
}

export type HandlerContext = {
  config: CoordinatorConfig
  client: Client
  rpcUrl: string
  store: Store
  /** The policy bundle the signers installed, loaded with `Predict.install`. */
  installed: Awaited<ReturnType<typeof Predict.install>>
  /** Sends execTransaction and pays its gas (need not be an owner); execution is off without it. */
  executor?: WalletClient<Transport, ViemChain | undefined, Account> | undefined
  /** Who this operator is, in the queue's history. */
  operator: string
  /** Sentry rules as the operator last saved them (JSON text, see README "Sentry rules"). */
  sentryRules?: string | undefined
  /** Persists edited rules (main writes them next to the config). */
  saveSentryRules?: ((text: string) => Promise<void>) | undefined
  /** A desktop notification (main: Electron's Notification). */
  notify?: ((title: string, body: string) => void) | undefined
  /** Posts alerts as JSON to this URL when set (the operator's chat or pager). */
  webhook?: string | undefined
  /** Receipt polling (tests poll fast). */
  pollingIntervalMs?: number | undefined
  /** Blocks on top of an execution before it counts as confirmed. */
  confirmations?: bigint | undefined
  /** Team mode: calls `onChange` whenever any operator changes the shared queue (LISTEN/NOTIFY). */
  watch?: ((onChange: () => void) => Promise<{ close(): Promise<void> }>) | undefined
  /** The Safe Transaction Service at start (AIRLOCK_SERVICE_URL); the Service screen can change it. */
  serviceUrl?: string | undefined
  serviceApiKey?: string | undefined
  /** Reads the API key file the operator names on the Service screen (main: the file system). */
  readKeyFile?: ((path: string) => Promise<string>) | undefined
}

/**
 * The handlers behind every channel of the coordinator window.
 *
 * @example
 * const api = createHandlers({ config, client, rpcUrl, store, installed, operator: 'ops' })
 * const view = await api.compose({ form: { builder: 'transfer', transfer }, title: 'Pay Bob', queue: false })
 */
export function createHandlers(ctx: HandlerContext): Api & {
  revision(): number
  bump(): void
  /** The origins the window's session may reach: the RPC's, and the service's once configured. */
  networkOrigins(): string[]
} {
  const { config, client, store } = ctx
  let revision = 0
  let scan = new UrDecoder({ expectedTypes: Signatures.responseUrTypes })
  let scanParts = 0
  let rulesText = ctx.sentryRules ?? '{ "rules": [] }'
  let sentry: Sentry.Sentry | undefined
  const alerts = new Map<string, { view: AlertView; alert: Sentry.Alert }>()
  let service: { client: TransactionService.Client; apiKey: boolean } | undefined = ctx.serviceUrl
    ? serviceOf(ctx.serviceUrl, ctx.serviceApiKey)
    : undefined

  const labels = labelBook(config)
  const label = (address: string) => labels.get(address.toLowerCase())
  const chainTime = async () =>
    Number(
      (await Chain.rpc(() => client.getBlock({ blockTag: 'latest' }), { what: 'the latest block' }))
        .timestamp,
    )
  const readSafe = (safe: Address) => Chain.readSafe({ client, safe, chainId: config.chainId })
  const assets = config.org.assets.filter((asset) => asset.chainId === config.chainId)
  const asset = (id: string) => {
    const found = assets.find((a) => a.id === id)
    if (!found)
      throw new CoordinatorInputError(`There is no asset "${id}" in the org config.`, {
        hint: `Pick one of ${assets.map((a) => a.id).join(', ')}.`,
      })
    return found
  }

  // What each owner's signer remembers, as far as the queue knows: the executed actions it signed
  // (replays, and timelock operations it scheduled, whose execute it then judges by what is left).
  async function signerLogs(state: SafeState) {
    const ref = { chainId: BigInt(config.chainId), address: state.address }
    const executed = await store.listActions({ safe: ref, states: ['executed'] })
    const actions = await Promise.all(
      executed.map(async (action) => {
        const collected = await store.signatures(action.id)
        return {
          tx: action.tx,
          context: Action.contextOf(action),
          signers: collected.filter((s) => s.kind === 'safe-signature').map((s) => s.signer),
          signedAt: Math.floor(action.updatedAt.getTime() / 1000),
        }
      }),
    )
    return new Map(
      state.owners.map((owner) => [
        owner.toLowerCase(),
        Predict.logOf({ owner, actions, org: config.decoder }),
      ]),
    )
  }

  async function predictionOf(
    prepared: Action.Prepared,
  ): Promise<{ prediction: Prediction; view: PredictionView }> {
    const request = Action.signRequest(prepared)
    const prediction = await Predict.verdict({
      installed: ctx.installed,
      request,
      nowMs: (await chainTime()) * 1000,
      logs: await signerLogs(prepared.state),
    })
    return {
      prediction,
      view: {
        verdict: prediction.verdict,
        allowing: prediction.allowing,
        needed: prediction.needed,
        refusals: prediction.refusals.map(({ code, message }) => ({ code, message })),
        owners: prediction.owners.map((o) => ({
          owner: getAddress(o.owner),
          label: label(o.owner),
          verdict: o.verdict,
        })),
        bundleVersion: prediction.bundle.version,
      },
    }
  }

  async function simulationOf(tx: SafeTx.SafeTx, context: Action.Prepared['context'], state?: SafeState) {
    try {
      const simulation = await Simulate.transaction({ client, config, tx, context, state })
      return { simulation, view: simulationView(simulation) }
    } catch (error) {
      return { simulation: undefined, view: { status: 'error', error: errorView(error) } as SimulationView }
    }
  }

  function simulationView(simulation: Simulation): SimulationView {
    return {
      status: simulation.ok ? 'ok' : 'reverted',
      method: simulation.method,
      blockNumber: simulation.blockNumber.toString(),
      revert: simulation.revert?.message,
      failedCall: simulation.failedCall && {
        path:
          simulation.failedCall.path.length === 0
            ? 'the call'
            : `call ${simulation.failedCall.path.join('.')}`,
        to: simulation.failedCall.to,
        reason: simulation.failedCall.revert.reason ?? simulation.failedCall.revert.message,
      },
      balanceChanges: simulation.balanceChanges.map((c) => ({
        asset: c.asset,
        before: formatUnits(c.before, c.decimals),
        after: formatUnits(c.after, c.decimals),
        delta: `${c.delta > 0n ? '+' : ''}${formatUnits(c.delta, c.decimals)}`,
      })),
    }
  }

  function transferCall({ asset: id, to, amount }: TransferLine, names?: EnsNames): Call {
    const a = asset(id)
    const recipient = resolveName(to, names)
    let base: bigint
    try {
      base = parseUnits(amount.trim(), a.decimals)
    } catch {
      throw new CoordinatorInputError(`"${amount}" is not an amount of ${a.id}.`, {
        hint: `Give it in ${a.id} units, e.g. 1.5 (up to ${a.decimals} decimals).`,
      })
    }
    if (base <= 0n)
      throw new CoordinatorInputError('The amount must be above 0.', { hint: 'Give a positive amount.' })
    return a.address === 'native'
      ? Build.nativeTransfer({ to: recipient, amount: base })
      : Build.erc20Transfer({ token: a.address, to: recipient, amount: base })
  }

  // Labels resolve to their addresses, like the signers show them; ENS names to what `names` (resolved
  // at the block the Safe was read at) says.
  function resolveName(text: string, names?: EnsNames): Address {
    const trimmed = text.trim()
    if (isAddress(trimmed, { strict: false })) return getAddress(trimmed)
    const label = labelled(trimmed)
    if (label !== undefined) return label
    const named = names?.get(trimmed)
    if (named !== undefined) return named.address
    throw new CoordinatorInputError(`"${text}" is neither an address nor a label in the org config.`, {
      hint: 'Give a 0x address, the name of a listed recipient or Safe, or an ENS name (alice.eth).',
    })
  }

  function labelled(text: string): Address | undefined {
    for (const [address, name] of labels)
      if (name.toLowerCase() === text.toLowerCase()) return getAddress(address)
    return undefined
  }

  function contractCallOf(form: Extract<ComposeForm, { builder: 'contract-call' }>) {
    let abi: Abi | undefined
    let signature: string | undefined
    const text = form.abi.trim()
    if (text.startsWith('[')) {
      try {
        abi = JSON.parse(text) as Abi
      } catch {
        throw new CoordinatorInputError('The ABI is not valid JSON.', {
          hint: 'Paste the contract’s ABI array.',
        })
      }
    } else signature = text || form.method
    return { abi, signature, functionName: abi ? form.method : undefined, args: form.args }
  }

  // The ENS names a form gives where an address goes (recipients, targets, address arguments), resolved
  // through the configured registry at the block the Safe was read at. Labels win over names.
  async function namesOf(form: ComposeForm, state: SafeState): Promise<EnsNames> {
    const texts = ((): string[] => {
      switch (form.builder) {
        case 'transfer':
          return [form.transfer.to]
        case 'batch':
          return form.transfers.map((t) => t.to)
        case 'contract-call': {
          const labelledTo = labelled(form.to.trim())
          return Build.namesIn({ ...contractCallOf(form), to: labelledTo ?? form.to })
        }
        case 'timelock':
          return [form.target]
        case 'safe-admin':
        case 'pause':
        case 'transaction-builder':
          return []
        default:
          return unreachable(form)
      }
    })()
    const wanted = texts.filter((t) => Ens.isName(t) && labelled(t.trim()) === undefined)
    if (wanted.length === 0) return new Map()
    return Ens.resolveAll({
      client,
      names: wanted,
      registry: config.ensRegistry,
      blockNumber: state.blockNumber,
    })
  }

  function callsOf(form: ComposeForm, state: SafeState, names: EnsNames): Call[] {
    switch (form.builder) {
      case 'transfer':
        return [transferCall(form.transfer, names)]
      case 'batch':
        if (form.transfers.length === 0)
          throw new CoordinatorInputError('The batch is empty.', { hint: 'Add at least one line.' })
        return form.transfers.map((line) => transferCall(line, names))
      case 'contract-call':
        return [
          Build.contractCall({
            ...contractCallOf(form),
            to: resolveName(form.to, names),
            value: form.value.trim() === '' ? 0n : parseUnits(form.value.trim(), 18),
            names: Ens.addresses(names),
          }),
        ]
      case 'safe-admin': {
        const operation = form.operation
        switch (operation) {
          case 'add-owner':
            return [
              Build.addOwner({
                state,
                owner: form.owner,
                threshold: BigInt(form.threshold || state.threshold),
              }),
            ]
          case 'remove-owner':
            return [
              Build.removeOwner({
                state,
                owner: form.owner,
                threshold: BigInt(form.threshold || state.threshold),
              }),
            ]
          case 'change-threshold':
            return [Build.changeThreshold({ state, threshold: BigInt(form.threshold) })]
          default:
            return unreachable(operation)
        }
      }
      case 'timelock': {
        if (!config.timelock)
          throw new CoordinatorInputError('No timelock is configured.', {
            hint: 'Set "timelock" in the coordinator config.',
          })
        const inner = {
          to: resolveName(form.target, names),
          value: BigInt(form.value || '0'),
          data: (form.data || '0x') as Hex,
        }
        const salt = (form.salt || undefined) as Hex | undefined
        const operation = form.operation
        switch (operation) {
          case 'schedule':
            return [
              Timelock.schedule({
                timelock: config.timelock,
                calls: [inner],
                salt,
                delay: BigInt(form.delay || '0'),
              }),
            ]
          case 'execute':
            return [Timelock.execute({ timelock: config.timelock, calls: [inner], salt })]
          case 'cancel':
            return [Timelock.cancel({ timelock: config.timelock, id: form.id as Hex })]
          default:
            return unreachable(operation)
        }
      }
      case 'pause':
        return Build.pause({ config, contracts: form.targets.length > 0 ? form.targets : undefined })
      case 'transaction-builder':
        return [...TransactionBuilder.parse(form.json, { chainId: config.chainId }).calls]
      default:
        return unreachable(form)
    }
  }

  async function foresee(prepared: Action.Prepared) {
    const [{ prediction, view: predictionView }, { simulation, view: simulation_ }] = await Promise.all([
      predictionOf(prepared),
      simulationOf(prepared.tx, prepared.context, prepared.state),
    ])
    return { prediction, predictionView, simulation, simulationView: simulation_ }
  }

  function composeView(
    prepared: Action.Prepared,
    f: Awaited<ReturnType<typeof foresee>>,
    actionId: string | undefined,
    blocked: string | undefined,
    names: EnsNames = new Map(),
  ): ComposeView {
    const r = prepared.requirements
    return {
      title: prepared.title,
      safe: prepared.state.address,
      names: [...names.values()].map((n) => ({
        name: n.name,
        address: n.address,
        blockNumber: n.blockNumber.toString(),
      })),
      nonce: prepared.tx.nonce.toString(),
      safeTxHash: prepared.hashes.safeTxHash,
      tier: prepared.analysis.tier,
      tierReasons: prepared.analysis.tierReasons.map((t) => t.reason),
      findings: prepared.analysis.findings.map(({ severity, code, reason }) => ({ severity, code, reason })),
      calls: Describe.tree(prepared.analysis.calls),
      needs: {
        signatures: r.signatures,
        approvals: Number.isFinite(r.approvals) ? r.approvals : -1,
        attestations: Number.isFinite(r.attestations) ? r.attestations : -1,
        delaySeconds: r.delaySeconds,
      },
      drift: r.drift,
      prediction: f.predictionView,
      simulation: f.simulationView,
      actionId,
      blocked,
    }
  }

  async function queuePrepared(prepared: Action.Prepared, onchainNonce: bigint): Promise<string> {
    const created = await store.createAction({
      safe: {
        chainId: BigInt(config.chainId),
        address: prepared.state.address,
        version: prepared.state.version,
      },
      tx: prepared.tx,
      title: prepared.title,
      description: prepared.description,
      requirements: (analysis) =>
        Requirements.forQueue(Requirements.of({ config, state: prepared.state, tier: analysis.tier })),
      actor: ctx.operator,
      analyze: { org: config.decoder },
      onchainNonce,
      submit: true,
      // The chain's clock at creation: the tier's delay is judged by block time on both ends.
      chainTime: new Date((await chainTime()) * 1000),
    })
    revision += 1
    return created.id
  }

  function blockedReason(f: Awaited<ReturnType<typeof foresee>>): string | undefined {
    if (f.simulationView.status === 'error') return `The simulation failed: ${f.simulationView.error.message}`
    if (f.prediction.verdict === 'refuse')
      return `The signers are predicted to refuse it: ${f.prediction.refusals.map((r) => r.code).join(', ') || 'no owner allows it'}.`
    return undefined
  }

  async function compose({ form, safe, title, queue }: ComposeInput): Promise<ComposeView> {
    const address =
      safe !== undefined && safe !== ''
        ? resolveName(safe)
        : form.builder === 'pause' && config.guardian
          ? getAddress(config.guardian.address)
          : getAddress(config.treasury.address)
    const state = await readSafe(address)
    const ref = { chainId: BigInt(config.chainId), address: state.address }
    await store.syncNonce({ safe: ref, onchainNonce: state.nonce, actor: ctx.operator })
    const nonce = await store.nextNonce(ref)
    const names = await namesOf(form, state)
    const prepared = Action.prepare({
      config,
      state,
      calls: callsOf(form, state, names),
      title: title || 'Untitled action',
      nonce,
      // A timelock execute of an operation this Safe scheduled needs only what is left to check.
      scheduled: await store.scheduledOperations({ chainId: BigInt(config.chainId), address: state.address }),
    })
    const f = await foresee(prepared)
    if (!queue) return composeView(prepared, f, undefined, undefined, names)
    const blocked = blockedReason(f)
    if (blocked !== undefined) return composeView(prepared, f, undefined, blocked, names)
    return composeView(prepared, f, await queuePrepared(prepared, state.nonce), undefined, names)
  }

  async function actionView(
    action: QueuedAction,
    now: number,
    conflicted: ReadonlySet<string>,
  ): Promise<ActionView> {
    const collected = await store.signatures(action.id)
    // `now` is the chain's clock: it meets the chain time recorded at creation (like with like).
    const progress = Requirements.progressOf({
      config,
      action,
      collected,
      now: Math.floor(Date.now() / 1000),
      chainNow: now,
    })
    const live = !['executed', 'cancelled', 'superseded'].includes(action.state)
    const [history, signerAlerts] = await Promise.all([
      store.history(action.id),
      store.alerts({ actionId: action.id }),
    ])
    return {
      id: action.id,
      title: action.title,
      safe: action.safe.address,
      nonce: action.nonce.toString(),
      safeTxHash: action.safeTxHash,
      tier: action.tier,
      state: action.state,
      missing: live ? progress.missing : [],
      signatures: collected.map((s: StoredSignature) => ({
        signer: s.signer,
        label: label(s.signer),
        kind: s.kind,
      })),
      delayEndsAt: action.requirements.delaySeconds > 0 ? progress.delay.readyAt : undefined,
      conflict: conflicted.has(action.id),
      supersededBy: action.supersededBy ?? undefined,
      supersedes: action.supersedes ?? undefined,
      execution: action.execution
        ? {
            txHash: action.execution.txHash,
            blockNumber: action.execution.blockNumber.toString(),
            status: action.execution.status,
          }
        : undefined,
      history: history.map((e) => ({
        at: e.at.toISOString(),
        actor: e.actor,
        from: e.from ?? undefined,
        to: e.to,
        reason: e.reason,
      })),
      signerAlerts: signerAlerts.map((a) => ({
        signer: getAddress(a.owner),
        label: label(a.owner),
        code: a.code,
        message: a.message,
      })),
    }
  }

  async function queueView(): Promise<QueueView> {
    const now = await chainTime()
    const actions = await store.listActions()
    const conflicted = new Set<string>()
    for (const safe of new Set(actions.map((a) => a.safe.address))) {
      for (const group of await store.conflicts({
        chainId: BigInt(config.chainId),
        address: safe as Address,
      }))
        for (const a of group.actions) conflicted.add(a.id)
    }
    const views = await Promise.all(actions.map((a) => actionView(a, now, conflicted)))
    // Live first (by nonce), then history, newest first.
    const order = (v: ActionView) => (['executed', 'cancelled', 'superseded'].includes(v.state) ? 1 : 0)
    views.sort(
      (a, b) =>
        order(a) - order(b) ||
        (order(a) === 0
          ? Number(BigInt(a.nonce) - BigInt(b.nonce))
          : Number(BigInt(b.nonce) - BigInt(a.nonce))),
    )
    return { chainTime: now, actions: views }
  }

  async function qrFrames({
    actionId,
    fragmentBytes,
    fps,
  }: {
    actionId: string
    fragmentBytes?: number | undefined
    fps?: number | undefined
  }): Promise<QrView> {
    const action = await store.getAction(actionId)
    const collected = await store.signatures(action.id)
    // A queued action's request always carries the same id (its action id) and what was collected;
    // with an enrolled signer set, the receipts in the window, continuity proofs and witnessed heads.
    const ur = SignRequest.toUr(
      await SetLimits.attach({
        store,
        client,
        org: config.org,
        action,
        // An owner Safe's approval carries the approved transaction, for its signers to decode.
        request: Action.signRequest(action, {
          collected,
          approves: await NestedApproval.approves({ store, action }),
        }),
      }),
    )
    const auto = QrDensity.tune({ messageBytes: ur.payload.length, type: ur.type })
    const plan = QrDensity.tune({ messageBytes: ur.payload.length, type: ur.type, fragmentBytes, fps })
    const encoder = Ur.encode({ ...ur, maxFragmentLength: plan.maxFragmentLength })
    // Pure parts first, then fountain parts: a receiver that missed frames still completes.
    const count = encoder.isSinglePart ? 1 : Math.max(encoder.fragmentCount * 3, 6)
    const frames = encoder.firstParts(count).map((part) => {
      const svg = QrCode.toSvg(QrCode.encode(part, { ecLevel: plan.ecLevel, version: plan.version }), {
        scale: 8,
      })
      return `data:image/svg+xml;base64,${btoa(svg)}`
    })
    return {
      actionId,
      frames,
      fps: plan.fps,
      fragmentCount: plan.fragmentCount,
      fragmentBytes: plan.fragmentBytes,
      version: plan.version,
      ecLevel: plan.ecLevel,
      auto: { fragmentBytes: auto.fragmentBytes, fps: auto.fps },
      expectedSeconds: plan.expectedSeconds,
    }
  }

  async function ingest(ur: UrResult, actionId: string | undefined): Promise<ScanView> {
    const result = await Signatures.ingest({
      store,
      client,
      chainId: config.chainId,
      ur,
      actionId,
      actor: ctx.operator,
      org: config.org,
    })
    revision += 1
    return {
      status: result.status,
      actionId: result.action.id,
      signer: result.signer,
      label: label(result.signer),
      kind: result.kind,
      ...(result.alerts.length
        ? { alerts: result.alerts.map(({ code, message }) => ({ code, message })) }
        : {}),
    }
  }

  async function scanPart({
    part,
    actionId,
  }: {
    part: string
    actionId?: string | undefined
  }): Promise<ScanView> {
    const status = scan.receive(part)
    scanParts += 1
    if (status.status === 'complete') {
      scan = new UrDecoder({ expectedTypes: Signatures.responseUrTypes })
      scanParts = 0
      try {
        return await ingest(status.result, actionId)
      } catch (error) {
        return { status: 'rejected', error: errorView(error) }
      }
    }
    return { status: 'progress', percent: Math.round(status.progress.estimatedPercent), parts: scanParts }
  }

  async function execute({ actionId }: { actionId: string }) {
    const action = await store.getAction(actionId)
    const state = await readSafe(action.safe.address)
    const context = Action.contextOf(action)
    const { view: simulation } = await simulationOf(action.tx, context, state)
    await recordOnChainApprovals(action.id)
    const now = await chainTime()
    const can = await store.canExecute(action.id, {
      onchainNonce: state.nonce,
      chainTime: new Date(now * 1000),
    })
    const base = { simulation, txHash: undefined, blockNumber: undefined, calldataHash: undefined }
    if (!can.ok) return { ...base, status: 'not-ready' as const, message: can.message }
    if (!ctx.executor) {
      throw new CoordinatorInputError('No executor account is configured.', {
        hint: 'Set AIRLOCK_EXECUTOR_KEY_FILE to a file with the private key that pays the gas.',
      })
    }
    const planned = await executionPlan(action, now)
    const result = await Execution.send({
      client,
      executor: ctx.executor,
      plan: planned,
      pollingIntervalMs: ctx.pollingIntervalMs,
    })
    const sent = { ...base, calldataHash: planned.calldataHash }
    if (!result.ok) {
      if (result.status === 'execution-failed') {
        await store.recordExecution(action.id, {
          txHash: result.hash,
          blockNumber: result.blockNumber,
          blockHash: result.blockHash,
          status: 'reverted',
          revertReason: 'ExecutionFailure',
          actor: ctx.operator,
        })
        revision += 1
        return {
          ...sent,
          status: 'failed' as const,
          message: 'The Safe ran the call and it failed; the nonce is used.',
          txHash: result.hash,
          blockNumber: result.blockNumber.toString(),
        }
      }
      return { ...sent, status: result.status, message: result.revert.message, txHash: result.hash }
    }
    await store.recordExecution(action.id, {
      txHash: result.hash,
      blockNumber: result.blockNumber,
      blockHash: result.blockHash,
      status: 'success',
      revertReason: null,
      actor: ctx.operator,
    })
    revision += 1
    const confirmed = await confirmAt(action.id, result)
    return {
      ...sent,
      status: confirmed.status === 'pending' ? ('executed' as const) : confirmed.status,
      message: confirmed.message,
      txHash: result.hash,
      blockNumber: result.blockNumber.toString(),
    }
  }

  // Owners that approved the hash on chain (an owner Safe's executed approveHash) sign with v=1.
  function recordOnChainApprovals(actionId: string) {
    return NestedApproval.recordOnChainApprovals({
      store,
      client,
      chainId: config.chainId,
      actionId,
      actor: ctx.operator,
    })
  }

  // What Execute sends, planned by the engine: the exact execTransaction bytes and their keccak256.
  async function executionPlan(action: QueuedAction, now: number): Promise<ExecutionPlan> {
    if (!ctx.executor) {
      throw new CoordinatorInputError('No executor account is configured.', {
        hint: 'Set AIRLOCK_EXECUTOR_KEY_FILE to a file with the private key that pays the gas.',
      })
    }
    const collected = await store.signatures(action.id)
    return Execution.plan({
      client,
      executor: ctx.executor,
      config,
      tx: action.tx,
      context: Action.contextOf(action),
      signatures: collected
        .filter((s) => s.kind === 'safe-signature')
        .map(({ signer, signature }) => ({ signer, signature })),
      attesters: collected.filter((s) => s.kind === 'approval-attestation').map((s) => s.signer),
      // Like with like: chain time on both ends; an action queued without it, the coordinator's clock.
      ...(action.createdChainAt
        ? { createdAt: Math.floor(action.createdChainAt.getTime() / 1000), now }
        : { createdAt: Math.floor(action.createdAt.getTime() / 1000), now: Math.floor(Date.now() / 1000) }),
      scheduled: await store.scheduledOperations(action.safe),
      // An owner Safe's approval is judged with the transaction it approves, as its signers judged it.
      approved: await NestedApproval.approvedTxs({ store, action }),
    })
  }

  // The executor's check before Execute: what will be sent (to, value, gas, calldata and its hash),
  // for a second machine to compare; nothing is sent.
  async function executionCheck({ actionId }: { actionId: string }) {
    await recordOnChainApprovals(actionId)
    const planned = await executionPlan(await store.getAction(actionId), await chainTime())
    return {
      safeTxHash: planned.safeTxHash,
      from: planned.from,
      to: planned.to,
      value: planned.value.toString(),
      gas: planned.gas?.toString(),
      calldataHash: planned.calldataHash,
      calldata: planned.data,
      revert: planned.simulation.ok ? undefined : planned.simulation.revert.message,
    }
  }

  // Confirmations as the engine counts them; a block that is no longer canonical puts the action
  // back to ready (its signatures still hold).
  async function confirmAt(
    actionId: string,
    execution: { hash: Hex; blockNumber: bigint; blockHash: Hex },
  ): Promise<ConfirmView> {
    const confirmed = await Execution.confirm({
      client,
      hash: execution.hash,
      blockNumber: execution.blockNumber,
      blockHash: execution.blockHash,
      confirmations: ctx.confirmations ?? 1n,
      timeoutMs: 10_000,
      pollingIntervalMs: ctx.pollingIntervalMs,
    })
    switch (confirmed.status) {
      case 'reorged':
        await store.recordReorg(actionId, {
          actor: ctx.operator,
          reason: `block ${execution.blockNumber} ${execution.blockHash} is no longer canonical`,
        })
        revision += 1
        return {
          status: 'reorged',
          confirmations: '0',
          message: 'A reorg dropped the block that held it: the action is ready to execute again.',
        }
      case 'pending':
        return {
          status: 'pending',
          confirmations: confirmed.confirmations.toString(),
          message: `Executed in block ${execution.blockNumber}; ${confirmed.confirmations} confirmation(s) so far.`,
        }
      case 'confirmed':
        return {
          status: 'confirmed',
          confirmations: confirmed.confirmations.toString(),
          message: `Executed in block ${execution.blockNumber}, ${confirmed.confirmations} confirmation(s).`,
        }
      default:
        return unreachable(confirmed)
    }
  }

  async function confirm({ actionId }: { actionId: string }): Promise<ConfirmView> {
    const action = await store.getAction(actionId)
    const execution = action.execution
    if (action.state !== 'executed' || !execution || !execution.blockHash) {
      throw new CoordinatorInputError('This action has no execution to confirm.', {
        hint: 'Execute it first; only executed actions have confirmations.',
      })
    }
    return confirmAt(action.id, {
      hash: execution.txHash,
      blockNumber: execution.blockNumber,
      blockHash: execution.blockHash,
    })
  }

  function parseRules(text: string): Sentry.Sentry {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (cause) {
      throw new CoordinatorInputError('The sentry rules are not valid JSON.', {
        hint: 'See "Sentry rules" in the README for the format.',
        cause,
      })
    }
    const rules = (json as { rules?: unknown })?.rules
    if (!Array.isArray(rules)) {
      throw new CoordinatorInputError('The sentry rules must be { "rules": [ … ] }.', {
        hint: 'See "Sentry rules" in the README for the format.',
      })
    }
    return new Sentry.Sentry({ config, rules: rules as SentryRule[] })
  }

  function sentryView(): SentryView {
    return { rules: rulesText, alerts: [...alerts.values()].map((a) => a.view).reverse() }
  }

  async function sentryCheck(): Promise<SentryView> {
    sentry ??= parseRules(rulesText)
    const observation = await sentry.fetch({ client })
    const { alert } = sentry.check(observation)
    if (alert && alert.newlyBreached.length > 0) {
      const id = `${alert.blockNumber}-${alert.newlyBreached.join('+')}`
      const view: AlertView = {
        id,
        blockNumber: alert.blockNumber.toString(),
        breaches: alert.breaches.map((b) => ({
          ruleId: b.ruleId,
          label: b.label,
          message: inUnits(b.message, b),
        })),
        pauseTitle: alert.pause.title,
      }
      alerts.set(id, { view, alert })
      const body = view.breaches.map((b) => b.message).join('\n')
      ctx.notify?.(`Airlock sentry: ${view.breaches[0]?.label ?? 'alert'}`, body)
      if (ctx.webhook) {
        await fetch(ctx.webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ alert: view }),
        }).catch(() => undefined)
      }
    }
    return sentryView()
  }

  // Breach values of a balance rule in the asset's units (wei mean nothing to an operator).
  function inUnits(message: string, breach: Sentry.Breach): string {
    const rule = sentry?.rules.find((r) => r.id === breach.ruleId)
    const read = rule?.kind === 'max-drop' ? rule.read : rule?.left
    const known =
      read?.kind === 'native-balance'
        ? assets.find((a) => a.address === 'native')
        : read?.kind === 'erc20-balance'
          ? assets.find((a) => a.address !== 'native' && a.address === read.token.toLowerCase())
          : undefined
    if (!known) return message
    return message
      .replace(breach.value.toString(), `${formatUnits(breach.value, known.decimals)} ${known.id}`)
      .replace(breach.reference.toString(), `${formatUnits(breach.reference, known.decimals)} ${known.id}`)
  }

  async function pauseFromAlert({ alertId }: { alertId: string }): Promise<ComposeView> {
    const entry = alerts.get(alertId)
    if (!entry)
      throw new CoordinatorInputError('That alert is gone.', { hint: 'Run the sentry check again.' })
    // Built again on the guardian as it stands now: the alert's snapshot may be a few blocks old.
    const state = await readSafe(entry.alert.pause.state.address)
    const ref = { chainId: BigInt(config.chainId), address: state.address }
    await store.syncNonce({ safe: ref, onchainNonce: state.nonce, actor: ctx.operator })
    const prepared = Action.prepare({
      config,
      state,
      calls: Build.pause({ config, contracts: sentry?.pauseTargets }),
      title: entry.alert.pause.title,
      description: entry.alert.pause.description,
      nonce: await store.nextNonce(ref),
    })
    const f = await foresee(prepared)
    const blocked = blockedReason(f)
    if (blocked !== undefined) return composeView(prepared, f, undefined, blocked)
    return composeView(prepared, f, await queuePrepared(prepared, state.nonce), undefined)
  }

  async function safes(): Promise<SafeView[]> {
    const listed = config.org.safes.filter((s) => s.chainId === config.chainId)
    return Promise.all(
      listed.map(async (entry) => {
        const state = await readSafe(getAddress(entry.address))
        const balances = await Promise.all(
          assets.map(async (a) => {
            const raw =
              a.address === 'native'
                ? await client.getBalance({ address: state.address, blockNumber: state.blockNumber })
                : await client.readContract({
                    address: getAddress(a.address),
                    abi: [
                      {
                        type: 'function',
                        name: 'balanceOf',
                        stateMutability: 'view',
                        inputs: [{ type: 'address' }],
                        outputs: [{ type: 'uint256' }],
                      },
                    ],
                    functionName: 'balanceOf',
                    args: [state.address],
                    blockNumber: state.blockNumber,
                  })
            return { asset: a.id, amount: formatUnits(raw, a.decimals) }
          }),
        )
        const drift = [...Requirements.of({ config, state, tier: 'routine' }).drift]
        if (entry.version.replace(/\+L2$/, '') !== state.version)
          drift.push(`The org config says Safe ${entry.version}, the chain has ${state.versionText}.`)
        if (state.modules.length > 0)
          drift.push(`Modules are enabled (${state.modules.join(', ')}): they bypass the owners.`)
        if (state.guard !== zeroAddress) drift.push(`A guard is set (${state.guard}).`)
        return {
          name: entry.name,
          role:
            entry.address === config.treasury.address
              ? ('treasury' as const)
              : entry.address === config.guardian?.address
                ? ('guardian' as const)
                : ('other' as const),
          address: state.address,
          version: state.versionText,
          threshold: Number(state.threshold),
          nonce: state.nonce.toString(),
          owners: state.owners.map((o) => ({ address: o, label: label(o) })),
          modules: [...state.modules],
          guard: state.guard,
          fallbackHandler: state.fallbackHandler,
          balances,
          drift,
        }
      }),
    )
  }

  function serviceOf(url: string, apiKey: string | undefined) {
    const client = TransactionService.client({ chainId: BigInt(config.chainId), url, apiKey })
    return { client, apiKey: apiKey !== undefined && apiKey !== '' }
  }

  function serviceConfigView(): ServiceConfigView {
    return {
      url: service?.client.url,
      origin: service ? new URL(service.client.url).origin : undefined,
      apiKey: service?.apiKey ?? false,
    }
  }

  async function serviceConfigure({
    url,
    apiKeyFile,
  }: {
    url: string
    apiKeyFile?: string | undefined
  }): Promise<ServiceConfigView> {
    if (url.trim() === '') {
      service = undefined
      return serviceConfigView()
    }
    let apiKey: string | undefined
    if (apiKeyFile !== undefined && apiKeyFile.trim() !== '') {
      if (!ctx.readKeyFile)
        throw new CoordinatorInputError('This window cannot read key files.', {
          hint: 'Set AIRLOCK_SERVICE_API_KEY_FILE before starting the app.',
        })
      try {
        apiKey = (await ctx.readKeyFile(apiKeyFile.trim())).trim()
      } catch (cause) {
        throw new CoordinatorInputError(`Could not read the API key file ${apiKeyFile}.`, {
          hint: 'Give the path of a file holding only the key.',
          cause,
        })
      }
    }
    service = serviceOf(url.trim(), apiKey)
    return serviceConfigView()
  }

  function serviceClient(): TransactionService.Client {
    if (!service)
      throw new CoordinatorInputError('No Transaction Service is configured.', {
        hint: 'Give its URL (ending in /api) on the Service screen, or set AIRLOCK_SERVICE_URL.',
      })
    return service.client
  }

  async function serviceSafe(safe: string | undefined) {
    const state = await readSafe(safe ? resolveName(safe) : config.treasury.address)
    const context = { chainId: BigInt(state.chainId), safe: state.address, version: state.version }
    return { state, context }
  }

  async function servicePending(input: { safe?: string | undefined } | undefined): Promise<ServiceView> {
    const serviceClientNow = serviceClient()
    const { state, context } = await serviceSafe(input?.safe)
    const { pending, queued, rows } = await TransactionService.sideBySide({
      client: serviceClientNow,
      context,
      onchainNonce: state.nonce,
      store,
    })
    const byId = new Map(queued.map((a) => [a.id, a]))
    return {
      url: serviceClientNow.url,
      safe: context.safe,
      onchainNonce: state.nonce.toString(),
      transactions: pending.map((p) => ({
        safeTxHash: p.safeTxHash,
        claimedSafeTxHash: p.claimedSafeTxHash,
        nonce: p.tx.nonce.toString(),
        to: p.tx.to,
        toLabel: label(p.tx.to),
        value: p.tx.value.toString(),
        confirmations: p.confirmations.map((c) => c.owner),
        problems: p.problems.map(TransactionService.describe),
        actionId: queued.find((a) => a.safeTxHash === p.safeTxHash)?.id,
      })),
      nonces: rows.map((row) => ({
        nonce: row.nonce.toString(),
        service: row.service.map((x) => ({ safeTxHash: x.safeTxHash, problems: x.problems })),
        queue: row.queue.map((q) => ({
          id: q.id,
          safeTxHash: q.safeTxHash,
          title: byId.get(q.id)?.title ?? '',
          signatures: byId.get(q.id)?.collected.signatures ?? 0,
        })),
        flags: row.flags,
      })),
    }
  }

  async function serviceImport({
    safeTxHash,
    safe,
  }: {
    safeTxHash: string
    safe?: string | undefined
  }): Promise<ServiceImportView> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(safeTxHash))
      throw new CoordinatorInputError('That is not a safeTxHash.', {
        hint: 'Pick a transaction from the list (0x and 64 hex characters).',
      })
    const serviceClientNow = serviceClient()
    const { state, context } = await serviceSafe(safe)
    const checked = await TransactionService.get({
      client: serviceClientNow,
      context,
      safeTxHash: safeTxHash as Hex,
    })
    const { action, skipped } = await TransactionService.importTransaction({
      store,
      checked,
      safe: { chainId: context.chainId, address: context.safe, version: context.version },
      owners: state.owners,
      requirements: (analysis) =>
        Requirements.forQueue(Requirements.of({ config, state, tier: analysis.tier })),
      actor: ctx.operator,
      analyze: { org: config.decoder },
      onchainNonce: state.nonce,
      chainTime: await Chain.blockTime({ client, blockNumber: state.blockNumber }),
    })
    revision += 1
    return {
      actionId: action.id,
      nonce: action.nonce.toString(),
      tier: action.tier,
      signatures: action.collected.signatures,
      problems: checked.problems.map(TransactionService.describe),
      skipped: skipped.map((s) => s.owner),
    }
  }

  async function serviceConfirm({ actionId }: { actionId: string }): Promise<ServiceConfirmView> {
    const serviceClientNow = serviceClient()
    const action = await store.getAction(actionId)
    const signatures = await store.signatures(action.id, { kind: 'safe-signature' })
    const { posted } = await TransactionService.confirm({
      client: serviceClientNow,
      safeTxHash: action.safeTxHash,
      signatures: signatures.map((s) => ({ signer: s.signer, signature: s.signature })),
    })
    return { safeTxHash: action.safeTxHash, posted }
  }

  // Confirmations others made on the service, into the queue: read for our own hash, verified, owners only.
  async function servicePull({ actionId }: { actionId: string }) {
    const serviceClientNow = serviceClient()
    const action = await store.getAction(actionId)
    const state = await readSafe(action.safe.address)
    const pulled = await TransactionService.pullConfirmations({
      client: serviceClientNow,
      store,
      actionId: action.id,
      owners: state.owners,
      actor: ctx.operator,
    })
    revision += 1
    return {
      safeTxHash: action.safeTxHash,
      added: pulled.added,
      duplicate: pulled.duplicate,
      skipped: pulled.skipped.map((s) => s.owner),
      problems: pulled.problems.map(TransactionService.describe),
    }
  }

  async function status(): Promise<StatusView> {
    const block = await Chain.rpc(() => client.getBlock({ blockTag: 'latest' }), { what: 'the latest block' })
    return {
      chainId: config.chainId,
      rpcOrigin: new URL(ctx.rpcUrl).origin,
      blockNumber: (block.number ?? 0n).toString(),
      chainTime: Number(block.timestamp),
      operator: ctx.operator,
      queue: store.kind,
      bundle: { version: ctx.installed.version, hash: ctx.installed.hash },
      assets: assets.map((a) => a.id),
      revision,
    }
  }

  return {
    revision: () => revision,
    bump: () => {
      revision += 1
    },
    status: () => guard(status),
    safes: () => guard(safes),
    compose: (input) => guard(() => compose(input)),
    queue: () => guard(queueView),
    qrFrames: (input) => guard(() => qrFrames(input)),
    scanPart: (input) => guard(() => scanPart(input)),
    scanReset: () =>
      guard(async () => {
        scan = new UrDecoder({ expectedTypes: Signatures.responseUrTypes })
        scanParts = 0
        return null
      }),
    execute: (input) => guard(() => execute(input)),
    confirm: (input) => guard(() => confirm(input)),
    cancel: ({ actionId, reason }) =>
      guard(async () => {
        await store.cancel(actionId, { actor: ctx.operator, reason: reason || 'cancelled in the app' })
        revision += 1
        return null
      }),
    sentryRules: () => guard(async () => sentryView()),
    saveSentryRules: ({ rules }) =>
      guard(async () => {
        const parsed = parseRules(rules)
        await ctx.saveSentryRules?.(rules)
        rulesText = rules
        sentry = parsed
        return sentryView()
      }),
    sentryCheck: () => guard(sentryCheck),
    pauseFromAlert: (input) => guard(() => pauseFromAlert(input)),
    networkOrigins: () => rpcOriginsOf([ctx.rpcUrl, ...(service ? [service.client.url] : [])]),
    serviceConfig: () => guard(async () => serviceConfigView()),
    serviceConfigure: (input) => guard(() => serviceConfigure(input)),
    servicePending: (input) => guard(() => servicePending(input)),
    serviceImport: (input) => guard(() => serviceImport(input)),
    serviceConfirm: (input) => guard(() => serviceConfirm(input)),
    servicePull: (input) => guard(() => servicePull(input)),
    executionCheck: (input) => guard(() => executionCheck(input)),
  }
}

/** Address → label: the org's Safes, recipients, pausable contracts and trusted libraries. */
function labelBook(config: CoordinatorConfig): Map<string, string> {
  const book = new Map<string, string>()
  const org = config.org
  for (const s of org.safes) if (s.chainId === config.chainId) book.set(s.address.toLowerCase(), s.name)
  for (const [address, entry] of config.decoder.knownContracts) book.set(address.toLowerCase(), entry.label)
  for (const [address, name] of config.decoder.allowlistedRecipients) book.set(address.toLowerCase(), name)
  for (const [address, name] of config.decoder.pausable) book.set(address.toLowerCase(), name)
  return book
}

/** An error as the window shows it. */
export function errorView(error: unknown): ErrorView {
  if (isBaseError(error)) return { name: error.name, message: error.shortMessage, hint: error.hint }
  return {
    name: 'Error',
    message: 'Something unexpected failed.',
    hint: error instanceof Error ? error.message : String(error),
  }
}

async function guard<T>(run: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() }
  } catch (error) {
    return { ok: false, error: errorView(error) }
  }
}

function unreachable(value: never): never {
  throw new CoordinatorInputError(`Unknown choice ${JSON.stringify(value)}.`, {
    hint: 'Pick one from the form.',
  })
}
