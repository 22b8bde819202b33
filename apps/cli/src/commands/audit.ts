// `airlock audit …`: security leads verify, read, export and import signer audit logs.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  AuditEntry,
  AuditKey,
  checkManifest,
  exportForUr,
  type HeadCheck,
  type Manifest,
  parse,
  show,
  TreeHead,
  type VerifyReturnType,
} from '@airlock/audit-log'
import { loadKey, nodeEd25519, verifyParallel } from '@airlock/audit-log/node'
import { BaseError, printable } from '@airlock/errors'
import type { AuditLogExport } from '@airlock/transport'
import type { Command } from '../command.ts'
import { InputFileError, UsageError } from '../errors.ts'
import { readJsonFile, toJson } from '../io.ts'
import { readInputFile, writeOutputFile } from './atomicFile.ts'
import { readHeads } from './auditHeads.ts'
import { auditReport } from './auditReport.ts'

/** The log failed verification; names the first bad entry. */
export class AuditLogInvalidError extends BaseError {
  override name = 'Cli.AuditLogInvalidError'
}

/** The log does not contain a head that was witnessed for it (truncated, edited or forked). */
export class AuditHeadsMismatchError extends BaseError {
  override name = 'Cli.AuditHeadsMismatchError'
}

/** An export manifest does not match the key or the log file. */
export class AuditManifestMismatchError extends BaseError {
  override name = 'Cli.AuditManifestMismatchError'
}

/** The UR parts given to `audit import` do not make one complete audit-log export. */
export class AuditImportError extends BaseError {
  override name = 'Cli.AuditImportError'
}

const keyOptions = {
  'public-key': {
    type: 'string',
    help: "the signer's audit public key (64 hex characters), from its enrolment",
  },
  'key-file': {
    type: 'string',
    help: 'a file with the public key: hex, or an airlock-audit-key JSON file (only its publicKey is read)',
  },
} as const

export const auditVerify: Command = {
  path: ['audit', 'verify'],
  summary:
    'Verify an audit log: hash chain, Ed25519 signatures, sequence and time; name the first bad entry.',
  usage: 'audit verify <log> (--public-key HEX | --key-file FILE) [--manifest FILE] [--heads FILE] [--json]',
  options: {
    ...keyOptions,
    manifest: {
      type: 'string',
      help: 'the signed export manifest (<log>.manifest.json): also checks digest and detects truncation',
    },
    heads: {
      type: 'string',
      help: 'tree heads witnessed for this log (JSON Lines or a JSON array): names truncation and forks',
    },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const file = onePositional(positionals, auditVerify.usage, 'log')
    const publicKey = readPublicKey(values, auditVerify.usage)
    const bytes = readInputFile(file, 'audit log')
    let checkpoint: { seq: number; hash: string } | undefined
    if (typeof values.manifest === 'string') {
      const manifest = readJsonFile(values.manifest, 'audit manifest') as Manifest
      const problem = checkManifest(manifest, { publicKey, log: bytes, ed25519: nodeEd25519 })
      if (problem !== undefined) {
        throw new AuditManifestMismatchError(`The manifest ${values.manifest} does not match: ${problem}.`, {
          hint: 'Check that the manifest belongs to this log copy and signer; otherwise the copy was altered.',
        })
      }
      checkpoint = { seq: manifest.lastSeq, hash: manifest.lastHash }
    }
    // Every signature, on worker threads for large logs (same result as verify).
    const result = await verifyParallel(bytes, { publicKey, checkpoint })
    const keyId = AuditKey.id(publicKey)
    const headChecks =
      typeof values.heads === 'string'
        ? TreeHead.check({
            log: new TextDecoder().decode(bytes),
            heads: readHeads(resolve(io.cwd, values.heads)),
            publicKey,
            ed25519: nodeEd25519,
          })
        : undefined
    const badHeads = headChecks?.filter((c) => c.status !== 'ok') ?? []
    if (values.json) {
      io.stdout(
        `${toJson({
          ok: result.ok && badHeads.length === 0,
          entries: result.entries.length,
          keyId,
          head: result.head ?? null,
          firstBad: result.firstBad ?? null,
          ...(headChecks ? { heads: headChecks.map(headCheckJson) } : {}),
        })}\n`,
      )
    } else if (result.ok && result.head) {
      const witnessed = headChecks
        ? `, ${headChecks.length - badHeads.length} of ${headChecks.length} witnessed heads match`
        : ''
      io.stdout(
        `OK  ${result.entries.length} entries (seq 0..${result.head.seq}), key ${keyId}, head ${result.head.hash}, last ${result.head.time}${checkpoint ? ', matches the manifest' : ''}${witnessed}\n`,
      )
    }
    throwIfBad(file, result)
    if (badHeads.length > 0) {
      if (!values.json) for (const bad of badHeads) io.stderr(`${describeHeadCheck(bad)}\n`)
      throw new AuditHeadsMismatchError(
        `${badHeads.length} witnessed head(s) do not match ${file}: ${describeHeadCheck(badHeads[0]!)}`,
        {
          hint: 'A truncated or rewritten log: restore it from a backup or an export, and treat the signer as suspect until explained.',
        },
      )
    }
    return 0
  },
}

