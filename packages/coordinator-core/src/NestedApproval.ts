// Nested Safes: a Safe (the owner Safe) owns another (the inner Safe) and signs the inner Safe's
// transactions by executing `inner.approveHash(safeTxHash)`. The approval is an ordinary queued action
// of the owner Safe; the link to the inner action is its approved hash, read from its calldata (never
// stored apart, so it cannot disagree with what is signed).
import { type Action as QueuedAction, StateMachine, type Store } from '@airlock/queue'
import { NestedSafe, Signature } from '@airlock/safe'
import type { SignRequest } from '@airlock/transport'
import { type Address, encodeFunctionData, type Hex, isAddressEqual, parseAbi } from 'viem'
import { contextOf } from './Action.ts'
import type * as Build from './Build.ts'
import { type Client, readSafe, rpc, safeReadAbi } from './Chain.ts'
import { InvalidActionError } from './errors.ts'

const approveHashAbi = parseAbi(['function approveHash(bytes32 hashToApprove)'])

/**
 * The call an owner Safe makes to approve `safeTxHash` on the Safe it owns (queue it as the owner
 * Safe's action; it executes like any other).
 *
 * @example
 * const call = NestedApproval.call({ safe: inner.safe.address, safeTxHash: inner.safeTxHash })
 */
export function call({ safe, safeTxHash }: { safe: Address; safeTxHash: Hex }): Build.Call {
  return {
    to: safe,
    value: 0n,
    data: encodeFunctionData({ abi: approveHashAbi, functionName: 'approveHash', args: [safeTxHash] }),
  }
}

/**
 * Checks that `ownerSafe` may approve `inner` (a live action of a Safe it currently owns, read from
 * chain, on the same chain) and returns the approveHash call for it. Typed errors say what is wrong.
 *
 * @example
 * const approval = await NestedApproval.forAction({ client, chainId: 1, inner, ownerSafe })
 */
export async function forAction({
  client,
  chainId,
  inner,
  ownerSafe,
}: {
  client: Client
  chainId: number
  inner: QueuedAction
  ownerSafe: Address
}): Promise<Build.Call> {
  if (StateMachine.terminal.includes(inner.state)) {
    throw new InvalidActionError(`Action ${inner.id} is ${inner.state}: there is nothing to approve.`, {
      hint: 'Approve a live action (airlock action list).',
    })
  }
  if (isAddressEqual(inner.safe.address, ownerSafe)) {
    throw new InvalidActionError('A Safe does not approve its own action through approveHash here.', {
      hint: 'Give --owner-safe a Safe that owns the action’s Safe.',
    })
  }
  const state = await readSafe({ client, safe: inner.safe.address, chainId })
  if (!state.owners.some((owner) => isAddressEqual(owner, ownerSafe))) {
    throw new InvalidActionError(`${ownerSafe} is not an owner of ${inner.safe.address}.`, {
      hint: `Its owners are ${state.owners.join(', ')}.`,
    })
  }
  // The owner must itself be a Safe on this chain (its signers then sign the approval).
  await readSafe({ client, safe: ownerSafe, chainId })
  return call({ safe: inner.safe.address, safeTxHash: inner.safeTxHash })
}

/**
 * The action an approval approves: the action of the Safe it calls whose safeTxHash is the approved
 * hash, if the queue holds it; undefined for anything but a plain approveHash on another Safe.
 *
 * @example
 * const inner = await NestedApproval.approvedAction({ store, action })
 */
export async function approvedAction({
  store,
  action,
}: {
  store: Pick<Store, 'listActions'>
  action: QueuedAction
}): Promise<QueuedAction | undefined> {
  const hash = NestedSafe.approvedHashOf(action.tx)
  if (hash === undefined || isAddressEqual(action.tx.to, action.safe.address)) return undefined
  const candidates = await store.listActions({
    safe: { chainId: action.safe.chainId, address: action.tx.to },
  })
  return candidates.find((candidate) => candidate.safeTxHash.toLowerCase() === hash)
}

