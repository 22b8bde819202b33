// How an action is printed: one JSON shape for --json and a short text form for operators.
import { Action as Actions, Requirements } from '@airlock/coordinator-core'
import type { Action, ActionEvent, NonceGroup, SignerAlert, StoredSignature } from '@airlock/queue'
import { analyze, Describe } from '@airlock/safe'
import { units } from '../../print.ts'
import { type Coordinator, safeName } from './home.ts'

export type ActionView = ReturnType<typeof actionView>

/**
 * The JSON view of an action: identity, hashes, tier, requirements, what is collected and missing.
 *
 * @example
 * io.stdout(`${toJson(actionView(c, action, signatures))}\n`)
 */
export function actionView(
  c: Coordinator,
  action: Action,
  collected: readonly StoredSignature[],
  extra: {
    history?: readonly ActionEvent[] | undefined
    conflicts?: readonly NonceGroup[] | undefined
    /** Alerts about a signer's log or receipt raised by answers to this action. */
    alerts?: readonly Pick<SignerAlert, 'code' | 'owner' | 'message'>[] | undefined
  } = {},
) {
  const hashes = Actions.hashesOf(action)
  const progress = Requirements.progressOf({ config: c.config, action, collected })
  const live = !['executed', 'cancelled', 'superseded'].includes(action.state)
  // What the transaction does, decoded exactly as a signer decodes it (one line per call).
  const calls = Describe.tree(
    analyze({ tx: action.tx, context: Actions.contextOf(action), org: c.config.decoder }).calls,
  )
  const native = c.config.org.assets.find((a) => a.address === 'native' && a.chainId === c.config.chainId)
  return {
    id: action.id,
    requestId: Actions.requestIdOf(action.id),
    state: action.state,
    kind: action.kind,
    tier: action.tier,
    title: action.title,
    description: action.description,
    safe: {
      address: action.safe.address,
      name: safeName(c, action.safe.address),
      chainId: action.safe.chainId,
      version: action.safe.version,
    },
    nonce: action.nonce,
    tx: action.tx,
    calls,
    // The value in units of the chain's coin (printing only; the transaction keeps wei).
    valueInUnits: `${units(action.tx.value, native?.decimals ?? 18)} ${native?.id ?? 'native'}`,
    safeTxHash: action.safeTxHash,
    domainHash: hashes.domainHash,
    messageHash: hashes.messageHash,
    requirements: {
      signatures: action.requirements.signatures,
      approvals: progress.approvals.need,
      attestations: action.requirements.attestations,
      delaySeconds: action.requirements.delaySeconds,
    },
    collected: {
      signatures: collected
        .filter((s) => s.kind === 'safe-signature')
        .map(({ signer, addedAt }) => ({ signer, addedAt })),
      attestations: collected
        .filter((s) => s.kind === 'approval-attestation')
        .map(({ signer, addedAt }) => ({ signer, addedAt })),
    },
    missing: live ? progress.missing : [],
    delayUntil: action.delayUntil,
    timelock: action.timelock,
    execution: action.execution,
    supersedes: action.supersedes,
    supersededBy: action.supersededBy,
    createdBy: action.createdBy,
    createdAt: action.createdAt,
    ...(extra.alerts?.length
      ? { alerts: extra.alerts.map(({ code, owner, message }) => ({ code, owner, message })) }
      : {}),
    ...(extra.history
      ? { history: extra.history.map(({ at, actor, from, to, reason }) => ({ at, actor, from, to, reason })) }
      : {}),
    ...(extra.conflicts
      ? {
          conflicts: extra.conflicts
            .filter((group) => group.nonce === action.nonce)
            .flatMap((group) => group.actions.filter((a) => a.id !== action.id))
            .map((a) => ({ id: a.id, state: a.state, title: a.title, safeTxHash: a.safeTxHash })),
        }
      : {}),
  }
}

/**
 * The text view of an action for a terminal.
 *
 * @example
 * io.stdout(actionText(actionView(c, action, signatures)))
 */
export function actionText(view: ActionView): string {
  const lines = [
    `Action ${view.id}`,
    `  title         ${view.title}`,
    `  state         ${view.state}${view.kind === 'rejection' ? ' (on-chain rejection)' : ''}`,
    `  tier          ${view.tier}`,
    `  safe          ${view.safe.name ? `${view.safe.name} ` : ''}${view.safe.address} (chain ${view.safe.chainId}, Safe ${view.safe.version})`,
    `  nonce         ${view.nonce}`,
    `  to            ${view.tx.to}${view.tx.operation === 1 ? ' (delegatecall)' : ''}`,
    `  value         ${view.valueInUnits} (${view.tx.value} wei)`,
    `  calls         ${view.calls[0] ?? '(none)'}`,
    ...view.calls.slice(1).map((line) => `                ${line}`),
    `  safeTxHash    ${view.safeTxHash}`,
    `  domainHash    ${view.domainHash}`,
    `  messageHash   ${view.messageHash}`,
    `  needs         ${view.requirements.signatures} signature(s), ${view.requirements.approvals} approval(s), ${view.requirements.attestations} attestation(s), ${view.requirements.delaySeconds}s delay`,
    `  signatures    ${view.collected.signatures.map((s) => s.signer).join(', ') || 'none'}`,
  ]
  if (view.requirements.attestations > 0 || view.collected.attestations.length > 0) {
    lines.push(`  attestations  ${view.collected.attestations.map((s) => s.signer).join(', ') || 'none'}`)
  }
  if (view.timelock)
    lines.push(
      `  timelock      ${view.timelock.operationId}, executable from ${view.timelock.eta.toISOString()}`,
    )
  if (view.execution) {
    lines.push(
      `  execution     ${view.execution.status} in ${view.execution.txHash} (block ${view.execution.blockNumber}${view.execution.blockHash ? ` ${view.execution.blockHash}` : ''})${view.execution.revertReason ? `: ${view.execution.revertReason}` : ''}`,
    )
  }
  if (view.supersededBy) lines.push(`  superseded by ${view.supersededBy}`)
  for (const alert of 'alerts' in view ? (view.alerts ?? []) : [])
    lines.push(`  ALERT ${alert.code}: ${alert.message}`)
  for (const line of view.missing) lines.push(`  missing: ${line}`)
  if (view.state === 'ready') lines.push('  ready: run airlock action exec to execute it')
  for (const conflict of 'conflicts' in view ? (view.conflicts ?? []) : []) {
    lines.push(`  nonce conflict: ${conflict.id} (${conflict.state}) "${conflict.title}" at the same nonce`)
  }
  if ('history' in view && view.history) {
    lines.push('  history:')
    for (const event of view.history) {
      lines.push(
        `    ${event.at.toISOString()} ${event.actor}: ${event.from ?? '(new)'} → ${event.to} (${event.reason})`,
      )
    }
  }
  return `${lines.join('\n')}\n`
}
