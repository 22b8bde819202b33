// `airlock action list|show|qr|cancel|reject|exec|confirm`: the queue's actions, their sign requests and execution.
import { resolve } from 'node:path'
import {
  Action as Actions,
  Chain,
  Execution,
  NestedApproval,
  Requirements,
  SetLimits,
} from '@airlock/coordinator-core'
import { type Action, type ActionState, StateMachine, type Store } from '@airlock/queue'
import { SignRequest, Ur } from '@airlock/transport'
import type { Command } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { toJson } from '../../io.ts'
import { checksummed } from '../../print.ts'
import { checkOutputDir, forceOption } from '../atomicFile.ts'
import { densityOptions, plan, positiveInt, writeFrames } from '../qr.ts'
import { ExecutionFailedError, NotExecutableError, NothingToConfirmError } from './errors.ts'
import { executorClient } from './executor.ts'
import { type Coordinator, homeOption, resolveSafe, safeName, uintFlag, withCoordinator } from './home.ts'
import { actionText, actionView } from './view.ts'

// No block at the recorded height: a hash no block has, so the confirmation reads as a reorg.
const noBlock = `0x${'0'.repeat(64)}` as const

// Recorded when execTransaction succeeded but the Safe's own call failed.
const safeCallFailedReason = 'the Safe’s call failed (ExecutionFailure); the nonce is used'

function oneId(positionals: string[], usage: string): string {
  if (positionals.length !== 1 || !positionals[0]) {
    throw new UsageError('Give exactly one action id.', { hint: `Usage: airlock ${usage}` })
  }
  return positionals[0]
}

/** Moves an action forward if the chain's clock now allows it (a delay that ended), then returns it. */
async function current(c: Coordinator, store: Store, id: string): Promise<Action> {
  const action = await store.getAction(id)
  if (StateMachine.terminal.includes(action.state)) return action
  return store.advance(id, { actor: c.actor, chainTime: await Chain.blockTime({ client: c.client }) })
}

async function show(
  c: Coordinator,
  store: Store,
  action: Action,
  json: boolean,
  io: { stdout: (t: string) => void },
) {
  const [signatures, history, conflicts, alerts] = await Promise.all([
    store.signatures(action.id),
    store.history(action.id),
    store.conflicts(action.safe),
    store.alerts({ actionId: action.id }),
  ])
  const view = actionView(c, action, signatures, { history, conflicts, alerts })
  // Nested Safes: the action an owner Safe's approval approves, and the approvals queued for this one.
  const [approved, approvals] = await Promise.all([
    NestedApproval.approvedAction({ store, action }),
    NestedApproval.approvalsOf({ store, action }),
  ])
  const nested = {
    approves: approved
      ? { id: approved.id, safe: approved.safe.address, safeTxHash: approved.safeTxHash }
      : null,
    approvedBy: approvals.map((a) => ({ id: a.id, ownerSafe: a.safe.address, state: a.state })),
  }
  if (json) {
    io.stdout(`${toJson({ ...view, ...nested })}\n`)
    return
  }
  io.stdout(actionText(view))
  if (nested.approves) {
    io.stdout(
      `Approves       action ${nested.approves.id} of Safe ${nested.approves.safe} (safeTxHash ${nested.approves.safeTxHash})\n`,
    )
  }
  for (const a of nested.approvedBy) {
    io.stdout(`Approval       by owner Safe ${a.ownerSafe}: action ${a.id} (${a.state})\n`)
  }
}

