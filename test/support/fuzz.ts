// A small deterministic mutation fuzzer for the hostile-input suites: a seeded PRNG, byte and JSON
// mutators, hostile seeds (PNG bombs, 10,000-deep JSON and CBOR), and a runner that classifies every
// outcome (typed error, accepted, untyped exception) and measures the time each input took.
import { deflateSync } from 'node:zlib'
import { isBaseError } from '@airlock/errors'

/** mulberry32: tiny, fast, and the same sequence on every machine for a given seed. */
export function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p: number) => next() < p,
  }
}
export type Rng = ReturnType<typeof rng>

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x1b, 0x18, 0x19, 0x1a, 0x1b, 0x5b, 0x9f, 0xbf, 0xff]

/** One to four byte-level mutations: flips, interesting bytes, inserts, deletes, duplicates, truncation, splices. */
export function mutateBytes(r: Rng, input: Uint8Array, others: readonly Uint8Array[] = []): Uint8Array {
  let out: Uint8Array = input.slice()
  const rounds = 1 + r.int(4)
  for (let round = 0; round < rounds; round++) {
    const at = out.length === 0 ? 0 : r.int(out.length)
    switch (r.int(8)) {
      case 0:
        if (out.length > 0) out[at] = out[at]! ^ (1 << r.int(8))
        break
      case 1:
        if (out.length > 0) out[at] = r.pick(INTERESTING)
        break
      case 2: {
        const insert = Uint8Array.from({ length: 1 + r.int(8) }, () => r.int(256))
        out = concat(out.subarray(0, at), insert, out.subarray(at))
        break
      }
      case 3:
        out = concat(out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + r.int(16))))
        break
      case 4: {
        const end = Math.min(out.length, at + 1 + r.int(32))
        out = concat(out.subarray(0, end), out.subarray(at, end), out.subarray(end))
        break
      }
      case 5:
        out = out.subarray(0, at).slice()
        break
      case 6: {
        const other = others.length > 0 ? r.pick(others) : out
        const from = other.length === 0 ? 0 : r.int(other.length)
        out = concat(out.subarray(0, at), other.subarray(from, from + 1 + r.int(64)), out.subarray(at))
        break
      }
      default:
        if (out.length >= 4) {
          // A 32-bit length or offset field set to an extreme.
          const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
          view.setUint32(Math.min(at, out.length - 4), r.pick([0, 1, 0x7fffffff, 0xffffffff, 1 << 20]))
        }
    }
  }
  return out
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** `depth` nested arrays around 1, as JSON text: the classic stack-overflow input. */
export const deepJsonText = (depth: number, open = '[', close = ']') =>
  `${open.repeat(depth)}1${close.repeat(depth)}`

/** `depth` nested one-element CBOR arrays around the integer 1. */
export function deepCbor(depth: number): Uint8Array {
  const bytes = new Uint8Array(depth + 1).fill(0x81)
  bytes[depth] = 0x01
  return bytes
}

const HOSTILE_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  2 ** 53 + 1,
  '',
  '0x',
  `0x${'ff'.repeat(32)}`,
  '\u202egnp.exe',
  '\u0000',
  'a'.repeat(5000),
  [],
  {},
  { __proto__: { polluted: true } },
  '115792089237316195423570985008687907853269984665640564039457584007913129639936',
]

/** A value nested `depth` deep (objects and arrays alternating), built without recursion. */
export function deepValue(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value]
  return value
}

/**
 * One structural mutation of a JSON value: replace, delete or add a field anywhere, swap types, nest
 * deeply. Returns a new value; the input is not changed.
 */
export function mutateJson(r: Rng, input: unknown): unknown {
  try {
    return mutateJsonOnce(r, input)
  } catch {
    // Cloning or serialising an already hostile (deep) value overflows the harness's own stack:
    // hand the deep value on as the input instead.
    return deepValue(10_000)
  }
}

