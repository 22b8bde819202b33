// `airlock action new approve-hash`: an owner Safe's approval of another Safe's queued action (a
// nested Safe). It is queued as the owner Safe's action; its sign requests carry the approved
// transaction, so the owner Safe's signers decode what they approve and check the hash themselves.
import { Action as Actions, NestedApproval } from '@airlock/coordinator-core'
import type { Command } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { queue } from './actionNew.ts'
import { homeOption, resolveSafe, withCoordinator } from './home.ts'

export const actionNewApproveHash: Command = {
  path: ['action', 'new', 'approve-hash'],
  summary:
    'Queue an owner Safe’s approveHash of another Safe’s queued action (nested Safes); once it executes, that action counts the owner Safe as signed.',
  usage: 'action new approve-hash --owner-safe ADDR|NAME --for ACTION_ID [--title T] [--nonce N] [--json]',
  options: {
    ...homeOption,
    'owner-safe': {
      type: 'string',
      help: 'the Safe that owns the action’s Safe and approves (address or name)',
    },
    for: {
      type: 'string',
      help: 'the queued action (of the Safe it owns) to approve: its id or a unique prefix',
    },
    title: { type: 'string', help: 'a title the signers see (untrusted text to them)' },
    description: { type: 'string', help: 'a description (default: the decoded calls)' },
    nonce: { type: 'string', help: 'the owner Safe’s nonce (default: the next free one in the queue)' },
  },
  run: async ({ values, io }) => {
    if (typeof values['owner-safe'] !== 'string' || typeof values.for !== 'string') {
      throw new UsageError('Give the owner Safe and the action it approves.', {
        hint: `Usage: airlock ${actionNewApproveHash.usage}`,
      })
    }
    const given = values.for
    return withCoordinator(values, io.cwd, async (c) => {
      const store = await c.store()
      const inner = await store.getAction(await Actions.fullId({ store, id: given }))
      const ownerSafe = resolveSafe(c, values['owner-safe'])
      const approveCall = await NestedApproval.forAction({
        client: c.client,
        chainId: c.config.chainId,
        inner,
        ownerSafe,
      })
      return queue(c, {
        values,
        io,
        safe: ownerSafe,
        title: `Approve action ${inner.id.slice(0, 8)} of ${inner.safe.address}: ${inner.title}`,
        calls: () => [approveCall],
        approved: [{ context: Actions.contextOf(inner), tx: inner.tx }],
        notes: [],
      })
    })
  },
}