/**
 * What a sign request for an approval carries so the owner Safe's signers can decode what they
 * approve (`SignRequest.approves`): the approved action's Safe context and transaction.
 *
 * @example
 * Action.signRequest(action, { collected, approves: await NestedApproval.approves({ store, action }) })
 */
export async function approves({
  store,
  action,
}: {
  store: Pick<Store, 'listActions'>
  action: QueuedAction
}): Promise<SignRequest.ApprovedTx | undefined> {
  const inner = await approvedAction({ store, action })
  return inner && { context: contextOf(inner), tx: inner.tx }
}

/**
 * The same as a list, for `Action.prepare`, `Execution.plan` and `analyze` (`approved`): empty when
 * the action approves nothing the queue holds.
 *
 * @example
 * await Execution.plan({ …, approved: await NestedApproval.approvedTxs({ store, action }) })
 */
export async function approvedTxs({
  store,
  action,
}: {
  store: Pick<Store, 'listActions'>
  action: QueuedAction
}): Promise<SignRequest.ApprovedTx[]> {
  const found = await approves({ store, action })
  return found ? [found] : []
}

/**
 * The owner Safes' approval actions queued for an action (live or executed), newest first.
 *
 * @example
 * (await NestedApproval.approvalsOf({ store, action })).map((a) => `${a.safe.address} ${a.state}`)
 */
export async function approvalsOf({
  store,
  action,
}: {
  store: Pick<Store, 'listActions'>
  action: QueuedAction
}): Promise<QueuedAction[]> {
  const all = await store.listActions()
  return all.filter(
    (other) =>
      other.safe.chainId === action.safe.chainId &&
      isAddressEqual(other.tx.to, action.safe.address) &&
      NestedSafe.approvedHashOf(other.tx) === action.safeTxHash.toLowerCase(),
  )
}

/**
 * Records the approvals owners made on chain (`approveHash` executed, e.g. by an owner Safe) as the
 * action's approved-hash (v=1) signatures, for every current owner without one: the queue then counts
 * them toward the threshold, and execution checks them on chain again. Nothing else is trusted: the
 * owners and `approvedHashes(owner, safeTxHash)` are read from the chain, over the hash the queue computed.
 *
 * @example
 * const { added } = await NestedApproval.recordOnChainApprovals({ store, client, chainId: 1, actionId, actor: 'ops' })
 */
export async function recordOnChainApprovals({
  store,
  client,
  chainId,
  actionId,
  actor,
}: {
  store: Store
  client: Client
  chainId: number
  actionId: string
  actor: string
}): Promise<{ added: Address[] }> {
  const action = await store.getAction(actionId)
  if (StateMachine.terminal.includes(action.state)) return { added: [] }
  const state = await readSafe({ client, safe: action.safe.address, chainId })
  const collected = await store.signatures(action.id, { kind: 'safe-signature' })
  const approvedOnChain = async (owner: Address) =>
    (await rpc(
      () =>
        client.readContract({
          address: action.safe.address,
          abi: safeReadAbi,
          functionName: 'approvedHashes',
          args: [owner, action.safeTxHash],
        }),
      { what: 'an approved hash' },
    )) !== 0n
  const added: Address[] = []
  for (const owner of state.owners) {
    if (collected.some((c) => isAddressEqual(c.signer, owner))) continue
    if (!(await approvedOnChain(owner))) continue
    await store.advance(action.id, { actor })
    const signature = Signature.encode([Signature.approvedHash(owner)])
    await store.addSignature(
      action.id,
      { signer: owner, signature, kind: 'safe-signature' },
      {
        actor,
        // The queue's own check for this entry: exactly this owner's v=1 entry, approved on chain.
        verify: async (input) =>
          input.kind === 'safe-signature' &&
          isAddressEqual(input.signer, owner) &&
          input.signature.toLowerCase() === signature.toLowerCase() &&
          (await approvedOnChain(owner)),
      },
    )
    added.push(owner)
  }
  return { added }
}
