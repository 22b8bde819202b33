// `airlock drill`: the compromise drill (24 simulated hours of attacks on a local chain).
import { resolve } from 'node:path'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { forceOption, writeOutputFile } from './atomicFile.ts'

export const drill: Command = {
  path: ['drill'],
  summary:
    'The compromise drill: an attacker owns the coordinator, then M−1 laptops’ inputs, then a key, for 24 simulated hours; what is lost.',
  usage: 'drill [--hours N] [--per-hour N] [--without-sentry] [--signer-set] [--json FILE] [--force]',
  options: {
    hours: { type: 'string', help: 'simulated hours (default 24)' },
    'per-hour': { type: 'string', help: 'attack requests per simulated hour besides the drain (default 4)' },
    'without-sentry': {
      type: 'boolean',
      help: 'no sentry and no pause: what rotating owner subsets gets out on per-signer limits alone',
    },
    'signer-set': {
      type: 'boolean',
      help: 'limits for the whole signer set: enrolled audit keys, nonce continuity and receipts',
    },
    json: { type: 'string', help: 'also write the report as JSON to this file' },
    ...forceOption,
  },
  run: async ({ values, io }) => {
    const count = (flag: string, fallback: number) => {
      const raw = values[flag]
      if (raw === undefined) return fallback
      if (typeof raw !== 'string' || !/^[1-9]\d{0,3}$/.test(raw)) {
        throw new UsageError(`--${flag} must be a whole number from 1 to 9999.`, {
          hint: `Usage: airlock ${drill.usage}`,
        })
      }
      return Number(raw)
    }
    const hours = count('hours', 24)
    const perHour = count('per-hour', 4)
    const { Drill, DrillReport } = await import('@airlock/drill')
    const report = await Drill.run({
      hours,
      perHour,
      ...(values['without-sentry'] ? { sentryDropBps: 10_000 } : {}),
      signerSet: values['signer-set'] === true,
      onProgress: (line) => io.stderr(`${line}\n`),
    })
    io.stdout(DrillReport.text(report))
    if (typeof values.json === 'string') {
      const out = resolve(io.cwd, values.json)
      writeOutputFile({ path: out, content: DrillReport.json(report), force: values.force === true })
      io.stdout(`JSON written to ${out}\n`)
    }
    return 0
  },
}
