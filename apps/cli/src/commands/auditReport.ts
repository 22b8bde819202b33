// `airlock audit report`: the security lead's report over several signers' logs.
import { resolve } from 'node:path'
import { AuditKey } from '@airlock/audit-log'
import type { AssetInfo } from '@airlock/report'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { readJsonFile } from '../io.ts'
import { forceOption, readInputFile, writeOutputFile } from './atomicFile.ts'
import { readHeads } from './auditHeads.ts'

const formats = ['html', 'csv', 'json'] as const

export const auditReport: Command = {
  path: ['audit', 'report'],
  summary:
    'Merge and verify several signers’ logs into one report: timeline, refusals, velocity vs caps, anomalies.',
  usage:
    'audit report <log>… --out FILE [--format html|csv|json] [--heads FILE] [--public-keys HEX,…] [--bundle FILE] [--force]',
  options: {
    out: { type: 'string', help: 'where to write the report (a new file)' },
    format: {
      type: 'string',
      help: 'html (default: one self-contained file that opens offline), csv or json',
    },
    heads: {
      type: 'string',
      help: 'tree heads witnessed for these logs (JSON Lines, as `audit head` prints)',
    },
    'public-keys': {
      type: 'string',
      help: 'the enrolled signers’ audit public keys (hex, comma-separated); a log signed by another key is flagged',
    },
    bundle: { type: 'string', help: 'the policy bundle in force: asset names, decimals and velocity caps' },
    ...forceOption,
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const usage = auditReport.usage
    if (positionals.length === 0)
      throw new UsageError('Name at least one log.', { hint: `Usage: airlock ${usage}` })
    if (typeof values.out !== 'string' || values.out === '') {
      throw new UsageError('Missing --out.', { hint: `Usage: airlock ${usage}` })
    }
    const format = (values.format ?? 'html') as string
    if (!(formats as readonly string[]).includes(format)) {
      throw new UsageError(`Unknown --format ${format}.`, { hint: `Use one of: ${formats.join(', ')}.` })
    }
    const paths = positionals.map((p) => resolve(io.cwd, p))
    const logs = paths.map((path, i) => ({
      name: positionals[i]!,
      text: new TextDecoder().decode(readInputFile(path, 'audit log')),
    }))
    const heads = typeof values.heads === 'string' ? readHeads(resolve(io.cwd, values.heads)) : []
    const enrolledKeys =
      typeof values['public-keys'] === 'string'
        ? values['public-keys'].split(',').map((hex) => AuditKey.fromHex(hex.trim()))
        : undefined
    const assets = typeof values.bundle === 'string' ? await assetsOf(resolve(io.cwd, values.bundle)) : []
    // The report and the policy code load only for this command: verify and show start without them.
    const { Report } = await import('@airlock/report')
    const { chartJsSource } = await import('@airlock/report/node')
    const model = Report.build({ logs, heads, enrolledKeys, assets })
    const content =
      format === 'html'
        ? Report.html(model, { chartJs: chartJsSource() })
        : format === 'csv'
          ? Report.csv(model)
          : `${JSON.stringify(model, null, 2)}\n`
    const out = resolve(io.cwd, values.out)
    writeOutputFile({ path: out, content, force: values.force === true, inputs: paths })
    const critical = model.anomalies.filter((a) => a.severity === 'critical')
    io.stdout(
      `Report of ${logs.length} log(s), ${model.timeline.length} verified entries, ${model.anomalies.length} anomalies (${critical.length} critical) written to ${out}\n`,
    )
    for (const a of critical) io.stderr(`CRITICAL ${a.signer}: ${a.kind}: ${a.detail}\n`)
    // The report is written either way; the exit code tells a script whether the logs are sound.
    return critical.length > 0 ? 1 : 0
  },
}

async function assetsOf(path: string): Promise<AssetInfo[]> {
  const { Bundle, OrgConfig } = await import('@airlock/policy')
  const org = OrgConfig.parse(Bundle.parse(readJsonFile(path, 'policy bundle')).org)
  return org.assets.map((a) => ({
    chainId: a.chainId,
    address: a.address,
    id: a.id,
    decimals: a.decimals,
    cap: a.epoch ? { amount: a.epoch.cap, seconds: a.epoch.seconds } : undefined,
  }))
}