export const actionList: Command = {
  path: ['action', 'list'],
  summary: 'List queued actions (oldest nonce first), optionally in one state.',
  usage: 'action list [--state S] [--all] [--json]',
  options: {
    ...homeOption,
    state: {
      type: 'string',
      multiple: true,
      help: `only this state (repeatable): ${StateMachine.states.join(', ')}`,
    },
    all: { type: 'boolean', help: 'include executed, cancelled and superseded actions' },
  },
  run: async ({ values, io }) => {
    const states = values.state as string[] | undefined
    for (const state of states ?? []) {
      if (!StateMachine.isState(state)) {
        throw new UsageError(`"${state}" is not an action state.`, {
          hint: `Use one of: ${StateMachine.states.join(', ')}.`,
        })
      }
    }
    return withCoordinator(values, io.cwd, async (c) => {
      const store = await c.store()
      const actions = await store.listActions({
        ...(states ? { states: states as ActionState[] } : {}),
        live: !states && values.all !== true,
      })
      if (values.json) {
        io.stdout(
          `${toJson(
            actions.map((a) => ({
              id: a.id,
              state: a.state,
              tier: a.tier,
              kind: a.kind,
              safe: a.safe.address,
              safeName: safeName(c, a.safe.address),
              nonce: a.nonce,
              title: a.title,
              safeTxHash: a.safeTxHash,
              collected: a.collected,
              requirements: a.requirements,
            })),
          )}\n`,
        )
        return 0
      }
      if (actions.length === 0) io.stdout('No actions.\n')
      for (const a of actions) {
        io.stdout(
          `${a.id}  ${(safeName(c, a.safe.address) || a.safe.address).padEnd(10)} nonce ${String(a.nonce).padEnd(4)} ${a.tier.padEnd(11)} ${a.state.padEnd(23)} ${a.collected.signatures}/${a.requirements.signatures} sig  ${a.title}\n`,
        )
      }
      return 0
    })
  },
}

export const actionShow: Command = {
  path: ['action', 'show'],
  summary:
    'Show an action: hashes, tier, collected signatures and attestations, history, what is missing, conflicts.',
  usage: 'action show <id> [--json]',
  allowPositionals: true,
  options: { ...homeOption },
  run: async ({ values, positionals, io }) => {
    const given = oneId(positionals, actionShow.usage)
    return withCoordinator(values, io.cwd, async (c) => {
      const id = await Actions.fullId({ store: await c.store(), id: given })
      const store = await c.store()
      await show(c, store, await current(c, store, id), values.json === true, io)
      return 0
    })
  },
}

export const actionQr: Command = {
  path: ['action', 'qr'],
  summary: 'The action’s airlock-sign-request as animated QR frames (--out DIR) or UR parts (--parts).',
  usage: 'action qr <id> (--out DIR [--force] | --parts) [--fragment N] [--fps N] [--frames N]',
  allowPositionals: true,
  options: {
    ...homeOption,
    ...densityOptions,
    out: {
      type: 'string',
      help: 'directory for frame-0001.png …, preview.html and parts.txt (created; never emptied)',
    },
    ...forceOption,
    parts: { type: 'boolean', help: 'print the UR parts, one per line' },
    frames: {
      type: 'string',
      help: 'parts to produce (default: the fragment count for --parts, twice it for frames)',
    },
  },
  run: async ({ values, positionals, io }) => {
    const given = oneId(positionals, actionQr.usage)
    if (values.type !== undefined) {
      throw new UsageError('action qr always writes an airlock-sign-request.', { hint: 'Leave out --type.' })
    }
    if (typeof values.out !== 'string' && values.parts !== true) {
      throw new UsageError('Give --out DIR for QR frames or --parts for the UR text.', {
        hint: `Usage: airlock ${actionQr.usage}`,
      })
    }
    // A bad --out is refused before the chain is read (the request needs the chain's time).
    if (typeof values.out === 'string')
      checkOutputDir({ path: resolve(io.cwd, values.out), force: values.force === true })
    return withCoordinator(values, io.cwd, async (c) => {
      const id = await Actions.fullId({ store: await c.store(), id: given })
      const store = await c.store()
      const action = await current(c, store, id)
      if (StateMachine.terminal.includes(action.state)) {
        throw new NotExecutableError(`Action ${id} is ${action.state}: there is nothing to sign.`, {
          hint: 'Create a new action instead.',
        })
      }
      // An owner Safe's approval carries the approved transaction, for its signers to decode.
      const approves = await NestedApproval.approves({ store, action })
      // With an enrolled signer set: receipts in the window, continuity proofs and witnessed heads.
      const request = await SetLimits.attach({
        store,
        client: c.client,
        org: c.config.org,
        action,
        request: Actions.signRequest(action, { collected: await store.signatures(id), approves }),
      })
      const ur = SignRequest.toUr(request)
      const density = await plan(values, ur.payload, ur.type)
      const encoder = Ur.encode({ ...ur, maxFragmentLength: density.maxFragmentLength })
      const fragments = encoder.isSinglePart ? 1 : encoder.fragmentCount
      const frames = positiveInt(values.frames, 'frames')
      if (values.parts === true) {
        for (const part of encoder.firstParts(frames ?? fragments)) io.stdout(`${part}\n`)
      }
      if (typeof values.out === 'string') {
        const parts = encoder.firstParts(frames ?? (encoder.isSinglePart ? 1 : 2 * fragments))
        await writeFrames({ out: values.out, parts, density, io, force: values.force === true })
        io.stderr(
          `Sign request ${request.requestId} for action ${id} (${action.tier}, safeTxHash ${action.safeTxHash}): ${parts.length} frames in ${values.out}, ${density.fps} fps.\n`,
        )
      }
      return 0
    })
  },
}

