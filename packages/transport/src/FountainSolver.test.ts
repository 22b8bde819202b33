import { chooseFragments } from '@ngraveio/bc-ur/dist/fountainUtils.js'
import fc from 'fast-check'
import { hexToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Bytewords from './Bytewords.ts'
import * as Crc32 from './Crc32.ts'
import { MalformedUrError } from './errors.ts'
import * as FountainSolver from './FountainSolver.ts'
import vectors from './fixtures/bc-ur-vectors.json' with { type: 'json' }
import * as Ur from './Ur.ts'

type MultiPart = Extract<Ur.Part, { kind: 'multi' }>

function partsOf(payload: Uint8Array, maxFragmentLength: number, count: number): MultiPart[] {
  const encoder = Ur.encode({ type: 'bytes', payload, maxFragmentLength })
  return encoder.firstParts(count).map((text) => {
    const part = Ur.parse(text)
    if (part.kind !== 'multi') throw new Error('expected a multipart UR')
    return part
  })
}

function solverFor(part: MultiPart): FountainSolver.Solver {
  return FountainSolver.create({
    seqLength: part.seqLength,
    messageLength: part.messageLength,
    checksum: part.checksum,
    fragmentLength: part.fragment.length,
  })
}

// A deliberately plain reference: GF(2) rows as BigInt bitmasks, a basis keyed by highest bit.
class ReferenceSpan {
  readonly #basis = new Map<number, bigint>()
  get rank(): number {
    return this.#basis.size
  }
  reduce(row: bigint): bigint {
    let v = row
    for (;;) {
      if (v === 0n) return v
      const top = v.toString(2).length - 1
      const b = this.#basis.get(top)
      if (b === undefined) return v
      v ^= b
    }
  }
  add(row: bigint): boolean {
    const v = this.reduce(row)
    if (v === 0n) return false
    this.#basis.set(v.toString(2).length - 1, v)
    return true
  }
  /** Fragments f whose unit vector lies in the span. */
  solved(seqLength: number): number {
    let count = 0
    for (let f = 0; f < seqLength; f++) if (this.reduce(1n << BigInt(f)) === 0n) count += 1
    return count
  }
}

const rowOf = (indexes: number[]) => indexes.reduce((row, i) => row ^ (1n << BigInt(i)), 0n)

const message = fc
  .tuple(fc.uint8Array({ minLength: 21, maxLength: 1200 }), fc.integer({ min: 10, max: 120 }))
  .filter(([payload, fragment]) => payload.length > fragment)

describe('FountainSolver: the linear system', () => {
  it('agrees with a reference GF(2) rank on every step, for any parts in any order (property)', () => {
    fc.assert(
      fc.property(
        message,
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        ([payload, maxFragmentLength], spread, seed) => {
          const first = partsOf(payload, maxFragmentLength, 1)[0]!
          const all = partsOf(payload, maxFragmentLength, first.seqLength * (spread + 1))
          const order = fc.sample(fc.shuffledSubarray(all), { seed, numRuns: 1 })[0]!
          const solver = solverFor(first)
          const reference = new ReferenceSpan()
          for (const part of order) {
            const independent = reference.add(
              rowOf(chooseFragments(part.seqNum, part.seqLength, part.checksum)),
            )
            const step = solver.add(part)
            expect(solver.rank).toBe(reference.rank)
            expect(solver.solvedFragments).toBe(reference.solved(part.seqLength))
            if (reference.rank === part.seqLength && independent) {
              expect(step).toEqual({ status: 'complete', message: payload })
            } else if (independent) {
              expect(step.status).toBe('independent')
            } else {
              expect(step.status).toBe('dependent')
            }
          }
          expect(solver.isComplete).toBe(reference.rank === first.seqLength)
          expect(solver.message()).toEqual(solver.isComplete ? payload : undefined)
        },
      ),
      { numRuns: 120 },
    )
  })

  it('completes from exactly seqLen independent parts, mixed ones included (property)', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 1000 }), fc.integer(), ([payload, size], skip, seed) => {
        const first = partsOf(payload, size, 1)[0]!
        const n = first.seqLength
        // Pick independent parts from a stream that starts past some of the pure fragments.
        const stream = partsOf(payload, size, n * 4 + (skip % n)).slice(skip % n)
        const reference = new ReferenceSpan()
        const chosen = stream.filter((part) =>
          reference.add(rowOf(chooseFragments(part.seqNum, n, part.checksum))),
        )
        fc.pre(chosen.length === n)
        const order = fc.sample(fc.shuffledSubarray(chosen, { minLength: n }), { seed, numRuns: 1 })[0]!
        const solver = solverFor(first)
        const steps = order.map((part) => solver.add(part).status)
        expect(steps).toEqual([...Array(n - 1).fill('independent'), 'complete'])
        expect(solver.message()).toEqual(payload)
      }),
      { numRuns: 60 },
    )
  })

  it('learns nothing from a repeated part', () => {
    const parts = partsOf(
      Uint8Array.from({ length: 500 }, (_, i) => i),
      50,
      25,
    )
    const solver = solverFor(parts[0]!)
    expect(solver.add(parts[12]!).status).toBe('independent')
    const { rank, solvedFragments } = solver
    expect(solver.add(parts[12]!)).toEqual({ status: 'dependent' })
    expect({ rank: solver.rank, solvedFragments: solver.solvedFragments }).toEqual({ rank, solvedFragments })
  })

  it('reports a checksum mismatch when a part carries the wrong bytes', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i * 7)
    const parts = partsOf(payload, 100, 3)
    const solver = solverFor(parts[0]!)
    solver.add(parts[0]!)
    solver.add(parts[1]!)
    const forged = parts[2]!.fragment.slice()
    forged[0]! ^= 1
    expect(solver.add({ seqNum: 3, fragment: forged })).toEqual({
      status: 'checksum-mismatch',
      expected: Crc32.checksum(payload),
      actual: Crc32.checksum(
        Uint8Array.from([...payload.subarray(0, 200), payload[200]! ^ 1, ...payload.subarray(201)]),
      ),
    })
    expect(solver.isComplete).toBe(false)
    expect(solver.message()).toBeUndefined()
  })

  it('refuses headers and parts that do not fit, with a typed error', () => {
    const header = { seqLength: 3, messageLength: 300, checksum: 1, fragmentLength: 100 }
    expect(() => FountainSolver.create({ ...header, seqLength: 4 })).toThrow(MalformedUrError)
    expect(() => FountainSolver.create({ ...header, fragmentLength: 0 })).toThrow(MalformedUrError)
    expect(() => FountainSolver.create({ ...header, checksum: -1 })).toThrow(MalformedUrError)
    const solver = FountainSolver.create(header)
    expect(() => solver.add({ seqNum: 1, fragment: new Uint8Array(99) })).toThrow(MalformedUrError)
    expect(() => solver.add({ seqNum: 0, fragment: new Uint8Array(100) })).toThrow(MalformedUrError)
    expect(() => solver.add({ seqNum: 1.5, fragment: new Uint8Array(100) })).toThrow(MalformedUrError)
  })
})