export const auditHead: Command = {
  path: ['audit', 'head'],
  summary: "Sign a tree head for the signer's own log (size, Merkle root, time) for others to witness.",
  usage: 'audit head <log> --key-file DIR/audit.key [--json]',
  options: {
    'key-file': { type: 'string', help: "the signer's audit key file (its private key signs the head)" },
    json: { type: 'boolean', help: 'print the head as JSON (the default is one JSON line too)' },
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const file = onePositional(positionals, auditHead.usage, 'log')
    if (typeof values['key-file'] !== 'string') {
      throw new UsageError('Missing --key-file.', { hint: `Usage: airlock ${auditHead.usage}` })
    }
    const signer = AuditKey.signer(await loadKey({ path: values['key-file'] }), { ed25519: nodeEd25519 })
    const bytes = readInputFile(file, 'audit log')
    // Only a log that verifies under this key gets a head: a head vouches for every entry it covers.
    const result = await verifyParallel(bytes, { publicKey: signer.publicKey })
    throwIfBad(file, result)
    const leaves = TreeHead.leavesOf(new TextDecoder().decode(bytes))
    io.stdout(`${JSON.stringify(TreeHead.sign({ leaves, signer, time: new Date() }))}\n`)
    return 0
  },
}

export const auditShow: Command = {
  path: ['audit', 'show'],
  summary: 'Show an audit log, one line per entry (verified first when a key is given).',
  usage:
    'audit show <log> [--from N] [--to N] [--event E,…] [--safe-tx-hash H] [--json] [--public-key HEX | --key-file FILE]',
  options: {
    from: { type: 'string', help: 'first seq to show' },
    to: { type: 'string', help: 'last seq to show' },
    event: {
      type: 'string',
      help: `only these events, comma-separated (${AuditEntry.events.join(', ')})`,
    },
    'safe-tx-hash': { type: 'string', help: 'only entries about this Safe transaction hash' },
    json: { type: 'boolean', help: 'print each entry as one JSON line' },
    ...keyOptions,
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const usage = auditShow.usage
    const file = onePositional(positionals, usage, 'log')
    const from = values.from === undefined ? 0 : wholeNumber(values.from, '--from', usage)
    const to = values.to === undefined ? Number.MAX_SAFE_INTEGER : wholeNumber(values.to, '--to', usage)
    if (to < from) throw new UsageError('--to is before --from.', { hint: `Usage: airlock ${usage}` })
    const bytes = readInputFile(file, 'audit log')
    const hasKey = values['public-key'] !== undefined || values['key-file'] !== undefined
    // Without a key the listing is only what the file claims; with one, stop at the first bad entry.
    const result = hasKey
      ? await verifyParallel(bytes, { publicKey: readPublicKey(values, usage) })
      : undefined
    const events = values.event === undefined ? undefined : eventList(values.event, usage)
    const safeTxHash =
      values['safe-tx-hash'] === undefined ? undefined : hash32(values['safe-tx-hash'], usage)
    const entries = (result ? result.entries : parse(bytes)).filter(
      (e) =>
        e.seq >= from &&
        e.seq <= to &&
        (events === undefined || events.has(e.event)) &&
        (safeTxHash === undefined || e.safeTxHash === safeTxHash),
    )
    if (values.json) {
      for (const entry of entries) io.stdout(`${AuditEntry.toLine(entry)}\n`)
    } else {
      io.stdout(show(entries, { failure: result?.firstBad }))
      if (!hasKey) io.stdout('(not verified: pass --public-key to check signatures and the chain)\n')
    }
    if (result) throwIfBad(file, result)
    return 0
  },
}