function mutateJsonOnce(r: Rng, input: unknown): unknown {
  const root = structuredClone(input) as unknown
  // Walk to a random container along a random path.
  const containers: (Record<string, unknown> | unknown[])[] = []
  const stack: unknown[] = [root]
  while (stack.length > 0 && containers.length < 2000) {
    const v = stack.pop()
    if (v !== null && typeof v === 'object') {
      containers.push(v as Record<string, unknown>)
      for (const child of Object.values(v)) stack.push(child)
    }
  }
  if (containers.length === 0) return r.pick(HOSTILE_VALUES)
  const target = r.pick(containers)
  const keys = Object.keys(target)
  const key = keys.length > 0 && r.chance(0.8) ? r.pick(keys) : `x${r.int(5)}`
  const replacement = (() => {
    switch (r.int(6)) {
      case 0:
        return r.pick(HOSTILE_VALUES)
      case 1:
        return deepValue(r.pick([70, 1000, 10_000]))
      case 2: {
        const old = (target as Record<string, unknown>)[key]
        return typeof old === 'string'
          ? old.slice(0, r.int(old.length + 1)) + r.pick(['0', 'f', 'x', ''])
          : 42
      }
      case 3: {
        const old = (target as Record<string, unknown>)[key]
        return typeof old === 'number' ? r.pick([old + 1, -old, old * 1e9, 0.5]) : String(old)
      }
      case 4:
        return undefined // delete
      default:
        return r.pick(containers) // alias another part of the document
    }
  })()
  if (replacement === undefined) {
    if (Array.isArray(target)) target.splice(Number(key) || 0, 1)
    else delete (target as Record<string, unknown>)[key]
  } else (target as Record<string, unknown>)[key] = replacement
  // Aliasing may have made a cycle; JSON cannot hold one, so go through text (cycles become a typed-
  // error-free fallback value).
  try {
    return JSON.parse(JSON.stringify(root))
  } catch {
    return root === target ? r.pick(HOSTILE_VALUES) : deepValue(10_000)
  }
}

let crcTable: Uint32Array | undefined
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** A PNG chunk with a correct CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}

const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** A PNG with the given header and raw (pre-deflate) image data, every CRC correct. */
export function png({
  width,
  height,
  bitDepth = 8,
  colorType = 0,
  interlace = 0,
  raw,
}: {
  width: number
  height: number
  bitDepth?: number
  colorType?: number
  interlace?: number
  raw: Uint8Array
}): Uint8Array {
  const header = new Uint8Array(13)
  const view = new DataView(header.buffer)
  view.setUint32(0, width)
  view.setUint32(4, height)
  header.set([bitDepth, colorType, 0, 0, interlace], 8)
  return concat(
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', new Uint8Array(deflateSync(raw, { level: 9 }))),
    pngChunk('IEND', new Uint8Array()),
  )
}

/** Decompression bombs and oversized declarations: small files whose decoding would be huge. */
export function pngBombs(): { name: string; bytes: Uint8Array }[] {
  const zeros = new Uint8Array(64 * 1024 * 1024) // 64 MB of zeros deflate to about 64 KB
  return [
    {
      name: '100000 × 100000 declared',
      bytes: png({ width: 100_000, height: 100_000, raw: new Uint8Array(100) }),
    },
    {
      name: '16384 × 16384 RGBA declared',
      bytes: png({ width: 16_384, height: 16_384, colorType: 6, raw: new Uint8Array(100) }),
    },
    { name: '64 MB inflating into a 16 × 16 image', bytes: png({ width: 16, height: 16, raw: zeros }) },
    {
      name: 'interlaced, 64 MB inflating into 16 × 16',
      bytes: png({ width: 16, height: 16, interlace: 1, raw: zeros }),
    },
    { name: '6000 × 6000 declared, 64 MB of data', bytes: png({ width: 6000, height: 6000, raw: zeros }) },
  ]
}

