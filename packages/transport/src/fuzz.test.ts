// Fuzzing the air gap's input side: whatever a camera or a file hands us, the decoder answers with a status
// and the schemas with a typed error. Well over 100,000 cases per run, cheap properties getting the most.
import { isBaseError } from '@airlock/errors'
import { decode as decodeCbor, encode as encodeCbor } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Bytewords from './Bytewords.ts'
import * as AuditLogExport from './schemas/AuditLogExport.ts'
import * as PolicyBundle from './schemas/PolicyBundle.ts'
import * as SignatureResponse from './schemas/SignatureResponse.ts'
import * as SignRequest from './schemas/SignRequest.ts'
import * as Ur from './Ur.ts'
import { type ReceiveStatus, UrDecoder } from './UrDecoder.ts'

const STATUSES = new Set([
  'accepted',
  'duplicate',
  'complete',
  'new-session',
  'wrong-type',
  'not-ur',
  'malformed',
  'checksum',
  'oversize',
])

function checkStatus(status: ReceiveStatus): void {
  if (!STATUSES.has(status.status)) throw new Error(`unknown status ${status.status}`)
  if ('error' in status) {
    if (!isBaseError(status.error) || !status.error.name.startsWith('Transport.')) {
      throw new Error(`untyped error in status: ${String(status.error)}`)
    }
    if (!status.message || !status.hint) throw new Error('problem without message or hint')
  }
  const { estimatedPercent, solvedFragments, expectedParts, isComplete } = status.progress
  if ((estimatedPercent === 100) !== isComplete) throw new Error('100% shown before completion, or not after')
  if (status.status === 'complete' && !isComplete) throw new Error('complete status on an incomplete message')
  if (solvedFragments > expectedParts) throw new Error('more fragments solved than exist')
}

const TYPE = 'airlock-sign-request'
const seedPayload = Uint8Array.from({ length: 700 }, (_, i) => (i * 37 + 11) & 0xff)
const seedEncoder = Ur.encode({ type: TYPE, payload: seedPayload, maxFragmentLength: 60 })
const seedParts = [
  ...seedEncoder.firstParts(seedEncoder.fragmentCount + 8),
  Ur.encodeSingle({ type: TYPE, payload: seedPayload.subarray(0, 90) }),
]

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:/-_ \n'.split('')
const minimalWords = Bytewords.encode(Uint8Array.from({ length: 256 }, (_, i) => i))
  .match(/../g)!
  .slice(0, 256)

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: fc.constantFrom(...alphabet) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 6 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('lowercase' as const) }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    other: fc.nat(),
    length: fc.integer({ min: 1, max: 30 }),
  }),
)
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never

function mutate(text: string, m: Mutation): string {
  const at = 'at' in m ? m.at % (text.length + 1) : 0
  switch (m.kind) {
    case 'replace':
      return text.slice(0, at) + m.char + text.slice(at + 1)
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length)
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at)
    case 'truncate':
      return text.slice(0, at)
    case 'lowercase':
      return text.toLowerCase()
    case 'splice': {
      // Graft a piece of another part in: same alphabet, plausible shape, wrong content.
      const other = seedParts[m.other % seedParts.length]!
      const from = m.other % Math.max(1, other.length)
      return text.slice(0, at) + other.slice(from, from + m.length) + text.slice(at + m.length)
    }
  }
}

function isFountainPartBody(bytes: Uint8Array): boolean {
  try {
    const value = decodeCbor(bytes)
    return Array.isArray(value) && value.length === 5
  } catch {
    return false
  }
}