export const auditExport: Command = {
  path: ['audit', 'export'],
  summary:
    'Print an audit log as airlock-audit-log UR parts (one per line), to carry it off the signer by QR.',
  usage: 'audit export <log> --ur [--from N] [--max-fragment N]',
  options: {
    ur: { type: 'boolean', help: 'print the UR parts, one per line' },
    from: { type: 'string', help: 'export entries from this seq on (default: the whole log)' },
    'max-fragment': { type: 'string', help: 'largest fragment in bytes (smaller = simpler QR codes)' },
    'public-key': { type: 'string', help: 'the log key, needed when --from skips the log-opened entry' },
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const usage = auditExport.usage
    const file = onePositional(positionals, usage, 'log')
    if (!values.ur)
      throw new UsageError('Choose an export format: --ur.', { hint: `Usage: airlock ${usage}` })
    const fromSeq = values.from === undefined ? undefined : wholeNumber(values.from, '--from', usage)
    const publicKey =
      typeof values['public-key'] === 'string' ? AuditKey.fromHex(values['public-key']) : undefined
    const maxFragmentLength =
      values['max-fragment'] === undefined
        ? undefined
        : wholeNumber(values['max-fragment'], '--max-fragment', usage)
    const exported = exportForUr({ log: readInputFile(file, 'audit log'), fromSeq, publicKey })
    const { AuditLogExport, Ur } = await transport()
    const encoder = Ur.encode({
      ...AuditLogExport.toUr({
        signer: exported.publicKey,
        entries: exported.entries,
        firstSequence: exported.firstSeq,
        lastSequence: exported.lastSeq,
      }),
      maxFragmentLength,
    })
    io.stdout(`${encoder.firstParts().join('\n')}\n`)
    return 0
  },
}

export const auditImport: Command = {
  path: ['audit', 'import'],
  summary:
    'Decode airlock-audit-log UR parts (one per line), verify the entries and write them as a log file.',
  usage: 'audit import <parts-file> --out FILE [--public-key HEX | --key-file FILE]',
  options: {
    out: { type: 'string', help: 'where to write the log (must not exist)' },
    ...keyOptions,
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const usage = auditImport.usage
    const file = onePositional(positionals, usage, 'parts file')
    if (typeof values.out !== 'string' || values.out === '') {
      throw new UsageError('Missing --out.', { hint: `Usage: airlock ${usage}` })
    }
    const out = resolve(io.cwd, values.out)
    if (existsSync(out)) {
      throw new InputFileError(`${out} already exists.`, {
        hint: 'Import into a new file; an audit log is never overwritten.',
      })
    }
    const expectedKey =
      values['public-key'] !== undefined || values['key-file'] !== undefined
        ? readPublicKey(values, usage)
        : undefined
    const exported = await decodeParts(new TextDecoder().decode(readInputFile(file, 'UR parts')), file)
    if (exported.signer.length !== 32) {
      throw new AuditImportError('The export does not carry a 32-byte audit public key.', {
        hint: 'Export the log again with `airlock audit export --ur`.',
      })
    }
    if (expectedKey !== undefined && AuditKey.toHex(expectedKey) !== AuditKey.toHex(exported.signer)) {
      throw new AuditImportError(
        `The export is signed with key ${AuditKey.id(exported.signer)}, not the expected ${AuditKey.id(expectedKey)}.`,
        { hint: 'Check which signer produced these codes.' },
      )
    }
    const publicKey = expectedKey ?? exported.signer
    // A segment cannot prove its link to entries before it; it must still chain from its own first prev.
    const first = exported.firstSequence === 0 ? undefined : parse(exported.entries)[0]
    const result = await verifyParallel(exported.entries, {
      publicKey,
      start: first ? { seq: first.seq, prev: first.prev } : undefined,
    })
    throwIfBad(`the imported export (${file})`, result)
    if (result.head?.seq !== exported.lastSequence || result.entries[0]?.seq !== exported.firstSequence) {
      throw new AuditImportError(
        `The export claims seq ${exported.firstSequence}..${exported.lastSequence} but holds ${result.entries[0]?.seq}..${result.head?.seq}.`,
        { hint: 'Export the log again; the codes do not describe their own content.' },
      )
    }
    // Checked above and again atomically: an audit log is never overwritten, so no --force.
    writeOutputFile({ path: out, content: exported.entries, inputs: [file], mode: 0o640 })
    io.stdout(
      `Imported ${result.entries.length} entries (seq ${exported.firstSequence}..${exported.lastSequence}) into ${out}, verified with key ${AuditKey.id(publicKey)}\n`,
    )
    if (expectedKey === undefined) {
      io.stdout(
        `Key taken from the export: ${AuditKey.toHex(publicKey)}; compare it with the signer's enrolment, or pass --public-key.\n`,
      )
    }
    return 0
  },
}

export const auditCommands: Command[] = [
  auditVerify,
  auditHead,
  auditReport,
  auditShow,
  auditExport,
  auditImport,
]

// The UR codec (and what it loads) only for export and import: verify and show start without it.
const transport = () => import('@airlock/transport')

