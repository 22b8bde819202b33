/**
 * One log entry: the data model, how it is signed and hashed, and strict parsing of a stored line.
 *
 * An entry is stored as one line: `Canonical.encode(entry)` followed by "\n". Three byte strings
 * matter, all canonical JSON (see Canonical.ts):
 * - body:   every field except `sig` and `hash`. `sig` = Ed25519(log key, body).
 * - signed: body plus `sig`.                      `hash` = SHA-256(signed), lowercase hex.
 * - line:   signed plus `hash`.                   The next entry's `prev` is this entry's `hash`.
 * The first entry (seq 0, event `log-opened`) has `prev` = 64 zeros and records the public key.
 * Because `prev` chains hashes that cover signatures, editing, removing or reordering any entry
 * breaks every later link, and only the key holder can produce valid entries.
 */
import { Json } from '@airlock/errors'
import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils'
import type { Signer } from './AuditKey.ts'
import type { JsonObject } from './Canonical.ts'
import * as Canonical from './Canonical.ts'
import { InvalidInputError, MalformedEntryError } from './errors.ts'

/** Entry format version, stored in every entry as `v`. */
export const formatVersion = 1
/** `prev` of the first entry. */
export const genesisHash = '0'.repeat(64)

/** Every event the log knows. New events are added here (verifiers refuse unknown ones). */
export const events = [
  'log-opened',
  'log-recovered',
  'reviewed',
  'signed',
  'refused',
  'policy-imported',
  'breaker-tripped',
  'breaker-reset',
  'device-error',
  'clock-anomaly',
  // The signer app ran (or signed) with its air-gap override while a network was up.
  'air-gap-override',
] as const
export type Event = (typeof events)[number]

export type Hex = `0x${string}`

/** What a caller supplies for an entry; the log adds seq, time, prev, keyId, sig and hash. */
export type Input = {
  event: Event
  /** Digest of the signing request as received over the air gap. */
  requestDigest?: Hex | undefined
  /** 32-byte Safe transaction hash. */
  safeTxHash?: Hex | undefined
  /** The outcome in one word, e.g. `approved`, `refused`, `needs-review`. */
  decision?: string | undefined
  /** Why: policy rules matched, findings, device messages. */
  reasons?: readonly string[] | undefined
  /** Hash of the policy bundle in force. */
  policyBundleHash?: Hex | undefined
  /** Which device signed or failed, e.g. `ledger:nano-s-plus:0x1234…`. */
  device?: string | undefined
  /** The Safe signature handed back (hex). */
  signature?: Hex | undefined
  /** Anything else, as canonical JSON (safe integers only). */
  data?: JsonObject | undefined
}

/** Optional fields as stored: present with a value, or absent. */
type StoredFields = {
  -readonly [K in Exclude<keyof Input, 'event'>]?: Exclude<Input[K], undefined>
}

/** An entry without its signature and hash: the bytes that are signed. */
export type Body = StoredFields & {
  v: typeof formatVersion
  seq: number
  /** ISO 8601 UTC with milliseconds, e.g. `2026-11-21T08:09:44.123Z`. */
  time: string
  /** `hash` of the previous entry (64 hex), or `genesisHash` for seq 0. */
  prev: string
  event: Event
  /** `AuditKey.id` of the signing key. */
  keyId: string
  /** Only on `log-opened`: the log key (64 hex). */
  publicKey?: string
}

/** A complete, stored entry. */
export type Entry = Body & {
  /** Ed25519 signature over the canonical body (128 hex). */
  sig: string
  /** SHA-256 of the canonical body plus `sig` (64 hex). */
  hash: string
}

const encoder = new TextEncoder()
const timePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const hexPattern = /^0x(?:[0-9a-f]{2})+$/
const hex32Pattern = /^[0-9a-f]{64}$/
const optionalHexFields = ['requestDigest', 'safeTxHash', 'policyBundleHash', 'signature'] as const
const optionalStringFields = ['decision', 'device'] as const
const knownKeys = new Set([
  'v',
  'seq',
  'time',
  'prev',
  'event',
  'keyId',
  'publicKey',
  'sig',
  'hash',
  'data',
  'reasons',
  ...optionalHexFields,
  ...optionalStringFields,
])
const eventSet: ReadonlySet<string> = new Set(events)

/**
 * Builds and signs an entry. Validates the caller's fields (typed error on bad input).
 *
 * @example
 * const entry = AuditEntry.create({
 *   input: { event: 'refused', decision: 'refused', reasons: ['unknown delegatecall target'] },
 *   seq: 1, prev: opened.hash, time: '2026-11-21T08:09:44.123Z', signer,
 * })
 */
