import { getAddress, type Hex } from 'viem'
import { RequestTooComplexError } from '../errors.ts'

/** An ABI parameter as viem and solc describe it (only the fields decoding needs). */
export type Param = {
  readonly type: string
  readonly name?: string | undefined
  readonly components?: readonly Param[] | undefined
}

/** Why calldata is not the canonical encoding of a function's arguments. */
export type Failure = {
  ok: false
  /** What is wrong, for the review (e.g. `dirty high bits in address at byte 4`). */
  detail: string
}

export type DecodeResult = { ok: true; values: unknown[] } | Failure

/** Shared limits of one analysis: every decoded ABI value counts against `values`. */
export type Counter = { values: number; maxValues: number }

class NotCanonical {
  constructor(readonly detail: string) {}
}

type Ctx = { hex: string; len: number; counter: Counter }

const ZERO_WORD = '0'.repeat(64)
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes ABI-encoded arguments strictly: the bytes must be exactly the canonical encoding of the
 * decoded values (what `encodeAbiParameters` would produce), so re-encoding is the identity. Refused:
 * dirty high bits in address/uintN/intN/bool/bytesN words, a bool other than 0/1, short data, trailing
 * bytes, non-zero padding, and any dynamic offset other than the next free position (no aliasing, so
 * work is linear in the input). Array lengths are checked against the bytes left before anything is
 * allocated. Values have viem's shapes (checksummed addresses, numbers for ≤ 48-bit integers).
 * Throws `Safe.RequestTooComplexError` when the counter's value limit is reached.
 *
 * @example
 * StrictAbi.decode({ params: [{ type: 'address' }, { type: 'uint256' }], data: '0x…' })
 * // { ok: true, values: ['0x…', 5n] }
 */
export function decode({
  params,
  data,
  counter = { values: 0, maxValues: Number.POSITIVE_INFINITY },
}: {
  params: readonly Param[]
  /** The encoded arguments (no selector). */
  data: Hex
  counter?: Counter | undefined
}): DecodeResult {
  const hex = data.slice(2).toLowerCase()
  if (hex.length % 2 !== 0) return { ok: false, detail: 'odd number of hex digits' }
  const ctx: Ctx = { hex, len: hex.length / 2, counter }
  try {
    const { values, end } = tuple(ctx, params, 0)
    if (end !== ctx.len) {
      return { ok: false, detail: `${ctx.len - end} trailing byte(s) after the arguments (at byte ${end})` }
    }
    return { ok: true, values }
  } catch (error) {
    if (error instanceof NotCanonical) return { ok: false, detail: error.detail }
    throw error
  }
}

function fail(detail: string): never {
  throw new NotCanonical(detail)
}

function count(ctx: Ctx): void {
  ctx.counter.values++
  if (ctx.counter.values > ctx.counter.maxValues) {
    throw new RequestTooComplexError(`The calldata holds more than ${ctx.counter.maxValues} ABI values.`, {
      hint: 'Split the request into smaller transactions.',
    })
  }
}

function word(ctx: Ctx, at: number): string {
  if (at + 32 > ctx.len) fail(`short data: a 32-byte word at byte ${at} ends past ${ctx.len}`)
  return ctx.hex.slice(at * 2, at * 2 + 64)
}

/** A length or offset word as a number, refused when it points beyond the data. */
function small(ctx: Ctx, at: number, what: string): number {
  const w = word(ctx, at)
  if (!w.startsWith('0'.repeat(48))) fail(`${what} at byte ${at} is out of range`)
  const n = Number.parseInt(w.slice(48), 16)
  if (n > ctx.len) fail(`${what} at byte ${at} (${n}) points beyond the ${ctx.len} bytes of data`)
  return n
}

const arrayPattern = /^(.*)\[(\d*)\]$/

type Shape =
  | { kind: 'array'; element: Param; length: number | undefined }
  | { kind: 'tuple'; components: readonly Param[] }
  | { kind: 'bytes' | 'string' }
  | { kind: 'word'; type: string }

type Info = { shape: Shape; dynamic: boolean; headSize: number }
const infos = new WeakMap<Param, Info>()

function info(param: Param): Info {
  let found = infos.get(param)
  if (!found) {
    const s = shape(param)
    const isDynamic = dynamicOf(s)
    found = { shape: s, dynamic: isDynamic, headSize: isDynamic ? 32 : staticSize(s) }
    infos.set(param, found)
  }
  return found
}

function shape(param: Param): Shape {
  const match = arrayPattern.exec(param.type)
  if (match) {
    const length = match[2] === '' ? undefined : Number(match[2])
    return { kind: 'array', element: { ...param, type: match[1] ?? '' }, length }
  }
  if (param.type === 'tuple') return { kind: 'tuple', components: param.components ?? [] }
  if (param.type === 'bytes' || param.type === 'string') return { kind: param.type }
  return { kind: 'word', type: param.type }
}

const dynamic = (param: Param) => info(param).dynamic
const headSize = (param: Param) => info(param).headSize

function dynamicOf(s: Shape): boolean {
  switch (s.kind) {
    case 'bytes':
    case 'string':
      return true
    case 'array':
      return s.length === undefined || dynamic(s.element)
    case 'tuple':
      return s.components.some(dynamic)
    case 'word':
      return false
    default:
      return s satisfies never
  }
}

