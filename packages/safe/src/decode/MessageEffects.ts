/**
 * What a Safe message (EIP-1271) authorises. A signed message can move funds without any
 * transaction (a Permit, a Permit2 allowance or transfer), so it is decoded into the same effect
 * classes as a transaction's calls, and everything that is not recognised exactly is `unknown`
 * (default deny). Typed data is validated strictly before anything is hashed or decoded.
 */
import { BaseError, Json, printable } from '@airlock/errors'
import {
  type Address,
  formatUnits,
  getAddress,
  type Hex,
  hashDomain,
  hashStruct,
  isAddress,
  isAddressEqual,
  type TypedDataDefinition,
} from 'viem'
import * as LedgerDisplay from '../LedgerDisplay.ts'
import * as SafeMessage from '../SafeMessage.ts'
import type { SafeContext } from '../SafeTx.ts'
import * as SafeVersion from '../SafeVersion.ts'
import type * as Effects from './Effects.ts'
import * as DecoderOrg from './OrgConfig.ts'

/** A message that is not valid typed data or text, or too large to read. */
export class InvalidMessageError extends BaseError {
  override name = 'Safe.InvalidMessageError'
}

/** The canonical Permit2 deployment (same address on every chain). */
export const PERMIT2 = '0x000000000022D473030F116dDEE9F6B43aC78BA3' as Address

/** Size limits for untrusted messages. */
export const limits = {
  /** UTF-8 bytes of a text message or of typed data as JSON. */
  bytes: 64 * 1024,
  /** JSON nesting of typed data. */
  jsonDepth: 16,
  /** Struct types in `types`. */
  types: 32,
  /** Fields of one struct type. */
  fields: 64,
  /** Nesting of structs and arrays inside the message. */
  depth: 8,
  /** Elements of one array. */
  arrayLength: 256,
} as const

/** EIP-712 typed data after validation: numbers as bigint, addresses checksummed. */
export type TypedData = {
  types: Record<string, readonly { name: string; type: string }[]>
  primaryType: string
  domain: {
    name?: string
    version?: string
    chainId: bigint
    verifyingContract?: Address
    salt?: Hex
  }
  message: Record<string, unknown>
}

/** One effect of a message: a transaction effect class, or `text` for a plain string message. */
export type MessageEffect = Effects.Effect | { kind: 'text'; text: string }

/**
 * A time limit inside a message (unix seconds): `signature` until when the signature may be used
 * (ERC-2612 `deadline`, Permit2 `sigDeadline`/`deadline`), `allowance` until when a Permit2
 * allowance lasts (`expiration`; 0, "this block only", is not listed).
 */
export type Deadline = { path: string; kind: 'signature' | 'allowance'; at: bigint }

/**
 * The witness of a Permit2 witness transfer (`PermitWitnessTransferFrom`,
 * `PermitBatchWitnessTransferFrom`): a struct the spender's contract checks when it pulls the tokens
 * (an order, where the tokens go). Shown in full; what it makes the spender do is `unknown` to the
 * signer unless Airlock knows the type.
 */
export type Witness = {
  /** The field's name in the primary type (`witness` in Uniswap's SDK). */
  field: string
  /** Its struct type, e.g. `ExclusiveDutchOrder`. */
  type: string
  /** Permit2's `witnessTypeString`: `<Type> <field>)` and every struct it uses, sorted (EIP-712). */
  typeString: string
  value: Record<string, unknown>
  effect: Extract<Effects.Effect, { kind: 'unknown' }>
}

