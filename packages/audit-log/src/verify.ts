import { hexToBytes } from '@noble/hashes/utils'
import * as AuditEntry from './AuditEntry.ts'
import type { Ed25519 } from './AuditKey.ts'
import * as AuditKey from './AuditKey.ts'
import type { Head } from './AuditLog.ts'
import { InvalidEncodingError, InvalidInputError, MalformedEntryError } from './errors.ts'

/** Why an entry failed verification. */
export type VerifyFailureReason =
  /** No entries at all. */
  | 'empty'
  /** Not JSON, or a field is missing, mistyped or unknown. */
  | 'malformed'
  /** Parses, but the stored bytes are not the canonical encoding. */
  | 'not-canonical'
  /** The last line has no newline: a write was cut short (repair it with openLog). */
  | 'torn-tail'
  /** seq is not the previous seq + 1 (gap, duplicate, reorder, insertion). */
  | 'seq'
  /** seq 0 is not `log-opened`, or `log-opened` appears later. */
  | 'first-entry'
  /** The log was opened with another key than the expected one. */
  | 'key-mismatch'
  /** The key id changes mid-log. */
  | 'key-changed'
  /** The stored hash does not match the entry's content. */
  | 'hash'
  /** The signature does not verify with the expected key. */
  | 'signature'
  /** prev is not the previous entry's hash. */
  | 'prev'
  /** time is earlier than the previous entry's time. */
  | 'time'
  /** The log ends before the checkpoint's seq: entries were cut off. */
  | 'truncated'
  /** The entry at the checkpoint's seq has another hash. */
  | 'checkpoint-mismatch'

/** The first entry that failed, named by line (1-based) and seq. */
export type VerifyFailure = {
  /** 1-based line number in the text. */
  line: number
  /** The seq the entry claims, or the seq expected at that line when it has none. */
  seq: number
  reason: VerifyFailureReason
  /** One sentence for humans. */
  message: string
}

export type VerifyParameters = {
  /** The key the verifier expects (from the signer's enrolment, not from the log itself). */
  publicKey: Uint8Array
  /** A head known from elsewhere (an export manifest, a previous verify): the log must contain it. */
  checkpoint?: { seq: number; hash: string } | undefined
  /**
   * Verify a segment that does not start at seq 0: its first entry must have this seq and prev.
   * Without it the text must start with the `log-opened` entry.
   */
  start?: { seq: number; prev: string } | undefined
  /** Ed25519 implementation (defaults to the portable @noble one). */
  ed25519?: Ed25519 | undefined
  /**
   * `every` (default) checks every entry's signature. `head` checks every hash, link, seq, time and
   * key id but only the first and last signatures: since each entry's hash covers its signature and
   * the next entry signs that hash, a valid last signature vouches for the whole chain against
   * anyone without the key (what it skips: an entry the key holder itself signed wrongly). If the
   * last signature fails it falls back to `every` to name the first bad entry.
   */
  signatures?: 'every' | 'head' | undefined
}

export type VerifyReturnType = {
  ok: boolean
  /** Entries that verified, in order: all of them when ok, the good prefix otherwise. */
  entries: AuditEntry.Entry[]
  /** The last good entry. */
  head: Head | undefined
  firstBad?: VerifyFailure | undefined
}

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/**
 * Verifies a log's text (or bytes): every line canonical, seq consecutive from 0, chain of prev
 * hashes, stored hashes, Ed25519 signatures against the expected key, key id constant, time
 * non-decreasing, and the optional checkpoint present. Stops at the first bad entry and names it.
 * Throws only for unusable arguments (bytes that are not UTF-8, a key that is not 32 bytes).
 *
 * A hash chain cannot tell a log cut after its last good entry from a shorter log: pass a
 * `checkpoint` (e.g. from an export manifest) to detect truncation.
 *
 * @example
 * const result = verify(text, { publicKey })
 * if (!result.ok) console.log(`seq ${result.firstBad.seq}: ${result.firstBad.reason}`)
 */
export function verify(log: string | Uint8Array, parameters: VerifyParameters): VerifyReturnType {
  const { publicKey, ed25519 = AuditKey.nobleEd25519 } = parameters
  return verifyLines(log, parameters, (entry, encoded, { checkSignature }) => {
    if (AuditEntry.hashOf(encoded.signed) !== entry.hash) return 'hash'
    if (checkSignature && !ed25519.verify(hexToBytes(entry.sig), encoder.encode(encoded.body), publicKey))
      return 'signature'
    return undefined
  })
}

/**
 * Checks one entry's stored hash and (when asked) its signature; returns what failed. Called in
 * line order, only for entries that passed every earlier check, with `index` = line - 1.
 */
export type SealCheck = (
  entry: AuditEntry.Entry,
  encoded: { signed: string; body: string },
  context: { index: number; checkSignature: boolean },
) => 'hash' | 'signature' | undefined

/** The message `verify` gives for a bad signature (shared so parallel verifiers report the same). */
export const signatureMessage = (seq: number) => `Entry ${seq} has an invalid signature for the expected key.`

/**
 * `verify` with the hash and signature step supplied by the caller: the Node parallel verifier
 * defers signatures to workers and merges their verdicts (internal: not exported from the package).
 *
 * @example
 * verifyLines(text, { publicKey }, (entry, encoded) => (hash(encoded.signed) === entry.hash ? undefined : 'hash'))
 */
