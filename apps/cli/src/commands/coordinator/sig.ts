// `airlock sig add`: a signer's response back into the queue, through coordinator-core's one verifier.
import { Signatures } from '@airlock/coordinator-core'
import { EthSignature } from '@airlock/transport'
import type { Command } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { toJson } from '../../io.ts'
import { readUrInput } from '../../urInput.ts'
import { homeOption, withCoordinator } from './home.ts'
import { actionText, actionView } from './view.ts'

export const sigAdd: Command = {
  path: ['sig', 'add'],
  summary:
    'Add a signer’s response (airlock-signature UR text or PNG frames, or a Keystone eth-signature); exit 3 if it raised an ALERT about the signer’s log.',
  usage: 'sig add <ur-file | images… | frames-dir> [--action ID] [--json]',
  allowPositionals: true,
  options: {
    ...homeOption,
    action: { type: 'string', help: 'the action it answers (required for a Keystone eth-signature)' },
  },
  run: async ({ values, positionals, io }) => {
    if (positionals.length === 0) {
      throw new UsageError('Give the response: a UR text file, PNG frames or a directory of them.', {
        hint: `Usage: airlock ${sigAdd.usage}`,
      })
    }
    const actionId = typeof values.action === 'string' ? values.action : undefined
    const ur = await readUrInput({
      inputs: positionals,
      io,
      expectedTypes: [...Signatures.responseUrTypes],
      what: 'signature response',
    })
    if (ur.type === EthSignature.urType && actionId === undefined) {
      throw new UsageError(
        'A Keystone eth-signature carries only its request id: name the action with --action ID.',
        { hint: 'airlock sig add FILE --action ID' },
      )
    }
    return withCoordinator(values, io.cwd, async (c) => {
      const result = await Signatures.ingest({
        store: await c.store(),
        client: c.client,
        chainId: c.config.chainId,
        ur,
        actionId,
        actor: c.actor,
        org: c.config.org,
      })
      const view = actionView(c, result.action, result.collected, { alerts: result.alerts })
      // An alert is evidence against a signer: said on stderr too, whatever the output format.
      for (const alert of result.alerts) io.stderr(`ALERT ${alert.code}: ${alert.message}\n`)
      if (values.json) {
        io.stdout(
          `${toJson({ status: result.status, signer: result.signer, kind: result.kind, source: result.source, signature: result.signature, alerts: result.alerts, action: view })}\n`,
        )
      } else {
        io.stdout(
          `${result.status === 'added' ? 'Added' : 'Already had'} ${result.kind === 'approval-attestation' ? 'the attestation' : 'the signature'} of ${result.signer} (${result.source}).\n${actionText(view)}`,
        )
      }
      // Stored, but a signer's log is in doubt: exit 3 (as `sentry run` does for a breach) so a script
      // that adds answers stops for a person instead of going on to execute.
      return result.alerts.length > 0 ? 3 : 0
    })
  },
}