export const actionCancel: Command = {
  path: ['action', 'cancel'],
  summary: 'Cancel a queued action (off-chain: signatures already given stay valid until the nonce is used).',
  usage: 'action cancel <id> [--reason R] [--json]',
  allowPositionals: true,
  options: { ...homeOption, reason: { type: 'string', help: 'why (recorded in the history)' } },
  run: async ({ values, positionals, io }) => {
    const given = oneId(positionals, actionCancel.usage)
    return withCoordinator(values, io.cwd, async (c) => {
      const id = await Actions.fullId({ store: await c.store(), id: given })
      const store = await c.store()
      const action = await store.cancel(id, {
        actor: c.actor,
        reason:
          typeof values.reason === 'string' && values.reason ? values.reason : 'cancelled by the operator',
      })
      const signed = action.collected.signatures > 0
      if (values.json) io.stdout(`${toJson(actionView(c, action, await store.signatures(id)))}\n`)
      else io.stdout(`Cancelled ${id}.\n`)
      if (signed) {
        io.stderr(
          `warning: ${action.collected.signatures} signature(s) were collected: anyone holding them can still execute nonce ${action.nonce}. Use 'airlock action reject ${action.nonce}' to burn the nonce on chain.\n`,
        )
      }
      return 0
    })
  },
}

export const actionReject: Command = {
  path: ['action', 'reject'],
  summary: 'Queue the on-chain rejection of a nonce (an empty call from the Safe to itself).',
  usage: 'action reject <nonce> [--safe S] [--json]',
  allowPositionals: true,
  options: { ...homeOption, safe: { type: 'string', help: 'the Safe (default: the treasury)' } },
  run: async ({ values, positionals, io }) => {
    if (positionals.length !== 1)
      throw new UsageError('Give the nonce to reject.', { hint: `Usage: airlock ${actionReject.usage}` })
    const nonce = uintFlag(positionals[0], 'nonce')
    return withCoordinator(values, io.cwd, async (c) => {
      const state = await Chain.readSafe({
        client: c.client,
        safe: resolveSafe(c, values.safe),
        chainId: c.config.chainId,
      })
      const store = await c.store()
      const ref = { chainId: BigInt(state.chainId), address: state.address }
      await store.syncNonce({ safe: ref, onchainNonce: state.nonce, actor: c.actor })
      const created = await store.createRejection({
        safe: { ...ref, version: state.version },
        nonce,
        actor: c.actor,
        requirements: (analysis) =>
          Requirements.forQueue(Requirements.of({ config: c.config, state, tier: analysis.tier })),
        onchainNonce: state.nonce,
        submit: true,
      })
      const action = await store.getAction(created.id)
      await show(c, store, action, values.json === true, io)
      return 0
    })
  },
}