export function create({
  input,
  seq,
  prev,
  time,
  signer,
}: {
  input: Input
  seq: number
  prev: string
  time: string
  signer: Signer
}): Entry {
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalid('seq', 'a non-negative integer', seq)
  if (!hex32Pattern.test(prev)) throw invalid('prev', '64 lowercase hex characters', prev)
  assertTime(time)
  const body: Body = {
    v: formatVersion,
    seq,
    time,
    prev,
    event: checkEvent(input.event),
    keyId: signer.keyId,
  }
  if (input.event === 'log-opened') body.publicKey = bytesToHex(signer.publicKey)
  for (const field of optionalHexFields) {
    const value = input[field]
    if (value === undefined) continue
    const lower = typeof value === 'string' ? value.toLowerCase() : value
    if (typeof lower !== 'string' || !hexPattern.test(lower))
      throw invalid(field, '0x-prefixed hex bytes', value)
    if (field === 'safeTxHash' && lower.length !== 66) throw invalid(field, '32 bytes of 0x hex', value)
    body[field] = lower as Hex
  }
  for (const field of optionalStringFields) {
    const value = input[field]
    if (value === undefined) continue
    if (typeof value !== 'string') throw invalid(field, 'a string', value)
    body[field] = value
  }
  if (input.reasons !== undefined) {
    if (!Array.isArray(input.reasons) || !input.reasons.every((r) => typeof r === 'string')) {
      throw invalid('reasons', 'an array of strings', input.reasons)
    }
    body.reasons = [...input.reasons]
  }
  if (input.data !== undefined) {
    if (!Canonical.isPlainObject(input.data)) throw invalid('data', 'a plain JSON object', input.data)
    // Round-trip through canonical JSON: refuses non-JSON values and detaches the caller's object.
    body.data = JSON.parse(Canonical.encode(input.data)) as JsonObject
  }
  const sig = bytesToHex(signer.ed25519.sign(bodyBytes(body), signer.privateKey))
  const signed = { ...body, sig }
  return { ...signed, hash: bytesToHex(sha256(encoder.encode(Canonical.encode(signed)))) }
}

/**
 * The stored line of an entry (canonical JSON, without the trailing newline).
 *
 * @example
 * const text = `${AuditEntry.toLine(entry)}\n`
 */
export function toLine(entry: Entry): string {
  return Canonical.encode(entry)
}

/**
 * The bytes that `sig` signs: the canonical body (entry minus `sig` and `hash`).
 *
 * @example
 * ed25519.verify(hexToBytes(entry.sig), AuditEntry.bodyBytes(entry), publicKey)
 */
export function bodyBytes(entry: Body | Entry): Uint8Array {
  const { sig: _sig, hash: _hash, ...body } = entry as Entry
  return encoder.encode(Canonical.encode(body))
}

/**
 * The three canonical strings of an entry (see the module comment), encoding each field once:
 * `line` (stored), `signed` (hashed) and `body` (signed). Throws `CanonicalEncodingError` for a
 * value that cannot be canonical (e.g. a float parsed from an edited line).
 *
 * @example
 * const { line, signed, body } = AuditEntry.encodings(entry)
 */
export function encodings(entry: Entry): { line: string; signed: string; body: string } {
  const line: string[] = []
  const signed: string[] = []
  const body: string[] = []
  // Same rules as Canonical.encode on the whole object: sorted keys, each value canonical.
  for (const key of Object.keys(entry).sort()) {
    const part = `${JSON.stringify(key)}:${Canonical.encode((entry as Record<string, unknown>)[key])}`
    line.push(part)
    if (key === 'hash') continue
    signed.push(part)
    if (key !== 'sig') body.push(part)
  }
  return { line: `{${line.join(',')}}`, signed: `{${signed.join(',')}}`, body: `{${body.join(',')}}` }
}

/**
 * SHA-256 of a canonical string, as the log writes hashes (lowercase hex).
 *
 * @example
 * AuditEntry.hashOf(AuditEntry.encodings(entry).signed) === entry.hash
 */
export function hashOf(signed: string): string {
  return bytesToHex(sha256(encoder.encode(signed)))
}

/**
 * Recomputes an entry's hash from its body and signature (ignores the stored `hash`).
 *
 * @example
 * AuditEntry.computeHash(entry) === entry.hash // true for an untouched entry
 */
export function computeHash(entry: Entry): string {
  const { hash: _hash, ...signed } = entry
  return bytesToHex(sha256(encoder.encode(Canonical.encode(signed))))
}

/**
 * Checks an entry's signature with a public key.
 *
 * @example
 * AuditEntry.verifySignature(entry, { publicKey, ed25519: nobleEd25519 }) // true
 */