/** Rewrites every chunk CRC of a (mutated) PNG so the mutation reaches the decoder, not the CRC check. */
export function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  const view = new DataView(out.buffer)
  for (let o = 8; o + 12 <= out.length; ) {
    const length = view.getUint32(o)
    if (length > out.length - o - 12) break
    view.setUint32(o + 8 + length, crc32(out.subarray(o + 4, o + 8 + length)))
    o += 12 + length
  }
  return out
}

export type FuzzStats = {
  name: string
  inputs: number
  typedErrors: number
  accepted: number
  /** Untyped exceptions: the input (hex, cut) and the error, for the report. */
  untyped: { input: string; error: string }[]
  /** CPU time of the most expensive input (user + system, ms). */
  slowestMs: number
  /** Longest wall time of any input (ms), for the report. */
  slowestWallMs: number
  slowestInput: string
  totalMs: number
  errorNames: Record<string, number>
}

/**
 * Runs `target` on every input, one at a time, recording how each ended: a typed error (a BaseError
 * from @airlock/errors), accepted (`target` returned), or an untyped exception (a bug), and how long it
 * took (wall and CPU time). Never throws: the caller asserts on the stats.
 */
export async function run<T>({
  name,
  inputs,
  target,
  describe = (input) => String(input).slice(0, 120),
}: {
  name: string
  inputs: Iterable<T>
  target: (input: T) => unknown
  describe?: ((input: T) => string) | undefined
}): Promise<FuzzStats> {
  const stats: FuzzStats = {
    name,
    inputs: 0,
    typedErrors: 0,
    accepted: 0,
    untyped: [],
    slowestMs: 0,
    slowestWallMs: 0,
    slowestInput: '',
    totalMs: 0,
    errorNames: {},
  }
  const describeSafely = (input: T) => {
    try {
      return describe(input)
    } catch {
      return '(a value too deep to print)'
    }
  }
  for (const input of inputs) {
    stats.inputs += 1
    const start = performance.now()
    const cpuStart = process.cpuUsage()
    try {
      await target(input)
      stats.accepted += 1
    } catch (error) {
      if (isBaseError(error)) {
        stats.typedErrors += 1
        stats.errorNames[error.name] = (stats.errorNames[error.name] ?? 0) + 1
      } else if (stats.untyped.length < 20) {
        stats.untyped.push({
          input: describeSafely(input),
          error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error),
        })
      } else stats.untyped.push({ input: '', error: '' })
    }
    const ms = performance.now() - start
    // The hang bound is on CPU time: on a shared CI machine wall time also measures everyone else.
    const cpu = process.cpuUsage(cpuStart)
    const cpuMs = (cpu.user + cpu.system) / 1000
    stats.totalMs += ms
    stats.slowestWallMs = Math.max(stats.slowestWallMs, ms)
    if (cpuMs > stats.slowestMs) {
      stats.slowestMs = cpuMs
      stats.slowestInput = describeSafely(input)
    }
  }
  return stats
}

/** One line per suite for the CI log: counts, outcome mix, slowest input. */
export function report(stats: FuzzStats): string {
  const top = Object.entries(stats.errorNames)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([n, c]) => `${n}×${c}`)
    .join(', ')
  return `[fuzz] ${stats.name}: ${stats.inputs} inputs, ${stats.typedErrors} typed errors, ${stats.accepted} accepted, ${stats.untyped.length} untyped; mean ${(stats.totalMs / Math.max(1, stats.inputs)).toFixed(2)} ms, slowest ${stats.slowestMs.toFixed(0)} ms CPU (${stats.slowestInput.slice(0, 100)}), ${stats.slowestWallMs.toFixed(0)} ms wall; ${top}`
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 60)).toString('hex')

/** JSON text of a (mutated) value; a value too deep for JSON.stringify becomes 10,000-deep text instead. */
export function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null'
  } catch {
    return deepJsonText(10_000)
  }
}