export const actionExec: Command = {
  path: ['action', 'exec'],
  summary:
    'Execute a ready action: re-verify, simulate, print the calldata hash, send with the executor key, wait for the receipt.',
  usage: 'action exec <id> [--executor-key-file F] [--dry-run] [--json]',
  allowPositionals: true,
  options: {
    ...homeOption,
    'executor-key-file': { type: 'string', help: 'override the executor key file from config.json' },
    'dry-run': {
      type: 'boolean',
      help: 'stop before sending: print the execTransaction calldata and its keccak256 (to compare on a second machine)',
    },
  },
  run: async ({ values, positionals, io }) => {
    const given = oneId(positionals, actionExec.usage)
    const dryRun = values['dry-run'] === true
    return withCoordinator(values, io.cwd, async (c) => {
      const id = await Actions.fullId({ store: await c.store(), id: given })
      const store = await c.store()
      let action = await current(c, store, id)
      const executor = executorClient(c, values['executor-key-file'])
      const state = await Chain.readSafe({
        client: c.client,
        safe: action.safe.address,
        chainId: c.config.chainId,
      })
      await store.syncNonce({ safe: action.safe, onchainNonce: state.nonce, actor: c.actor })
      // Owners that approved this hash on chain (an owner Safe's executed approveHash) sign with v=1.
      const onChain = await NestedApproval.recordOnChainApprovals({
        store,
        client: c.client,
        chainId: c.config.chainId,
        actionId: id,
        actor: c.actor,
      })
      for (const owner of onChain.added) {
        io.stderr(`${owner} approved this hash on chain: counted as its approved-hash (v=1) signature.\n`)
      }
      // A reverted attempt left it `failed`; trying again is the operator's decision, made here.
      if (action.state === 'failed' && !dryRun) {
        action = await store.transition(id, { to: 'ready', actor: c.actor, reason: 'retrying the execution' })
      }
      // A timelock is ready by block time, not by this machine's clock.
      const head = await Chain.rpc(() => c.client.getBlock({ blockTag: 'latest' }), {
        what: 'the latest block',
      })
      const verdict = await store.canExecute(id, {
        onchainNonce: state.nonce,
        chainTime: new Date(Number(head.timestamp) * 1000),
      })
      if (!verdict.ok) {
        const missing = actionView(c, verdict.action, await store.signatures(id)).missing
        throw new NotExecutableError(`Action ${id} cannot execute now: ${verdict.message}`, {
          hint: missing.length ? missing.join(' ') : 'Run airlock action show for details.',
        })
      }
      const collected = await store.signatures(id)
      const planned = await Execution.plan({
        client: c.client,
        executor,
        config: c.config,
        tx: action.tx,
        context: Actions.contextOf(action),
        signatures: collected
          .filter((s) => s.kind === 'safe-signature')
          .map(({ signer, signature }) => ({ signer, signature })),
        attesters: collected.filter((s) => s.kind === 'approval-attestation').map((s) => s.signer),
        // Like with like: chain time on both ends; an action queued without it, the coordinator's clock.
        ...(action.createdChainAt
          ? { createdAt: Math.floor(action.createdChainAt.getTime() / 1000), now: Number(head.timestamp) }
          : { createdAt: Math.floor(action.createdAt.getTime() / 1000), now: Math.floor(Date.now() / 1000) }),
        // A timelock execute of an operation this Safe scheduled needs only what is left to check.
        scheduled: await store.scheduledOperations(action.safe),
        // An owner Safe's approval is judged with the transaction it approves, as its signers judged it.
        approved: await NestedApproval.approvedTxs({ store, action }),
      })
      // The executor's check, before anything is sent: what a second machine can recompute and compare.
      const check = {
        id,
        safeTxHash: planned.safeTxHash,
        from: planned.from,
        to: planned.to,
        value: planned.value,
        gas: planned.gas ?? null,
        calldataHash: planned.calldataHash,
      }
      const checkText = [
        'Executor’s check (compare with a second machine before it is sent):',
        `  from           ${planned.from}`,
        `  to             ${planned.to} (the Safe)`,
        `  value          ${planned.value}`,
        `  gas            ${planned.gas ?? '(the simulation reverted)'}`,
        `  calldata hash  ${planned.calldataHash} (keccak256 of the execTransaction calldata)`,
        ...(dryRun ? [`  calldata       ${planned.data}`] : []),
        '',
      ].join('\n')
      if (dryRun) {
        if (values.json) {
          io.stdout(
            `${toJson({ ...check, calldata: planned.data, simulation: planned.simulation.ok ? 'ok' : planned.simulation.revert.message, sent: false })}\n`,
          )
        } else {
          io.stdout(checkText)
          io.stdout(
            planned.simulation.ok
              ? 'Nothing was sent (--dry-run).\n'
              : `Nothing was sent (--dry-run); it would revert: ${planned.simulation.revert.message}\n`,
          )
        }
        return 0
      }
      // Before sending, on stderr (stdout keeps the result alone, for scripts).
      io.stderr(checkText)
      const result = await Execution.send({
        client: c.client,
        executor,
        plan: planned,
        pollingIntervalMs: 250,
      })
      if (!result.ok && result.retryable) {
        if (result.status === 'reverted' && result.hash !== undefined) {
          const receipt = await Chain.rpc(() => c.client.getTransactionReceipt({ hash: result.hash! }), {
            what: `the receipt of ${result.hash}`,
          })
          await store.recordExecution(id, {
            txHash: result.hash,
            blockNumber: receipt.blockNumber,
            blockHash: receipt.blockHash,
            status: 'reverted',
            revertReason: result.revert.message,
            actor: c.actor,
          })
          throw new ExecutionFailedError(
            `The execution of ${id} reverted on chain in ${result.hash}: ${result.revert.message}`,
            {
              hint: 'The nonce is not used: the action is failed and can be retried with action exec.',
            },
          )
        }
        throw new ExecutionFailedError(`The execution of ${id} would revert: ${result.revert.message}`, {
          hint: 'Nothing was sent and the action stays ready: fix the cause (e.g. fund the Safe) and run action exec again.',
        })
      }
      await store.recordExecution(id, {
        txHash: result.hash,
        blockNumber: result.blockNumber,
        blockHash: result.blockHash,
        status: 'success',
        revertReason: result.ok ? null : safeCallFailedReason,
        actor: c.actor,
      })
      const summary = {
        ...check,
        status: result.status,
        safeTxHash: result.safeTxHash,
        txHash: result.hash,
        blockNumber: result.blockNumber,
        blockHash: result.blockHash,
        gasUsed: result.receipt.gasUsed,
        effectiveGasPrice: result.receipt.effectiveGasPrice,
        from: checksummed(result.receipt.from),
      }
      if (values.json) io.stdout(`${toJson(summary)}\n`)
      else {
        io.stdout(
          `${result.ok ? 'Executed' : 'Executed, but the Safe’s call FAILED'} ${id}\n  tx       ${result.hash}\n  block    ${result.blockNumber} ${result.blockHash}\n  gas used ${result.receipt.gasUsed}\n`,
        )
      }
      if (!result.ok) {
        throw new ExecutionFailedError(
          `The Safe ran ${id} but its call failed (ExecutionFailure in ${result.hash}).`,
          {
            hint: 'The nonce is used: queue a corrected action with a new nonce.',
          },
        )
      }
      return 0
    })
  },
}