async function decodeParts(text: string, file: string): Promise<AuditLogExport.AuditLogExport> {
  const { AuditLogExport, UrDecoder } = await transport()
  const decoder = new UrDecoder({ expectedTypes: [AuditLogExport.urType], onNewSession: 'reject' })
  const lines = text.split('\n')
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '') continue
    const status = decoder.receive(line)
    if (status.status === 'complete') return AuditLogExport.fromUr(status.result)
    if (status.status !== 'accepted' && status.status !== 'duplicate') {
      throw new AuditImportError(`${file} line ${i + 1}: ${status.message}`, { hint: status.hint })
    }
  }
  const progress = decoder.progress()
  throw new AuditImportError(
    `${file} does not hold a complete audit-log export (${progress.receivedParts} of ${progress.expectedParts || '?'} parts).`,
    { hint: 'Pass every part `airlock audit export --ur` printed, one per line.' },
  )
}

function eventList(value: unknown, usage: string): ReadonlySet<string> {
  const known: ReadonlySet<string> = new Set(AuditEntry.events)
  const list = String(value)
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
  const unknown = list.filter((e) => !known.has(e))
  if (list.length === 0 || unknown.length > 0) {
    throw new UsageError(`Unknown event ${JSON.stringify(unknown[0] ?? String(value))} for --event.`, {
      hint: `Use one or more of ${AuditEntry.events.join(', ')} (comma-separated). Usage: airlock ${usage}`,
    })
  }
  return new Set(list)
}

function hash32(value: unknown, usage: string): string {
  const text = String(value).toLowerCase()
  if (!/^0x[0-9a-f]{64}$/.test(text)) {
    throw new UsageError('--safe-tx-hash must be a 32-byte 0x hash.', { hint: `Usage: airlock ${usage}` })
  }
  return text
}

function throwIfBad(what: string, result: VerifyReturnType): void {
  const bad = result.firstBad
  if (result.ok || bad === undefined) return
  throw new AuditLogInvalidError(
    `${what} fails verification at line ${bad.line} (seq ${bad.seq}): ${bad.reason}: ${printable(bad.message)}`,
    {
      hint: `Entries before it verified (${result.entries.length}); treat this entry and everything after it as untrusted.`,
    },
  )
}

function describeHeadCheck(check: HeadCheck): string {
  const at = `head of ${check.head.size} entries signed ${check.head.time}`
  switch (check.status) {
    case 'ok':
      return `${at}: matches`
    case 'bad-signature':
      return `${at}: not signed by this log's key`
    case 'truncated':
      return `${at}: the log has only ${check.logSize} entries, so its tail was cut off`
    case 'forked':
      return `${at}: the log's first ${check.head.size} entries have another root, so an entry was edited or replaced`
    default: {
      const never: never = check
      return never
    }
  }
}

function headCheckJson(check: HeadCheck): Record<string, unknown> {
  return {
    status: check.status,
    size: check.head.size,
    time: check.head.time,
    ...(check.status === 'truncated' ? { logSize: check.logSize } : {}),
    ...(check.status === 'forked' ? { actualRoot: check.actualRoot } : {}),
  }
}

function readPublicKey(values: Record<string, unknown>, usage: string): Uint8Array {
  const hex = values['public-key']
  const file = values['key-file']
  if ((hex === undefined) === (file === undefined)) {
    throw new UsageError('Pass exactly one of --public-key and --key-file.', {
      hint: `Usage: airlock ${usage}`,
    })
  }
  if (typeof hex === 'string') return AuditKey.fromHex(hex)
  const path = file as string
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (cause) {
    throw new InputFileError(`Cannot read the key file ${path}.`, { hint: 'Check the path.', cause })
  }
  if (!text.startsWith('{')) return AuditKey.fromHex(text)
  const json = readJsonFile(path, 'audit key') as { publicKey?: unknown }
  if (typeof json?.publicKey !== 'string') {
    throw new InputFileError(`The key file ${path} has no publicKey.`, {
      hint: 'Pass the public key as hex with --public-key, or the signer’s airlock-audit-key file.',
    })
  }
  return AuditKey.fromHex(json.publicKey)
}

function onePositional(positionals: string[], usage: string, what: string): string {
  const [first, ...rest] = positionals
  if (first === undefined || rest.length > 0) {
    throw new UsageError(
      first === undefined ? `Missing the ${what} argument.` : `Unexpected argument: ${rest[0]}.`,
      { hint: `Usage: airlock ${usage}` },
    )
  }
  return first
}

function wholeNumber(value: unknown, flag: string, usage: string): number {
  const text = typeof value === 'string' ? value : ''
  const n = Number(text)
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${flag} ${text} is not a whole number.`, { hint: `Usage: airlock ${usage}` })
  }
  return n
}