describe('fuzz: UrDecoder.receive never throws and only reports typed statuses', () => {
  it('arbitrary text (30,000 cases)', () => {
    const decoder = new UrDecoder({ expectedTypes: [TYPE] })
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) =>
        checkStatus(decoder.receive(text)),
      ),
      { numRuns: 30_000 },
    )
  })

  it('UR-shaped text with random bytewords bodies (30,000 cases)', () => {
    const type = fc.oneof(
      fc.constantFrom(TYPE, 'bytes', 'eth-sign-request'),
      fc.stringMatching(/^[a-z0-9-]{0,12}$/),
    )
    const seq = fc.option(fc.tuple(fc.nat({ max: 5000 }), fc.nat({ max: 5000 })), { nil: undefined })
    const body = fc.oneof(
      fc.array(fc.constantFrom(...minimalWords), { maxLength: 80 }).map((words) => words.join('')),
      // Valid bytewords (CRC passes) around random bytes: exercises the fragment CBOR checks.
      fc.uint8Array({ maxLength: 120 }).map((bytes) => Bytewords.encode(bytes)),
    )
    const decoder = new UrDecoder({ maxPayloadBytes: 4096, maxParts: 200 })
    fc.assert(
      fc.property(type, seq, body, fc.boolean(), (t, s, b, upper) => {
        const text = s ? `ur:${t}/${s[0]}-${s[1]}/${b}` : `ur:${t}/${b}`
        checkStatus(decoder.receive(upper ? text.toUpperCase() : text))
      }),
      { numRuns: 30_000 },
    )
  })

  it('well-formed fragment headers with random values (10,000 cases)', () => {
    const u32 = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.nat({ max: 0xffffffff }))
    const decoder = new UrDecoder({ maxPayloadBytes: 8192, maxParts: 512 })
    fc.assert(
      fc.property(
        u32,
        u32,
        u32,
        u32,
        fc.uint8Array({ maxLength: 64 }),
        (seqNum, seqLength, messageLength, checksum, fragment) => {
          const body = Bytewords.encode(encodeCbor([seqNum, seqLength, messageLength, checksum, fragment]))
          checkStatus(
            decoder.receive(`UR:${TYPE.toUpperCase()}/${seqNum}-${seqLength}/${body.toUpperCase()}`),
          )
        },
      ),
      { numRuns: 10_000 },
    )
  })

  it('mutated genuine parts (20,000 cases)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (pick, mutations) => {
        const decoder = new UrDecoder({ expectedTypes: [TYPE] })
        const part = mutations.reduce(mutate, seedParts[pick % seedParts.length]!)
        checkStatus(decoder.receive(part))
      }),
      { numRuns: 20_000 },
    )
  })

  it('fragment sequences: shuffled, duplicated, truncated, mixed with damaged and foreign parts (1,500 cases)', () => {
    const scenario = fc.record({
      payload: fc.uint8Array({ minLength: 1, maxLength: 1200 }),
      maxFragmentLength: fc.integer({ min: 10, max: 300 }),
      picks: fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 60 }),
      damage: fc.array(fc.tuple(fc.nat(), mutation), { maxLength: 4 }),
      foreign: fc.array(fc.nat(), { maxLength: 3 }),
      onNewSession: fc.constantFrom('reset' as const, 'reject' as const),
    })
    fc.assert(
      fc.property(scenario, ({ payload, maxFragmentLength, picks, damage, foreign, onNewSession }) => {
        const encoder = Ur.encode({ type: TYPE, payload, maxFragmentLength })
        const frames = picks.map((seq) => encoder.partAt(seq))
        for (const [at, m] of damage) {
          if (frames.length) frames[at % frames.length] = mutate(frames[at % frames.length]!, m)
        }
        for (const at of foreign)
          frames.splice(at % (frames.length + 1), 0, seedParts[at % seedParts.length]!)
        const decoder = new UrDecoder({ onNewSession })
        for (const frame of frames) {
          const status = decoder.receive(frame)
          checkStatus(status)
          // Whatever arrives, a completed message is one that was really sent, or (when damage cut out
          // the "/seq" component) the CBOR body of one frame read as a single-part UR.
          if (status.status === 'complete') {
            const got = status.result.payload
            const sent = [payload, seedPayload, seedPayload.subarray(0, 90)]
            const isSent = sent.some((p) => p.length === got.length && p.every((b, i) => b === got[i]))
            expect(isSent || isFountainPartBody(got)).toBe(true)
          }
        }
      }),
      { numRuns: 1_500 },
    )
  })
})