describe('FountainSolver: reference vectors ("Wolf", 256 bytes, 30-byte fragments)', () => {
  const parts = vectors.fountainEncoderCbor256.map((hex, i) => {
    const part = Ur.parse(`ur:bytes/${i + 1}-9/${Bytewords.encode(hexToBytes(`0x${hex}`))}`)
    if (part.kind !== 'multi') throw new Error('expected a multipart UR')
    return part
  })

  it('each reference part is the XOR of the fragments the solver says it mixes', () => {
    const solver = solverFor(parts[0]!)
    const pure = parts.slice(0, 9).map((part) => part.fragment)
    for (const part of parts) {
      const expected = new Uint8Array(part.fragment.length)
      for (const index of solver.fragmentIndexes(part.seqNum)) {
        pure[index]!.forEach((byte, i) => {
          expected[i]! ^= byte
        })
      }
      expect(part.fragment).toEqual(expected)
    }
  })

  it('solves the message from the mixed reference parts alone when they span it', () => {
    const solver = solverFor(parts[0]!)
    const reference = new ReferenceSpan()
    for (const part of parts.slice(9)) {
      reference.add(rowOf(solver.fragmentIndexes(part.seqNum)))
      solver.add(part)
    }
    expect(solver.rank).toBe(reference.rank)
    // Topped up with pure parts until full: the result is the reference message.
    for (const part of parts.slice(0, 9)) solver.add(part)
    const joined = new Uint8Array(parts.slice(0, 9).flatMap((part) => [...part.fragment])).slice(0, 256)
    expect(solver.message()).toEqual(joined)
    expect(Crc32.checksum(joined)).toBe(parts[0]!.checksum)
  })
})