export function verifyLines(
  log: string | Uint8Array,
  parameters: VerifyParameters,
  seal: SealCheck,
): VerifyReturnType {
  const { publicKey, checkpoint, start, signatures = 'every' } = parameters
  const text = typeof log === 'string' ? log : decode(log)
  const keyId = AuditKey.id(publicKey)
  const keyHex = AuditKey.toHex(publicKey)
  if (
    checkpoint !== undefined &&
    (!Number.isSafeInteger(checkpoint.seq) || !/^[0-9a-f]{64}$/.test(checkpoint.hash))
  ) {
    throw new InvalidInputError('The checkpoint must have an integer seq and a 64-hex hash.', {
      hint: 'Pass lastSeq and lastHash from the export manifest.',
    })
  }
  const entries: AuditEntry.Entry[] = []
  let head: Head | undefined
  const fail = (line: number, seq: number, reason: VerifyFailureReason, message: string): VerifyReturnType =>
    // Skipped signatures may hide an earlier bad entry: the slow path names the true first one.
    signatures === 'head'
      ? verifyLines(text, { ...parameters, signatures: 'every' }, seal)
      : { ok: false, entries, head, firstBad: { line, seq, reason, message } }

  if (text.length === 0) return fail(1, start?.seq ?? 0, 'empty', 'The log has no entries.')
  const lines = text.split('\n')
  // text ends with "\n" when intact, so the last piece is "" (a torn tail otherwise).
  const tail = lines.pop() as string
  let expectedSeq = start?.seq ?? 0
  let expectedPrev = start?.prev ?? AuditEntry.genesisHash

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1
    const raw = lines[i] as string
    let entry: AuditEntry.Entry
    try {
      entry = AuditEntry.parseLine(raw, { line: lineNo })
    } catch (error) {
      if (error instanceof MalformedEntryError)
        return fail(lineNo, expectedSeq, 'malformed', error.shortMessage)
      throw error
    }
    const seq = entry.seq
    let encoded: ReturnType<typeof AuditEntry.encodings> | undefined
    try {
      encoded = AuditEntry.encodings(entry)
    } catch {
      encoded = undefined
    }
    if (encoded === undefined || encoded.line !== raw)
      return fail(lineNo, seq, 'not-canonical', `Line ${lineNo} is not canonically encoded.`)
    if (seq !== expectedSeq) {
      return fail(lineNo, seq, 'seq', `Entry on line ${lineNo} has seq ${seq}, expected ${expectedSeq}.`)
    }
    const opening = seq === 0
    if (opening !== (entry.event === 'log-opened') || opening !== (entry.publicKey !== undefined)) {
      return fail(
        lineNo,
        seq,
        'first-entry',
        opening
          ? 'The first entry is not a log-opened entry recording the public key.'
          : `Entry ${seq} is ${entry.event === 'log-opened' ? 'a second log-opened entry' : 'not allowed to carry a publicKey'}.`,
      )
    }
    if (opening && entry.publicKey !== keyHex) {
      return fail(
        lineNo,
        seq,
        'key-mismatch',
        `The log was opened with key ${entry.publicKey}, not the expected ${keyHex}.`,
      )
    }
    if (entry.keyId !== keyId) {
      return fail(
        lineNo,
        seq,
        opening ? 'key-mismatch' : 'key-changed',
        `Entry ${seq} is signed by key ${entry.keyId}, expected ${keyId}.`,
      )
    }
    const checkSignature = signatures === 'every' || i === 0 || i === lines.length - 1
    const sealed = seal(entry, encoded, { index: i, checkSignature })
    if (sealed === 'hash') {
      return fail(lineNo, seq, 'hash', `Entry ${seq} does not match its hash: its content was changed.`)
    }
    if (sealed === 'signature') return fail(lineNo, seq, 'signature', signatureMessage(seq))
    if (entry.prev !== expectedPrev) {
      return fail(
        lineNo,
        seq,
        'prev',
        `Entry ${seq} does not chain to the previous entry (prev hash differs).`,
      )
    }
    if (head !== undefined && Date.parse(entry.time) < Date.parse(head.time)) {
      return fail(lineNo, seq, 'time', `Entry ${seq} time ${entry.time} is earlier than ${head.time}.`)
    }
    if (checkpoint !== undefined && seq === checkpoint.seq && entry.hash !== checkpoint.hash) {
      return fail(lineNo, seq, 'checkpoint-mismatch', `Entry ${seq} differs from the checkpoint hash.`)
    }
    entries.push(entry)
    head = { seq, hash: entry.hash, time: entry.time }
    expectedSeq = seq + 1
    expectedPrev = entry.hash
  }

  if (tail !== '') {
    return fail(
      lines.length + 1,
      expectedSeq,
      'torn-tail',
      `The last line (${lines.length + 1}) is incomplete: no newline.`,
    )
  }
  if (entries.length === 0) return fail(1, expectedSeq, 'empty', 'The log has no entries.')
  if (checkpoint !== undefined && checkpoint.seq >= expectedSeq) {
    return fail(
      lines.length + 1,
      expectedSeq,
      'truncated',
      `The log ends at seq ${expectedSeq - 1} but the checkpoint has seq ${checkpoint.seq}: entries were removed.`,
    )
  }
  return { ok: true, entries, head }
}

function decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes)
  } catch (error) {
    throw new InvalidEncodingError('The audit log is not valid UTF-8 text.', {
      hint: 'Check that the right file was passed; audit logs are JSON Lines.',
      cause: error,
    })
  }
}