export type Decoded = {
  kind: 'text' | 'typed-data'
  /** The validated message, ready to hash (`SafeMessage.hash`) and sign. */
  message: SafeMessage.Message
  /** `typed-data` only: its primary type. */
  primaryType: string | undefined
  /** `typed-data` only: the domain's verifying contract. */
  verifyingContract: Address | undefined
  hashes: SafeMessage.SafeMessageHashes & {
    /** The Safe's EIP-712 domain separator (the Ledger's "Domain hash"). */
    domainHash: Hex
    /** hashStruct(SafeMessage) (the Ledger's "Message hash"). */
    structHash: Hex
  }
  /** Exactly one effect: `text`, `allowance`, `outflow` or `unknown`. */
  effect: MessageEffect
  /** Allowances and transfers out of the Safe: what velocity and the breaker count. */
  flows: readonly Effects.Flow[]
  /** The message's time limits (the signer refuses an expired one and flags an over-long one). */
  deadlines: readonly Deadline[]
  /** A Permit2 witness transfer's witness. */
  witness: Witness | undefined
}

/**
 * Validates a Safe message and decodes what it authorises. `message` is a string (EIP-191 text) or
 * typed data (an object, e.g. from `parseTypedData`); typed data must be for the Safe's chain.
 * Throws `Safe.InvalidMessageError` for anything malformed; an unrecognised but valid message is
 * decoded with effect `unknown`.
 *
 * @example
 * const decoded = MessageEffects.decode({ message: permitSingle, context })
 * decoded.effect.kind // 'allowance'
 */
export function decode({ message, context }: { message: unknown; context: SafeContext }): Decoded {
  if (typeof message === 'string') {
    const bytes = new TextEncoder().encode(message).length
    if (bytes > limits.bytes)
      throw invalid(`The text message is too large (${bytes} bytes, at most ${limits.bytes}).`)
    return finish({ kind: 'text', message, context, effect: { kind: 'text', text: printable(message) } })
  }
  const typed = validate(message, context)
  const { effect, flows, deadlines = [], witness } = effectOf(typed, context)
  const decoded = finish({
    kind: 'typed-data',
    message: typed as unknown as TypedDataDefinition,
    context,
    effect,
    primaryType: typed.primaryType,
    verifyingContract: typed.domain.verifyingContract,
  })
  return { ...decoded, flows, deadlines, witness }
}

/**
 * Parses typed data from untrusted JSON text (size and nesting bounded), without validating it;
 * `decode` validates.
 *
 * @example
 * MessageEffects.decode({ message: MessageEffects.parseTypedData(json), context })
 */
export function parseTypedData(json: string | Uint8Array): Record<string, unknown> {
  let value: unknown
  try {
    value = Json.parse(json, { maxBytes: limits.bytes, maxDepth: limits.jsonDepth, what: 'typed data' })
  } catch (error) {
    if (error instanceof BaseError)
      throw invalid(error.shortMessage, { hint: error.hint ?? undefined, cause: error })
    throw error
  }
  if (!isRecord(value)) throw invalid('The typed data is not a JSON object.')
  return value
}

/**
 * Typed data as JSON text (bigints as decimal strings), for the wire and the Transaction Service.
 *
 * @example
 * MessageEffects.toJson(decoded.message)
 */
export function toJson(message: unknown): string {
  return JSON.stringify(message, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))
}

/**
 * One line per fact of a decoded message, for the review (untrusted strings escaped). With the
 * decoder's org config, assets and spenders get their labels and amounts their units.
 *
 * @example
 * MessageEffects.describe(decoded, { org }) // ['Permit2 allowance: 1000000 (1 USDC) of 0xA0b8… (USDC) to spender 0x…', …]
 */
