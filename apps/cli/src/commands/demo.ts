// `airlock demo` (npm run demo): the ceremony on a local chain, told step by step.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from '../command.ts'

export const demo: Command = {
  path: ['demo'],
  summary:
    'Every tier signed across a simulated QR air gap on a local chain, the attacks refused, the logs and heads checked, a report.',
  usage: 'demo [--keep]',
  options: {
    keep: {
      type: 'boolean',
      help: 'keep the signers’ state directories (logs, keys, bundle) beside the report',
    },
  },
  run: async ({ values, io }) => {
    const say = (text: string) => io.stdout(`${text}\n`)
    const dir = mkdtempSync(join(tmpdir(), 'airlock-demo-'))
    say('Airlock demo: one action of every tier signed across an air gap, then attacks the signers refuse.\n')
    const { Ceremony } = await import('@airlock/ceremony')
    try {
      const result = await Ceremony.run({ dir, say })
      const refused = result.attacks.filter((a) => a.refused).length
      const sound = result.logs.every((l) => l.verified && l.headsMatch)
      say('')
      say(
        `Done in ${result.seconds.toFixed(1)} s: ${result.tiers.length} tiers executed (${result.tiers.map((t) => t.tier).join(', ')}), ${refused} of ${result.attacks.length} attacks refused, ${result.logs.length} logs ${sound ? 'verified against their witnessed heads' : 'NOT sound'}.`,
      )
      say(`Report for the security leads: ${result.reportPath}`)
      if (values.keep) say(`Signer state (logs, keys, bundle) kept in ${dir}`)
      return refused === result.attacks.length && sound ? 0 : 1
    } finally {
      // The report and the witnessed heads stay; the signers' keys and logs only with --keep.
      if (!values.keep) {
        for (const entry of readdirSync(dir)) {
          if (entry.startsWith('signer-')) rmSync(join(dir, entry), { recursive: true, force: true })
        }
      }
    }
  },
}