export const actionConfirm: Command = {
  path: ['action', 'confirm'],
  summary:
    'Check an executed action on chain: confirmed, pending (n of N confirmations) or reorged (back to ready).',
  usage: 'action confirm <id> [--confirmations N] [--json]',
  allowPositionals: true,
  options: {
    ...homeOption,
    confirmations: {
      type: 'string',
      help: 'blocks on top of the execution’s block, itself included (default 1)',
    },
  },
  run: async ({ values, positionals, io }) => {
    const given = oneId(positionals, actionConfirm.usage)
    const confirmations =
      values.confirmations === undefined ? 1n : uintFlag(values.confirmations, 'confirmations')
    if (confirmations === 0n) {
      throw new UsageError('--confirmations must be at least 1.', { hint: 'Give 1 or more.' })
    }
    return withCoordinator(values, io.cwd, async (c) => {
      const id = await Actions.fullId({ store: await c.store(), id: given })
      const store = await c.store()
      const action = await store.getAction(id)
      const recorded = action.execution
      if (action.state !== 'executed' || recorded === null) {
        throw new NothingToConfirmError(
          `Action ${id} is ${action.state}: no execution is recorded to confirm.`,
          {
            hint:
              action.state === 'ready' || action.state === 'failed'
                ? `Run airlock action exec ${id} first.`
                : 'Only an executed action can be confirmed.',
          },
        )
      }
      // The execution stands while the transaction's receipt and the canonical block at its height
      // both name the recorded block hash. Executions recorded before the queue kept the hash are
      // checked against whatever block now sits at their height (no block there is a reorg).
      const blockHash =
        recorded.blockHash ??
        (
          await Chain.rpc(
            () =>
              c.client.getBlock({ blockNumber: recorded.blockNumber }).catch((error: unknown) => {
                if (error instanceof Error && error.name === 'BlockNotFoundError') return undefined
                throw error
              }),
            { what: `block ${recorded.blockNumber}` },
          )
        )?.hash ??
        noBlock
      const outcome = await Execution.confirm({
        client: c.client,
        hash: recorded.txHash,
        blockNumber: recorded.blockNumber,
        blockHash,
        confirmations,
        // Report now rather than wait: the operator runs it again later.
        timeoutMs: 0,
      })
      let summary: Record<string, unknown>
      let text: string
      if (outcome.status === 'confirmed' || outcome.status === 'pending') {
        summary = {
          id,
          status: outcome.status,
          confirmations: outcome.confirmations,
          required: confirmations,
        }
        text =
          outcome.status === 'confirmed'
            ? `Confirmed ${id}: ${outcome.confirmations} confirmation(s) on block ${recorded.blockNumber} (${recorded.txHash}).\n`
            : `Pending ${id}: ${outcome.confirmations} of ${confirmations} confirmations on block ${recorded.blockNumber}; run it again later.\n`
      } else {
        const reason = `block ${recorded.blockNumber}${recorded.blockHash ? ` ${recorded.blockHash}` : ''} holding ${recorded.txHash} is no longer canonical (reorg)`
        await store.recordReorg(id, { actor: c.actor, reason })
        const again = outcome.reincluded
        if (again !== undefined) {
          // The same transaction landed in another block: the nonce is used again, record where.
          await store.recordExecution(id, {
            txHash: again.transactionHash,
            blockNumber: again.blockNumber,
            blockHash: again.blockHash,
            status: again.status === 'success' ? 'success' : 'reverted',
            revertReason:
              again.status !== 'success'
                ? 'the re-included transaction reverted'
                : Execution.safeCallFailed(again)
                  ? safeCallFailedReason
                  : null,
            actor: c.actor,
          })
          const now = await store.getAction(id)
          summary = {
            id,
            status: 'reorged',
            reincluded: {
              txHash: again.transactionHash,
              blockNumber: again.blockNumber,
              blockHash: again.blockHash,
            },
            state: now.state,
          }
          text = `Reorged ${id}: ${reason}; the transaction was re-included in block ${again.blockNumber} (${again.blockHash}), recorded; the action is ${now.state}.\n`
        } else {
          summary = { id, status: 'reorged', reincluded: null, state: 'ready' }
          text = `Reorged ${id}: ${reason}. The action is ready again: run airlock action exec ${id}.\n`
        }
      }
      io.stdout(values.json ? `${toJson(summary)}\n` : text)
      return 0
    })
  },
}