export function describe(
  decoded: Decoded,
  { org = DecoderOrg.empty }: { org?: DecoderOrg.OrgConfig | undefined } = {},
): string[] {
  const { effect } = decoded
  const name = (address: Address) => {
    const label = DecoderOrg.label(org, getAddress(address))
    return label ? `${address} (${printable(label)})` : `${address} (not listed)`
  }
  const amount = (asset: Address, value: bigint) => {
    const decimals = org.knownContracts.get(getAddress(asset))?.decimals
    const label = org.knownContracts.get(getAddress(asset))?.label
    return decimals === undefined
      ? `${value} base units`
      : `${value} (${formatUnits(value, decimals)} ${printable(label ?? '')})`.replace(' )', ')')
  }
  const lines: string[] = []
  switch (effect.kind) {
    case 'text':
      lines.push('Text message (EIP-191), in full:', ...effect.text.split('\n').map((l) => `  ${l}`))
      break
    case 'allowance':
      for (const g of effect.grants)
        lines.push(
          `${g.standard === 'permit2' ? 'Permit2' : 'ERC-2612'} allowance: ${g.unlimited ? 'UNLIMITED' : amount(g.asset, g.amount)} of ${name(g.asset)} to spender ${name(g.spender)}`,
        )
      break
    case 'outflow':
      for (const t of effect.transfers)
        lines.push(
          `Permit2 transfer: ${amount(t.asset, t.amount)} of ${name(t.asset)}, pulled by spender ${name(t.to)}`,
        )
      break
    case 'unknown':
      lines.push(
        `Unknown typed data ${printable(JSON.stringify(decoded.primaryType ?? ''))} (${effect.reason}): refused by default`,
      )
      break
    default:
      lines.push(`${effect.kind}`)
  }
  for (const d of decoded.deadlines)
    lines.push(
      `${d.kind === 'signature' ? 'Signature valid until' : 'Allowance expires'} ${deadlineText(d.at)} (${d.path})`,
    )
  const { witness } = decoded
  if (witness) {
    lines.push(
      `Witness ${printable(witness.field)} of type ${printable(witness.type)} (${witness.effect.kind}: Airlock does not know what it makes the spender do), in full:`,
      ...printable(toJson(witness.value))
        .match(/.{1,100}/g)!
        .map((l) => `  ${l}`),
      `  witnessTypeString ${printable(witness.typeString)}`,
    )
  }
  return lines
}

/**
 * A deadline as a reviewer reads it: ISO time in UTC, or "never" for a value past year 9999.
 *
 * @example
 * MessageEffects.deadlineText(1_800_000_000n) // '2027-01-15T08:00:00Z'
 */
export function deadlineText(at: bigint): string {
  if (at === MAX_UINT256) return 'never (type(uint256).max)'
  if (at === 2n ** 48n - 1n) return 'never (type(uint48).max)'
  if (at > 253_402_300_799n) return `never (after the year 9999: ${at})`
  return new Date(Number(at) * 1000).toISOString().replace('.000Z', 'Z')
}

/**
 * The hashes as a Ledger shows a Safe message: domain hash and message hash (upper-case digits),
 * and the final SafeMessage hash as the Transaction Service lists it.
 *
 * @example
 * MessageEffects.ledger(decoded) // { domainHash: '0x…', messageHash: '0x…', safeMessageHash: '0x…' }
 */
export function ledger(decoded: Pick<Decoded, 'hashes'>): {
  domainHash: string
  messageHash: string
  safeMessageHash: Hex
} {
  return {
    domainHash: LedgerDisplay.hash(decoded.hashes.domainHash),
    messageHash: LedgerDisplay.hash(decoded.hashes.structHash),
    safeMessageHash: decoded.hashes.messageHash,
  }
}