export function verifySignature(
  entry: Entry,
  { publicKey, ed25519 }: { publicKey: Uint8Array; ed25519: Signer['ed25519'] },
): boolean {
  if (!/^[0-9a-f]{128}$/.test(entry.sig)) return false
  return ed25519.verify(hexToBytes(entry.sig), bodyBytes(entry), publicKey)
}

/**
 * Parses one stored line strictly: JSON, every field typed, no unknown fields. Does not check
 * signature, hash or chain (that is `verify`).
 *
 * @example
 * const entry = AuditEntry.parseLine(text.split('\n')[0], { line: 1 })
 */
export function parseLine(text: string, { line }: { line: number }): Entry {
  let value: unknown
  try {
    value = Json.parse(text)
  } catch (error) {
    throw malformed(line, 'is not valid JSON', error)
  }
  if (!Canonical.isPlainObject(value)) throw malformed(line, 'is not a JSON object')
  for (const key of Object.keys(value))
    if (!knownKeys.has(key)) throw malformed(line, `has an unknown field "${key}"`)
  const o = value
  if (o.v !== formatVersion) throw malformed(line, `has format version ${JSON.stringify(o.v)}, expected 1`)
  if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq < 0)
    throw malformed(line, 'has no valid seq')
  if (typeof o.time !== 'string' || !isTime(o.time)) throw malformed(line, 'has no valid time')
  if (typeof o.event !== 'string' || !eventSet.has(o.event))
    throw malformed(line, `has an unknown event ${JSON.stringify(o.event)}`)
  for (const key of ['prev', 'hash'] as const) {
    if (typeof o[key] !== 'string' || !hex32Pattern.test(o[key])) throw malformed(line, `has no valid ${key}`)
  }
  if (typeof o.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(o.keyId))
    throw malformed(line, 'has no valid keyId')
  if (typeof o.sig !== 'string' || !/^[0-9a-f]{128}$/.test(o.sig)) throw malformed(line, 'has no valid sig')
  if (o.publicKey !== undefined && (typeof o.publicKey !== 'string' || !hex32Pattern.test(o.publicKey))) {
    throw malformed(line, 'has an invalid publicKey')
  }
  for (const key of optionalHexFields) {
    const v = o[key]
    if (v !== undefined && (typeof v !== 'string' || !hexPattern.test(v)))
      throw malformed(line, `has an invalid ${key}`)
  }
  if (o.safeTxHash !== undefined && (o.safeTxHash as string).length !== 66)
    throw malformed(line, 'has an invalid safeTxHash')
  for (const key of optionalStringFields) {
    if (o[key] !== undefined && typeof o[key] !== 'string') throw malformed(line, `has an invalid ${key}`)
  }
  if (
    o.reasons !== undefined &&
    (!Array.isArray(o.reasons) || !o.reasons.every((r) => typeof r === 'string'))
  ) {
    throw malformed(line, 'has invalid reasons')
  }
  if (o.data !== undefined && !Canonical.isPlainObject(o.data))
    throw malformed(line, 'has an invalid data field')
  return o as Entry
}

/**
 * True for a time in the log's format: ISO 8601 UTC with milliseconds that is a real instant.
 *
 * @example
 * AuditEntry.isTime('2026-11-21T08:09:44.123Z') // true
 */
export function isTime(time: string): boolean {
  if (!timePattern.test(time)) return false
  const ms = Date.parse(time)
  return Number.isFinite(ms) && new Date(ms).toISOString() === time
}

/**
 * Throws a typed error unless `time` is in the log's format.
 *
 * @example
 * AuditEntry.assertTime(new Date().toISOString())
 */
export function assertTime(time: string): void {
  if (typeof time !== 'string' || !isTime(time)) {
    throw invalid('time', 'ISO 8601 UTC with milliseconds (Date.toISOString())', time)
  }
}

function checkEvent(event: unknown): Event {
  if (typeof event !== 'string' || !eventSet.has(event))
    throw invalid('event', `one of ${events.join(', ')}`, event)
  return event as Event
}

function invalid(field: string, expected: string, got: unknown): InvalidInputError {
  let shown: string
  try {
    shown = JSON.stringify(got)?.slice(0, 120) ?? String(got)
  } catch {
    shown = typeof got
  }
  return new InvalidInputError(`The audit entry field "${field}" must be ${expected}.`, {
    hint: 'Fix the value passed to append().',
    details: `got ${shown}`,
  })
}

function malformed(line: number, what: string, cause?: unknown): MalformedEntryError {
  return new MalformedEntryError(`Log line ${line} ${what}.`, {
    line,
    hint: 'The log was edited or damaged; run verify to find the first bad entry.',
    ...(cause === undefined
      ? {}
      : { cause, details: cause instanceof Error ? cause.message : String(cause) }),
  })
}