/** Bytes a static parameter takes in its enclosing head (a dynamic one takes a 32-byte offset). */
function staticSize(s: Shape): number {
  if (s.kind === 'array') return (s.length ?? 0) * headSize(s.element)
  if (s.kind === 'tuple') return s.components.reduce((sum, c) => sum + headSize(c), 0)
  return 32
}

function tuple(ctx: Ctx, params: readonly Param[], base: number): { values: unknown[]; end: number } {
  return sequence(ctx, params.length, (i) => params[i] as Param, base)
}

/** `n` values laid out as a tuple at `base`: heads first, dynamic tails in order right after them. */
function sequence(
  ctx: Ctx,
  n: number,
  paramAt: (i: number) => Param,
  base: number,
): { values: unknown[]; end: number } {
  let headTotal = 0
  for (let i = 0; i < n; i++) headTotal += headSize(paramAt(i))
  if (base + headTotal > ctx.len) fail(`short data: ${n} value(s) at byte ${base} need ${headTotal} bytes`)
  const values: unknown[] = []
  let head = base
  let tail = base + headTotal
  for (let i = 0; i < n; i++) {
    const param = paramAt(i)
    if (dynamic(param)) {
      const offset = small(ctx, head, 'offset')
      // Canonical encoders put each dynamic value right after the previous one: any other offset
      // aliases or skips bytes (and aliasing lets a small request expand exponentially).
      if (base + offset !== tail) {
        fail(`non-canonical offset ${offset} at byte ${head} (expected ${tail - base})`)
      }
      const { value, end } = decodeValue(ctx, param, tail)
      values.push(value)
      tail = end
    } else {
      values.push(decodeValue(ctx, param, head).value)
    }
    head += headSize(param)
  }
  return { values, end: tail }
}

function decodeValue(ctx: Ctx, param: Param, at: number): { value: unknown; end: number } {
  count(ctx)
  const s = info(param).shape
  switch (s.kind) {
    case 'word':
      return { value: scalar(ctx, s.type, at), end: at + 32 }
    case 'bytes':
    case 'string': {
      const length = small(ctx, at, 'length')
      const padded = Math.ceil(length / 32) * 32
      if (at + 32 + padded > ctx.len) fail(`short data: ${length} bytes at byte ${at + 32}`)
      const start = (at + 32) * 2
      const body = ctx.hex.slice(start, start + length * 2)
      const padding = ctx.hex.slice(start + length * 2, start + padded * 2)
      if (!/^0*$/.test(padding)) fail(`non-zero padding after ${s.kind} at byte ${at + 32 + length}`)
      if (s.kind === 'bytes') return { value: `0x${body}`, end: at + 32 + padded }
      let text: string
      try {
        text = decoder.decode(hexBytes(body))
      } catch {
        fail(`string at byte ${at + 32} is not valid UTF-8`)
      }
      return { value: text, end: at + 32 + padded }
    }
    case 'array': {
      let base = at
      let length = s.length
      if (length === undefined) {
        length = small(ctx, at, 'array length')
        base = at + 32
      }
      // Checked before any element is decoded or allocated.
      const size = headSize(s.element)
      if (length * size > ctx.len - base) {
        fail(`array length ${length} at byte ${at} needs more bytes than the ${ctx.len - base} left`)
      }
      const element = s.element
      const { values, end } = sequence(ctx, length, () => element, base)
      return { value: values, end }
    }
    case 'tuple': {
      const { values, end } = tuple(ctx, s.components, at)
      const named = s.components.length > 0 && s.components.every((c) => c.name)
      const value = named ? Object.fromEntries(s.components.map((c, i) => [c.name, values[i]])) : values
      return { value, end }
    }
    default:
      return s satisfies never
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

const intPattern = /^(u?)int(\d*)$/
const bytesPattern = /^bytes(\d+)$/

function scalar(ctx: Ctx, type: string, at: number): unknown {
  const w = word(ctx, at)
  if (type === 'address') {
    if (!w.startsWith('0'.repeat(24))) fail(`dirty high bits in address at byte ${at}`)
    return getAddress(`0x${w.slice(24)}`)
  }
  if (type === 'bool') {
    if (w === ZERO_WORD) return false
    if (w === `${'0'.repeat(63)}1`) return true
    fail(`bool at byte ${at} is neither 0 nor 1`)
  }
  const int = intPattern.exec(type)
  if (int) {
    const bits = int[2] === '' ? 256 : Number(int[2])
    if (bits < 8 || bits > 256 || bits % 8 !== 0) fail(`unsupported type ${type}`)
    const raw = BigInt(`0x${w}`)
    let value: bigint
    if (int[1] === 'u') {
      if (bits < 256 && raw >> BigInt(bits) !== 0n) fail(`dirty high bits in ${type} at byte ${at}`)
      value = raw
    } else {
      value = BigInt.asIntN(bits, raw)
      if (BigInt.asIntN(256, raw) !== value) fail(`${type} at byte ${at} is not sign-extended`)
    }
    return bits <= 48 ? Number(value) : value
  }
  const fixed = bytesPattern.exec(type)
  if (fixed || type === 'function') {
    const size = fixed ? Number(fixed[1]) : 24
    if (size < 1 || size > 32) fail(`unsupported type ${type}`)
    if (!/^0*$/.test(w.slice(size * 2))) fail(`dirty low bits in ${type} at byte ${at}`)
    return `0x${w.slice(0, size * 2)}`
  }
  return fail(`unsupported type ${type}`)
}