const decoders = [SignRequest.decode, SignatureResponse.decode, PolicyBundle.decode, AuditLogExport.decode]

function onlyTypedErrors(bytes: Uint8Array): void {
  for (const decode of decoders) {
    try {
      decode(bytes)
    } catch (error) {
      if (!isBaseError(error) || !error.name.startsWith('Transport.')) throw error
    }
  }
}

describe('fuzz: schema decoders throw only typed errors', () => {
  it('arbitrary bytes (10,000 cases x 4 formats)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyTypedErrors), { numRuns: 10_000 })
  })

  it('arbitrary CBOR values, maps with small integer keys (5,000 cases x 4 formats)', () => {
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -1000, max: 2 ** 40 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.string({ maxLength: 20 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.boolean(),
        fc.constant(null),
        fc.double(),
        fc.array(tie('value'), { maxLength: 4 }),
        fc
          .array(fc.tuple(fc.integer({ min: 0, max: 12 }), tie('value')), { maxLength: 12 })
          .map((entries) => new Map(entries)),
      ),
    }))
    const top = fc
      .tuple(
        fc.constantFrom(1, 1, 1, 2, 0),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), value), { maxLength: 12 }),
      )
      .map(([version, entries]) => new Map<number, unknown>([[0, version], ...entries]))
    fc.assert(
      fc.property(top, (map) => onlyTypedErrors(encodeCbor(map))),
      { numRuns: 5_000 },
    )
  })

  it('byte-level mutations of genuine encodings (5,000 cases x 4 formats)', () => {
    const genuine = [
      SignRequest.encode({
        requestId: '0x00112233445566778899aabbccddeeff',
        createdAt: 1_750_000_000,
        context: { chainId: 1n, safe: '0x5aFE3855358E112B5647B952709E6165e1c1eEEe', version: '1.3.0' },
        tx: {
          to: '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045',
          value: 2n ** 200n,
          data: '0xa9059cbb',
          operation: 0,
          safeTxGas: 0n,
          baseGas: 0n,
          gasPrice: 0n,
          gasToken: '0x0000000000000000000000000000000000000000',
          refundReceiver: '0x0000000000000000000000000000000000000000',
          nonce: 3n,
        },
        signatures: [
          { signer: '0x1111111111111111111111111111111111111111', signature: `0x${'ab'.repeat(65)}` },
        ],
        attestations: [
          {
            signer: '0x2222222222222222222222222222222222222222',
            signature: `0x${'cd'.repeat(65)}`,
            tier: 'critical',
          },
        ],
        title: 'Title',
        description: 'Description',
        claimedTier: 'critical',
      }),
      PolicyBundle.encode({ version: 4, document: new TextEncoder().encode('{"rules":[]}') }),
      AuditLogExport.encode({
        signer: new Uint8Array(33),
        entries: new Uint8Array(10),
        firstSequence: 1,
        lastSequence: 2,
      }),
    ]
    const edit = fc.record({
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      kind: fc.constantFrom('set', 'insert', 'delete', 'cut'),
    })
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 3 }), (pick, edits) => {
        let bytes = Array.from(genuine[pick % genuine.length]!)
        for (const { at, byte, kind } of edits) {
          const i = at % (bytes.length + 1)
          if (kind === 'set') bytes[i] = byte
          else if (kind === 'insert') bytes.splice(i, 0, byte)
          else if (kind === 'delete') bytes.splice(i, 1)
          else bytes = bytes.slice(0, i)
        }
        onlyTypedErrors(Uint8Array.from(bytes))
      }),
      { numRuns: 5_000 },
    )
  })
})