function finish({
  kind,
  message,
  context,
  effect,
  primaryType,
  verifyingContract,
}: {
  kind: Decoded['kind']
  message: SafeMessage.Message
  context: SafeContext
  effect: MessageEffect
  primaryType?: string | undefined
  verifyingContract?: Address | undefined
}): Decoded {
  const hashes = SafeMessage.hash({ message, context })
  const domain = SafeVersion.domainHasChainId(context.version)
    ? { chainId: context.chainId, verifyingContract: context.safe }
    : { verifyingContract: context.safe }
  const domainHash = hashDomain({
    domain,
    types: {
      EIP712Domain: [
        ...('chainId' in domain ? [{ name: 'chainId', type: 'uint256' }] : []),
        { name: 'verifyingContract', type: 'address' },
      ],
    },
  } as Parameters<typeof hashDomain>[0])
  const structHash = hashStruct({
    data: { message: hashes.digest },
    primaryType: 'SafeMessage',
    types: { SafeMessage: [{ name: 'message', type: 'bytes' }] },
  })
  return {
    kind,
    message,
    primaryType,
    verifyingContract,
    hashes: { ...hashes, domainHash, structHash },
    effect,
    flows: [],
    deadlines: [],
    witness: undefined,
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

const domainFields: Record<string, string> = {
  name: 'string',
  version: 'string',
  chainId: 'uint256',
  verifyingContract: 'address',
  salt: 'bytes32',
}
const identifier = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/

function validate(input: unknown, context: SafeContext): TypedData {
  if (!isRecord(input)) throw invalid('The message is neither text nor a typed-data object.')
  const extra = Object.keys(input).filter((k) => !['types', 'primaryType', 'domain', 'message'].includes(k))
  if (extra.length > 0) throw invalid(`The typed data has unexpected keys: ${names(extra)}.`)
  const { types, primaryType, domain, message } = input
  if (!isRecord(types)) throw invalid('The typed data has no `types` object.')
  if (typeof primaryType !== 'string' || !identifier.test(primaryType))
    throw invalid('The typed data has no valid `primaryType`.')
  if (primaryType === 'EIP712Domain')
    throw invalid('The primaryType is EIP712Domain: that is the domain, not a message.')
  if (!isRecord(domain)) throw invalid('The typed data has no `domain` object.')
  if (!isRecord(message)) throw invalid('The typed data has no `message` object.')

  // Types: well-formed names and fields, every referenced struct defined.
  const typeNames = Object.keys(types)
  if (typeNames.length > limits.types)
    throw invalid(`The typed data defines ${typeNames.length} types (at most ${limits.types}).`)
  const structs: Record<string, { name: string; type: string }[]> = {}
  for (const name of typeNames) {
    if (!identifier.test(name)) throw invalid(`Type name ${names([name])} is not a valid identifier.`)
    const fields = types[name]
    if (!Array.isArray(fields) || fields.length > limits.fields)
      throw invalid(`Type ${name} must be a list of at most ${limits.fields} fields.`)
    const seen = new Set<string>()
    structs[name] = fields.map((field, i) => {
      if (
        !isRecord(field) ||
        Object.keys(field).length !== 2 ||
        typeof field.name !== 'string' ||
        typeof field.type !== 'string' ||
        !identifier.test(field.name)
      )
        throw invalid(`Field ${i} of type ${name} must be { name, type }.`)
      if (seen.has(field.name)) throw invalid(`Type ${name} repeats field ${field.name}.`)
      seen.add(field.name)
      return { name: field.name, type: field.type }
    })
  }
  if (!structs[primaryType]) throw invalid(`The primaryType ${primaryType} is not defined in types.`)
  for (const [name, fields] of Object.entries(structs)) {
    for (const field of fields) {
      const base = field.type.replace(/(\[\d*\])+$/, '')
      if (!isAtomic(base) && !structs[base])
        throw invalid(`Field ${name}.${field.name} has undefined type ${names([field.type])}.`)
    }
  }

  // Domain: known fields only, chainId required and the Safe's.
  for (const key of Object.keys(domain)) {
    if (!(key in domainFields)) throw invalid(`The domain has an unknown field ${names([key])}.`)
  }
  if (domain.chainId === undefined)
    throw invalid('The domain has no chainId: the message would be valid on every chain.')
  const declared = structs.EIP712Domain
  if (declared) {
    const expected = Object.keys(domainFields).filter((k) => k in domain)
    if (
      declared.length !== expected.length ||
      declared.some((f, i) => f.name !== expected[i] || f.type !== domainFields[f.name])
    )
      throw invalid('The EIP712Domain type does not match the domain fields.')
  }
  const normalizedDomain = value(
    domain,
    'EIP712Domain',
    {
      ...structs,
      EIP712Domain: Object.keys(domainFields)
        .filter((k) => k in domain)
        .map((k) => ({ name: k, type: domainFields[k]! })),
    },
    'domain',
    0,
  ) as TypedData['domain']
  if (normalizedDomain.chainId !== context.chainId)
    throw invalid(
      `The typed data is for chain ${normalizedDomain.chainId}, the Safe is on chain ${context.chainId}.`,
    )

  // Message: every field present, nothing extra, every value canonical for its type.
  const normalizedMessage = value(message, primaryType, structs, 'message', 0) as Record<string, unknown>
  return { types: structs, primaryType, domain: normalizedDomain, message: normalizedMessage }
}

function isAtomic(type: string): boolean {
  if (type === 'address' || type === 'bool' || type === 'string' || type === 'bytes') return true
  const int = /^u?int(\d+)$/.exec(type)
  if (int) return bits(int[1]!)
  const fixed = /^bytes(\d+)$/.exec(type)
  if (fixed) return Number(fixed[1]) >= 1 && Number(fixed[1]) <= 32 && String(Number(fixed[1])) === fixed[1]
  return false
}

function bits(text: string): boolean {
  const n = Number(text)
  return String(n) === text && n >= 8 && n <= 256 && n % 8 === 0
}

// One value of `type`, checked and normalised (bigint numbers, checksummed addresses, lower-case hex).
function value(
  raw: unknown,
  type: string,
  structs: Record<string, readonly { name: string; type: string }[]>,
  path: string,
  depth: number,
): unknown {
  if (depth > limits.depth) throw invalid(`The typed data nests deeper than ${limits.depth} at ${path}.`)
  const array = /^(.*)\[(\d*)\]$/.exec(type)
  if (array) {
    const [, inner, size] = array
    if (!Array.isArray(raw)) throw invalid(`${path} must be an array.`)
    if (raw.length > limits.arrayLength)
      throw invalid(`${path} has ${raw.length} elements (at most ${limits.arrayLength}).`)
    if (size !== '' && raw.length !== Number(size))
      throw invalid(`${path} must have exactly ${size} elements.`)
    return raw.map((item, i) => value(item, inner!, structs, `${path}[${i}]`, depth + 1))
  }
  const struct = structs[type]
  if (struct) {
    if (!isRecord(raw)) throw invalid(`${path} must be an object of type ${type}.`)
    const extra = Object.keys(raw).filter((k) => !struct.some((f) => f.name === k))
    if (extra.length > 0)
      throw invalid(`${path} has fields its type ${type} does not define: ${names(extra)}.`)
    const out: Record<string, unknown> = {}
    for (const field of struct) {
      if (!(field.name in raw)) throw invalid(`${path}.${field.name} is missing.`)
      out[field.name] = value(raw[field.name], field.type, structs, `${path}.${field.name}`, depth + 1)
    }
    return out
  }
  if (type === 'address') {
    if (typeof raw !== 'string' || !isAddress(raw, { strict: true }))
      throw invalid(`${path} is not an address (or fails its checksum).`)
    return getAddress(raw)
  }
  if (type === 'bool') {
    if (typeof raw !== 'boolean') throw invalid(`${path} must be true or false.`)
    return raw
  }
  if (type === 'string') {
    if (typeof raw !== 'string') throw invalid(`${path} must be a string.`)
    return raw
  }
  if (type === 'bytes' || /^bytes\d+$/.test(type)) {
    if (typeof raw !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(raw))
      throw invalid(`${path} must be 0x-prefixed hex.`)
    const size = type === 'bytes' ? undefined : Number(type.slice(5))
    if (size !== undefined && raw.length !== 2 + size * 2) throw invalid(`${path} must be ${size} bytes.`)
    return raw.toLowerCase()
  }
  const int = /^(u?)int(\d+)$/.exec(type)
  if (int) {
    const unsigned = int[1] === 'u'
    const width = BigInt(int[2]!)
    let n: bigint
    if (typeof raw === 'number' && Number.isSafeInteger(raw)) n = BigInt(raw)
    else if (typeof raw === 'string' && /^(0|-?[1-9]\d{0,77})$/.test(raw)) n = BigInt(raw)
    else
      throw invalid(`${path} must be a canonical decimal integer (no hex, exponent, sign or leading zero).`)
    const min = unsigned ? 0n : -(2n ** (width - 1n))
    const max = unsigned ? 2n ** width - 1n : 2n ** (width - 1n) - 1n
    if (n < min || n > max) throw invalid(`${path} is out of range for ${type}.`)
    return n
  }
  throw invalid(`${path} has unsupported type ${names([type])}.`)
}

// ---------------------------------------------------------------------------------------------
// Known typed data

const permitDetails = [
  { name: 'token', type: 'address' },
  { name: 'amount', type: 'uint160' },
  { name: 'expiration', type: 'uint48' },
  { name: 'nonce', type: 'uint48' },
]
const tokenPermissions = [
  { name: 'token', type: 'address' },
  { name: 'amount', type: 'uint256' },
]
const known: Record<string, Record<string, readonly { name: string; type: string }[]>> = {
  Permit: {
    Permit: [
      { name: 'owner', type: 'address' },
      { name: 'spender', type: 'address' },
      { name: 'value', type: 'uint256' },
      { name: 'nonce', type: 'uint256' },
      { name: 'deadline', type: 'uint256' },
    ],
  },
  PermitSingle: {
    PermitSingle: [
      { name: 'details', type: 'PermitDetails' },
      { name: 'spender', type: 'address' },
      { name: 'sigDeadline', type: 'uint256' },
    ],
    PermitDetails: permitDetails,
  },
  PermitBatch: {
    PermitBatch: [
      { name: 'details', type: 'PermitDetails[]' },
      { name: 'spender', type: 'address' },
      { name: 'sigDeadline', type: 'uint256' },
    ],
    PermitDetails: permitDetails,
  },
  PermitTransferFrom: {
    PermitTransferFrom: [
      { name: 'permitted', type: 'TokenPermissions' },
      { name: 'spender', type: 'address' },
      { name: 'nonce', type: 'uint256' },
      { name: 'deadline', type: 'uint256' },
    ],
    TokenPermissions: tokenPermissions,
  },
  PermitBatchTransferFrom: {
    PermitBatchTransferFrom: [
      { name: 'permitted', type: 'TokenPermissions[]' },
      { name: 'spender', type: 'address' },
      { name: 'nonce', type: 'uint256' },
      { name: 'deadline', type: 'uint256' },
    ],
    TokenPermissions: tokenPermissions,
  },
}

// Permit2's witness transfers: the plain transfer's fields, then one witness struct of the
// dapp's own type (Permit2 hashes `stub + witnessTypeString`, so any field name and type work).
const witnessStubs: Record<string, { plain: string; permitted: string }> = {
  PermitWitnessTransferFrom: { plain: 'PermitTransferFrom', permitted: 'TokenPermissions' },
  PermitBatchWitnessTransferFrom: { plain: 'PermitBatchTransferFrom', permitted: 'TokenPermissions[]' },
}

const MAX_UINT160 = 2n ** 160n - 1n
const MAX_UINT256 = 2n ** 256n - 1n

// The types the primary type uses must be exactly the known definition (same fields, same order):
// a look-alike with one more field hashes differently and means something else.
function matchesKnown(typed: TypedData): boolean {
  const definition = known[typed.primaryType]
  if (!definition) return false
  const used = reachable(typed.primaryType, typed.types)
  if (used.size !== Object.keys(definition).length) return false
  return [...used].every((name) => sameFields(definition[name], typed.types[name]))
}

// A witness transfer: the plain transfer's fields plus one struct field; TokenPermissions exact.
// Returns the witness field, or undefined when the types are anything else.
function witnessField(typed: TypedData): { name: string; type: string } | undefined {
  const stub = witnessStubs[typed.primaryType]
  if (!stub) return undefined
  const fields = typed.types[typed.primaryType]!
  const plain = known[stub.plain]![stub.plain]!
  const last = fields.at(-1)
  if (!last || fields.length !== plain.length + 1) return undefined
  if (!sameFields(plain, fields.slice(0, plain.length))) return undefined
  if (!sameFields(tokenPermissions, typed.types.TokenPermissions)) return undefined
  // The witness is a struct of the dapp's type (not an array, an atomic value or a Permit2 type).
  if (!typed.types[last.type] || last.type === typed.primaryType || last.type === 'TokenPermissions')
    return undefined
  if (reachable(last.type, typed.types).has(typed.primaryType)) return undefined
  return last
}

function sameFields(
  want: readonly { name: string; type: string }[] | undefined,
  have: readonly { name: string; type: string }[] | undefined,
): boolean {
  if (!want || !have || want.length !== have.length) return false
  return want.every((f, i) => f.name === have[i]!.name && f.type === have[i]!.type)
}

// Permit2's witnessTypeString for a witness field: `<Type> <field>)` then every struct the primary
// type uses besides itself, sorted by name (EIP-712 encodeType order).
function witnessTypeString(typed: TypedData, field: { name: string; type: string }): string {
  const used = [...reachable(typed.primaryType, typed.types)].filter((n) => n !== typed.primaryType).sort()
  const encoded = used.map((n) => `${n}(${typed.types[n]!.map((f) => `${f.type} ${f.name}`).join(',')})`)
  return `${field.type} ${field.name})${encoded.join('')}`
}

function reachable(
  root: string,
  types: Record<string, readonly { name: string; type: string }[]>,
): Set<string> {
  const seen = new Set<string>()
  const stack = [root]
  while (stack.length > 0) {
    const name = stack.pop()!
    if (seen.has(name) || !types[name]) continue
    seen.add(name)
    for (const f of types[name]) stack.push(f.type.replace(/(\[\d*\])+$/, ''))
  }
  return seen
}

type Effected = {
  effect: MessageEffect
  flows: Effects.Flow[]
  deadlines?: Deadline[]
  witness?: Witness | undefined
}

function effectOf(typed: TypedData, context: SafeContext): Effected {
  const unknown = (reason: Effects.UnknownReason) => ({
    effect: { kind: 'unknown' as const, reason },
    flows: [],
  })
  const witness = witnessField(typed)
  if (!witness && !matchesKnown(typed)) return unknown('undecoded')
  const contract = typed.domain.verifyingContract
  if (!contract) return unknown('malformed')
  const safe = getAddress(context.safe)
  const m = typed.message as Record<string, unknown>
  const flow = (f: Omit<Effects.Flow, 'safe' | 'path'>): Effects.Flow => ({ ...f, safe, path: [] })
  switch (typed.primaryType) {
    case 'Permit': {
      // The token checks the owner's signature: signed by the Safe, it only means something for the Safe.
      const owner = m.owner as Address
      if (!isAddressEqual(owner, safe)) return unknown('no-known-effect')
      const amount = m.value as bigint
      const grant: Effects.Grant = {
        standard: 'erc20',
        asset: contract,
        owner,
        spender: m.spender as Address,
        amount,
        unlimited: amount === MAX_UINT256,
        mode: 'set',
        revoke: amount === 0n,
      }
      return {
        effect: { kind: 'allowance', grants: [grant] },
        deadlines: [{ path: 'deadline', kind: 'signature', at: m.deadline as bigint }],
        flows: grant.revoke
          ? []
          : [
              flow({
                kind: 'allowance',
                standard: 'erc20',
                asset: contract,
                amount,
                to: grant.spender,
                unlimited: grant.unlimited,
              }),
            ],
      }
    }
    case 'PermitSingle':
    case 'PermitBatch': {
      if (!isAddressEqual(contract, PERMIT2)) return unknown('no-known-effect')
      const details = (
        typed.primaryType === 'PermitSingle' ? [m.details] : (m.details as unknown as unknown[])
      ) as Record<string, unknown>[]
      const spender = m.spender as Address
      const grants: Effects.Grant[] = details.map((d) => {
        const amount = d.amount as bigint
        return {
          standard: 'permit2',
          asset: d.token as Address,
          owner: safe,
          spender,
          amount,
          unlimited: amount === MAX_UINT160,
          mode: 'set',
          revoke: amount === 0n,
        }
      })
      const expirations: Deadline[] = details.flatMap((d, i) =>
        (d.expiration as bigint) === 0n
          ? []
          : [
              {
                path:
                  typed.primaryType === 'PermitSingle' ? 'details.expiration' : `details[${i}].expiration`,
                kind: 'allowance' as const,
                at: d.expiration as bigint,
              },
            ],
      )
      return {
        effect: { kind: 'allowance', grants },
        deadlines: [{ path: 'sigDeadline', kind: 'signature', at: m.sigDeadline as bigint }, ...expirations],
        flows: grants
          .filter((g) => !g.revoke)
          .map((g) =>
            flow({
              kind: 'allowance',
              standard: 'permit2',
              asset: g.asset,
              amount: g.amount,
              to: g.spender,
              unlimited: g.unlimited,
            }),
          ),
      }
    }
    case 'PermitTransferFrom':
    case 'PermitBatchTransferFrom':
    case 'PermitWitnessTransferFrom':
    case 'PermitBatchWitnessTransferFrom': {
      if (!isAddressEqual(contract, PERMIT2)) return unknown('no-known-effect')
      const single =
        typed.primaryType === 'PermitTransferFrom' || typed.primaryType === 'PermitWitnessTransferFrom'
      const permitted = (single ? [m.permitted] : (m.permitted as unknown as unknown[])) as Record<
        string,
        unknown
      >[]
      // The spender chooses the recipient when it calls Permit2 (a witness only constrains its own
      // contract, which the signer cannot read): count every transfer as the spender's.
      const to = m.spender as Address
      const transfers: Effects.Transfer[] = permitted.map((p) => ({
        standard: 'erc20',
        asset: p.token as Address,
        from: safe,
        to,
        amount: p.amount as bigint,
        tokenIds: [],
      }))
      return {
        effect: { kind: 'outflow', transfers },
        deadlines: [{ path: 'deadline', kind: 'signature', at: m.deadline as bigint }],
        witness: witness && {
          field: witness.name,
          type: witness.type,
          typeString: witnessTypeString(typed, witness),
          value: m[witness.name] as Record<string, unknown>,
          effect: { kind: 'unknown', reason: 'undecoded' },
        },
        flows: transfers.map((t) =>
          flow({
            kind: 'transfer',
            standard: 'erc20',
            asset: t.asset,
            amount: t.amount,
            to: t.to,
            unlimited: false,
          }),
        ),
      }
    }
    default:
      return unknown('undecoded')
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function names(list: readonly string[]): string {
  return list
    .slice(0, 5)
    .map((n) => JSON.stringify(printable(n.slice(0, 64))))
    .join(', ')
}

function invalid(
  shortMessage: string,
  { hint, cause }: { hint?: string | undefined; cause?: unknown } = {},
): InvalidMessageError {
  return new InvalidMessageError(shortMessage, {
    hint: hint ?? 'Ask for the message again from the dapp; the signer signs only well-formed messages.',
    cause,
  })
}
