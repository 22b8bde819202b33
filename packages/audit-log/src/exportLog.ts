/** Exporting a log: bytes for the audit-log UR type, and a signed manifest for file copies. */
import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils'
import * as AuditEntry from './AuditEntry.ts'
import type { Ed25519, Signer } from './AuditKey.ts'
import * as AuditKey from './AuditKey.ts'
import * as Canonical from './Canonical.ts'
import { InvalidEncodingError, InvalidInputError } from './errors.ts'

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/** What the audit-log UR carries. */
export type UrExport = {
  /** The log key (32 bytes). */
  publicKey: Uint8Array
  /** The exported entries as JSON Lines (UTF-8, each line ending in "\n"), byte-identical to the log. */
  entries: Uint8Array
  firstSeq: number
  lastSeq: number
}

/**
 * Prepares a log (or its entries from `fromSeq` on) for the audit-log UR. Parses every line
 * strictly but does not check signatures: the receiver verifies with its expected key
 * (`verify(text, { publicKey, start })` for a segment that does not start at 0).
 *
 * @example
 * const { publicKey, entries, firstSeq, lastSeq } = exportForUr({ log: text })
 */
export function exportForUr({
  log,
  fromSeq,
  publicKey,
}: {
  log: string | Uint8Array
  fromSeq?: number | undefined
  /** Required when the exported range does not include the log-opened entry. */
  publicKey?: Uint8Array | undefined
}): UrExport {
  const entries = parseAll(log)
  const selected = fromSeq === undefined ? entries : entries.filter(({ entry }) => entry.seq >= fromSeq)
  const first = selected[0]
  const last = selected[selected.length - 1]
  if (first === undefined || last === undefined) {
    throw new InvalidInputError('There are no entries to export.', {
      hint: fromSeq === undefined ? 'The log is empty.' : `The log has no entry with seq >= ${fromSeq}.`,
    })
  }
  const opened = entries[0]?.entry.publicKey
  const key = publicKey ?? (opened === undefined ? undefined : hexToBytes(opened))
  if (key === undefined) {
    throw new InvalidInputError('The export has no log-opened entry to take the public key from.', {
      hint: 'Pass publicKey when exporting a segment.',
    })
  }
  if (opened !== undefined && AuditKey.toHex(key) !== opened) {
    throw new InvalidInputError('The public key passed does not match the log-opened entry.', {
      hint: 'Export with the key this log was opened with.',
    })
  }
  return {
    publicKey: key,
    entries: encoder.encode(selected.map(({ line }) => `${line}\n`).join('')),
    firstSeq: first.entry.seq,
    lastSeq: last.entry.seq,
  }
}

/** A detached, signed description of an exported log file: pins its length, digest and head. */
export type Manifest = {
  format: 'airlock-audit-manifest/1'
  /** File name of the exported copy. */
  file: string
  bytes: number
  /** SHA-256 of the exported file, lowercase hex. */
  sha256: string
  firstSeq: number
  lastSeq: number
  /** `hash` of the last entry: verify with `checkpoint: { seq: lastSeq, hash: lastHash }`. */
  lastHash: string
  publicKey: string
  keyId: string
  exportedAt: string
  /** Ed25519 over the canonical manifest without `sig`. */
  sig: string
}

/**
 * Builds the signed manifest for an exported log text.
 *
 * @example
 * const manifest = createManifest({ log: text, file: 'audit.jsonl', signer, time: new Date().toISOString() })
 */
export function createManifest({
  log,
  file,
  signer,
  time,
}: {
  log: string | Uint8Array
  file: string
  signer: Signer
  time: string
}): Manifest {
  const bytes = typeof log === 'string' ? encoder.encode(log) : log
  const entries = parseAll(bytes)
  const first = entries[0]?.entry
  const last = entries[entries.length - 1]?.entry
  if (first === undefined || last === undefined) {
    throw new InvalidInputError('Cannot export an empty log.', { hint: 'Open the log first.' })
  }
  AuditEntry.assertTime(time)
  const unsigned: Omit<Manifest, 'sig'> = {
    format: 'airlock-audit-manifest/1',
    file,
    bytes: bytes.length,
    sha256: bytesToHex(sha256(bytes)),
    firstSeq: first.seq,
    lastSeq: last.seq,
    lastHash: last.hash,
    publicKey: AuditKey.toHex(signer.publicKey),
    keyId: signer.keyId,
    exportedAt: time,
  }
  const sig = bytesToHex(signer.ed25519.sign(Canonical.encodeBytes(unsigned), signer.privateKey))
  return { ...unsigned, sig }
}

/**
 * Checks a manifest against the expected key and, when given, the exported bytes. Returns the
 * first problem, or undefined when everything matches. Verify the log itself with
 * `verify(text, { publicKey, checkpoint: { seq: manifest.lastSeq, hash: manifest.lastHash } })`.
 *
 * @example
 * const problem = checkManifest(manifest, { publicKey, log: bytes }) // undefined when fine
 */
export function checkManifest(
  manifest: Manifest,
  {
    publicKey,
    log,
    ed25519 = AuditKey.nobleEd25519,
  }: { publicKey: Uint8Array; log?: string | Uint8Array | undefined; ed25519?: Ed25519 | undefined },
): string | undefined {
  // The manifest comes from a file: `null`, a list or a string must be a problem, not a TypeError.
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest))
    return 'manifest is not a JSON object'
  if (manifest.format !== 'airlock-audit-manifest/1') return 'unknown manifest format'
  if (manifest.publicKey !== AuditKey.toHex(publicKey)) return 'manifest is for another key'
  const { sig, ...unsigned } = manifest
  let signedBytes: Uint8Array
  try {
    signedBytes = Canonical.encodeBytes(unsigned)
  } catch {
    return 'manifest is not canonical JSON'
  }
  if (
    typeof sig !== 'string' ||
    !/^[0-9a-f]{128}$/.test(sig) ||
    !ed25519.verify(hexToBytes(sig), signedBytes, publicKey)
  ) {
    return 'manifest signature is invalid'
  }
  if (log !== undefined) {
    const bytes = typeof log === 'string' ? encoder.encode(log) : log
    if (bytes.length !== manifest.bytes)
      return `file has ${bytes.length} bytes, manifest says ${manifest.bytes}`
    if (bytesToHex(sha256(bytes)) !== manifest.sha256) return 'file digest differs from the manifest'
  }
  return undefined
}

/**
 * Parses every entry of a log without verifying it (for display and export).
 * Throws `MalformedEntryError` naming the first bad line, or `InvalidInputError` for a torn tail.
 *
 * @example
 * const entries = parse(text)
 */
export function parse(log: string | Uint8Array): AuditEntry.Entry[] {
  return parseAll(log).map(({ entry }) => entry)
}

function parseAll(log: string | Uint8Array): { entry: AuditEntry.Entry; line: string }[] {
  let text: string
  try {
    text = typeof log === 'string' ? log : decoder.decode(log)
  } catch (error) {
    throw new InvalidEncodingError('The audit log is not valid UTF-8 text.', {
      hint: 'Pass a JSON Lines log.',
      cause: error,
    })
  }
  if (text.length === 0) return []
  const lines = text.split('\n')
  const tail = lines.pop()
  if (tail !== '') {
    throw new InvalidInputError(`The log ends with a partial line (line ${lines.length + 1}).`, {
      hint: "Open it with openLog({ onTorn: 'repair' }) first.",
    })
  }
  return lines.map((line, i) => ({ entry: AuditEntry.parseLine(line, { line: i + 1 }), line }))
}
