import { DataType, EthSignRequest } from '@keystonehq/bc-ur-registry-eth'
import { URDecoder as LibraryDecoder } from '@ngraveio/bc-ur'
import { chooseFragments } from '@ngraveio/bc-ur/dist/fountainUtils.js'
import { encode as encodeCbor } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Bytewords from './Bytewords.ts'
import * as Crc32 from './Crc32.ts'
import * as Ur from './Ur.ts'
import { UrDecoder } from './UrDecoder.ts'

const TYPE = 'airlock-sign-request'

function payloadOf(length: number, seed = 1): Uint8Array {
  let x = seed >>> 0 || 1
  return Uint8Array.from({ length }, () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x & 0xff
  })
}

function popcount(mask: number): number {
  let count = 0
  for (let m = mask; m !== 0; m &= m - 1) count += 1
  return count
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}

// A multipart frame built by hand, for forging headers the encoder would never produce.
function forgePart(
  type: string,
  header: {
    seqNum: number
    seqLength: number
    messageLength: number
    checksum: number
    fragment: Uint8Array
  },
): string {
  const body = encodeCbor([
    header.seqNum,
    header.seqLength,
    header.messageLength,
    header.checksum,
    header.fragment,
  ])
  return `UR:${type.toUpperCase()}/${header.seqNum}-${header.seqLength}/${Bytewords.encode(body).toUpperCase()}`
}

describe('UrDecoder: assembling messages', () => {
  it('completes from parts in any order, with duplicates and gaps, and reports each kind of frame', () => {
    const payload = payloadOf(3000)
    const encoder = Ur.encode({ type: TYPE, payload, maxFragmentLength: 200 })
    const parts = encoder.firstParts(encoder.fragmentCount + 20)
    // Drop every fourth part, then feed the rest backwards twice over.
    const kept = parts.filter((_, i) => i % 4 !== 1).reverse()
    const decoder = new UrDecoder({ expectedTypes: [TYPE] })
    const statuses = [...kept, ...kept].map((part) => decoder.receive(part).status)
    expect(statuses).toContain('accepted')
    expect(statuses).toContain('complete')
    expect(statuses.filter((status) => status === 'complete')).toHaveLength(1)
    expect(statuses.slice(statuses.indexOf('complete') + 1).every((status) => status === 'duplicate')).toBe(
      true,
    )
    expect(decoder.result()).toEqual({ type: TYPE, payload })
  })

  it('reports a repeated frame as a duplicate without counting it as new', () => {
    const encoder = Ur.encode({ type: TYPE, payload: payloadOf(1000), maxFragmentLength: 100 })
    const decoder = new UrDecoder()
    const first = encoder.partAt(3)
    expect(decoder.receive(first)).toMatchObject({ status: 'accepted', newFragments: 1 })
    expect(decoder.receive(first.toLowerCase())).toMatchObject({
      status: 'duplicate',
      progress: { receivedParts: 1, solvedFragments: 1, framesSeen: 2, framesUnusable: 0 },
    })
  })

  it('keeps progress below 100% until the message is complete and checked', () => {
    const payload = payloadOf(5000, 7)
    const encoder = Ur.encode({ type: TYPE, payload, maxFragmentLength: 100 })
    const decoder = new UrDecoder()
    expect(decoder.progress()).toMatchObject({ expectedParts: 0, estimatedPercent: 0, isComplete: false })
    for (let seq = encoder.fragmentCount + 1; !decoder.isComplete; seq++) {
      const { progress, status } = decoder.receive(encoder.partAt(seq))
      expect(progress.expectedParts).toBe(encoder.fragmentCount)
      expect(progress.estimatedPercent === 100).toBe(status === 'complete')
      expect(progress.solvedFragments).toBeLessThanOrEqual(encoder.fragmentCount)
    }
    expect(decoder.result()?.payload).toEqual(payload)
  })

  it('completes a single-part UR at once', () => {
    const payload = payloadOf(40)
    const decoder = new UrDecoder({ expectedTypes: [TYPE] })
    const status = decoder.receive(Ur.encodeSingle({ type: TYPE, payload }))
    expect(status).toMatchObject({ status: 'complete', result: { type: TYPE, payload } })
    expect(decoder.progress()).toMatchObject({ expectedParts: 1, estimatedPercent: 100, isComplete: true })
  })

  it('hands out copies, so a caller cannot alter the stored result', () => {
    const payload = payloadOf(40)
    const decoder = new UrDecoder()
    const status = decoder.receive(Ur.encodeSingle({ type: TYPE, payload }))
    if (status.status !== 'complete') throw new Error('expected complete')
    status.result.payload.fill(0)
    expect(decoder.result()?.payload).toEqual(payload)
  })

  it('tolerates surrounding whitespace from scanners', () => {
    const payload = payloadOf(40)
    const decoder = new UrDecoder()
    expect(decoder.receive(`  ${Ur.encodeSingle({ type: TYPE, payload })}\n`).status).toBe('complete')
  })

  it('round-trips any payload through any fragment size, parts shuffled (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2500 }),
        fc.integer({ min: 10, max: 400 }),
        fc.integer(),
        (payload, maxFragmentLength, seed) => {
          const encoder = Ur.encode({ type: TYPE, payload, maxFragmentLength })
          const parts = fc.sample(
            fc.shuffledSubarray(encoder.firstParts(), { minLength: encoder.fragmentCount }),
            {
              seed,
              numRuns: 1,
            },
          )[0]!
          const decoder = new UrDecoder({ expectedTypes: [TYPE] })
          for (const part of parts) decoder.receive(part)
          expect(decoder.result()).toEqual({ type: TYPE, payload })
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('UrDecoder: against the library decoder (bc-ur peeling) on the same frames', () => {
  // The sender's frames, then what the camera keeps: each frame missed with probability `loss`, the rest
  // in order or shuffled.
  const scan = fc
    .record({
      payload: fc
        .integer({ min: 100, max: 3000 })
        .chain((length) => fc.uint8Array({ minLength: length, maxLength: length })),
      fragments: fc.integer({ min: 2, max: 40 }),
      firstSeqNum: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 })),
      loss: fc.constantFrom(0, 0.1, 0.3, 0.5),
      shuffled: fc.boolean(),
      seed: fc.integer(),
    })
    .map(({ payload, fragments, firstSeqNum, loss, shuffled, seed }) => {
      const maxFragmentLength = Math.max(10, Math.ceil(payload.length / fragments))
      const encoder = Ur.encode({ type: TYPE, payload, maxFragmentLength, firstSeqNum })
      const sent = Array.from({ length: encoder.fragmentCount * 3 + 4 }, () => encoder.nextPart())
      const random = xorshift(seed)
      const kept = sent.filter(() => random() >= loss)
      if (shuffled) {
        for (let i = kept.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1))
          ;[kept[i], kept[j]] = [kept[j]!, kept[i]!]
        }
      }
      return { payload, frames: kept, fragmentCount: encoder.fragmentCount }
    })

  it('completes whenever the library does, with no more frames, and yields exactly the message (property)', () => {
    fc.assert(
      fc.property(scan, ({ payload, frames, fragmentCount }) => {
        const ours = new UrDecoder({ expectedTypes: [TYPE] })
        const library = new LibraryDecoder()
        let oursAt = -1
        let libraryAt = -1
        frames.forEach((frame, i) => {
          if (oursAt < 0 && ours.receive(frame).status === 'complete') oursAt = i
          if (libraryAt < 0) {
            library.receivePart(frame)
            if (library.isComplete()) libraryAt = i
          }
        })
        if (libraryAt >= 0) {
          expect(library.isSuccess()).toBe(true)
          expect(new Uint8Array(library.resultUR().cbor)).toEqual(payload)
          expect(oursAt).toBeGreaterThanOrEqual(0)
          expect(oursAt).toBeLessThanOrEqual(libraryAt)
        }
        if (oursAt >= 0) {
          expect(ours.result()).toEqual({ type: TYPE, payload })
          // A complete message needs at least one frame per fragment.
          expect(new Set(frames.slice(0, oursAt + 1)).size).toBeGreaterThanOrEqual(fragmentCount)
        } else {
          expect(ours.result()).toBeUndefined()
          expect(ours.progress().estimatedPercent).toBeLessThan(100)
        }
      }),
      { numRuns: 100 },
    )
    // That elimination can finish where peeling cannot is shown deterministically by the next test,
    // not by counting random runs (which could, rarely, all tie).
  })

  it('finishes a scan that peeling cannot: no mixed frame ever comes down to one unknown fragment', () => {
    // Pure parts 1-4 are missed. Of the mixed parts, keep only those that, once the known fragments are
    // taken out, still mix two or more unknown ones, none a subset of another (peeling subtracts a part
    // only from a superset of it), yet together they determine all four.
    const payload = payloadOf(1200, 3)
    const encoder = Ur.encode({ type: TYPE, payload, maxFragmentLength: 100 })
    const n = encoder.fragmentCount
    const unknown = [0, 1, 2, 3]
    const picked: number[] = []
    const mixed: string[] = []
    const basis = new Map<number, number>()
    for (let seqNum = n + 1; seqNum < n + 2000 && basis.size < unknown.length; seqNum++) {
      const part = Ur.parse(encoder.partAt(seqNum))
      if (part.kind !== 'multi') throw new Error('expected multipart')
      const mask = chooseFragments(seqNum, n, part.checksum)
        .filter((i) => unknown.includes(i))
        .reduce((m, i) => m | (1 << i), 0)
      if (popcount(mask) < 2 || picked.some((m) => (m & mask) === m || (m & mask) === mask)) continue
      let v = mask
      while (v !== 0 && basis.has(31 - Math.clz32(v))) v ^= basis.get(31 - Math.clz32(v))!
      if (v === 0) continue
      basis.set(31 - Math.clz32(v), v)
      picked.push(mask)
      mixed.push(encoder.partAt(seqNum))
    }
    expect(basis.size).toBe(unknown.length)
    const frames = [...encoder.firstParts().slice(unknown.length), ...mixed]
    const ours = new UrDecoder()
    const library = new LibraryDecoder()
    const statuses = frames.map((frame) => {
      library.receivePart(frame)
      return ours.receive(frame).status
    })
    expect(statuses.at(-1)).toBe('complete')
    expect(ours.result()?.payload).toEqual(payload)
    expect(Boolean(library.isComplete())).toBe(false)
    expect(library.receivedPartIndexes()).toHaveLength(n - unknown.length)
  })
})

describe('UrDecoder: problems are statuses with a message and a hint', () => {
  it('wrong-type: a real Keystone eth-sign-request where an Airlock request is expected', () => {
    const request = EthSignRequest.constructETHRequest(
      Buffer.from('{"types":{}}'),
      DataType.typedData,
      "m/44'/60'/0'/0/0",
      'f23f9fd2',
      '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
      1,
    )
    const part = request.toUREncoder(400).nextPart()
    const decoder = new UrDecoder({ expectedTypes: [TYPE] })
    const status = decoder.receive(part)
    expect(status.status).toBe('wrong-type')
    if (status.status !== 'wrong-type') return
    expect(status.message).toMatchInlineSnapshot(
      `"This QR code is a Keystone (ERC-4527) sign request, not an Airlock signing request."`,
    )
    expect(status.hint).toMatchInlineSnapshot(
      `"Check that the other device is showing the right screen, then scan again."`,
    )
    expect(status.error).toMatchObject({ name: 'Transport.WrongUrTypeError', type: 'eth-sign-request' })
    expect(status.progress).toMatchObject({ framesSeen: 1, framesUnusable: 1, expectedParts: 0 })
  })

  it.each([
    ['0x52908400098527886E0F7030069857D2E4169EE7', 'an Ethereum address'],
    ['ethereum:0x52908400098527886E0F7030069857D2E4169EE7@1', 'an Ethereum payment link'],
    ['https://example.com/safe', 'a web link'],
    ['{"safe":"0x"}', 'JSON text'],
    ['', 'empty'],
    ['hello', 'something else'],
  ])('not-ur: %j is reported as %s', (text, what) => {
    const status = new UrDecoder().receive(text)
    expect(status.status).toBe('not-ur')
    if (status.status !== 'not-ur') return
    expect(status.message).toBe(`This QR code is ${what}, not an air-gap (UR) code.`)
    expect(status.hint).toBe('Point the camera at the animated QR code shown by the Airlock app.')
  })

  it('not-ur: a non-string input does not throw', () => {
    expect(new UrDecoder().receive(42 as unknown as string).status).toBe('not-ur')
  })

  it.each([
    ['UR:', 'bad type'],
    ['UR:BYTES', 'path parts'],
    ['UR:Bad_Type/AEAD', 'bad type'],
    ['UR:BYTES/1-2-3/AEAD', 'seq'],
    ['UR:BYTES/0-3/AEADAEADAEAD', 'seq'],
    ['UR:BYTES/1-3/A/B', 'path parts'],
    ['UR:BYTES/XYZ', 'bytewords'],
  ])('malformed: %j', (text, detail) => {
    const status = new UrDecoder().receive(text)
    expect(status.status).toBe('malformed')
    if (status.status === 'malformed') expect(status.error.details).toContain(detail)
  })

  it('malformed: the part number in the text disagrees with the fragment header', () => {
    const part = Ur.encode({ type: TYPE, payload: payloadOf(500), maxFragmentLength: 100 }).partAt(2)
    const status = new UrDecoder().receive(part.replace('/2-5/', '/3-5/'))
    expect(status).toMatchObject({
      status: 'malformed',
      message: 'This QR frame’s part number disagrees with its content.',
    })
  })

  it('malformed: sizes that do not add up (seqLen inconsistent with lengths)', () => {
    const part = forgePart(TYPE, {
      seqNum: 1,
      seqLength: 3,
      messageLength: 100,
      checksum: 1,
      fragment: new Uint8Array(10),
    })
    expect(new UrDecoder().receive(part)).toMatchObject({
      status: 'malformed',
      message: 'This QR frame’s sizes do not add up.',
    })
  })

  it('checksum: one misread letter in a frame', () => {
    const part = Ur.encode({ type: TYPE, payload: payloadOf(500), maxFragmentLength: 100 }).partAt(1)
    const body = part.split('/')[2]!
    // Swap a byteword for another valid one so only the CRC can notice.
    const damaged = part.replace(
      body,
      body.slice(0, 20) + (body.slice(20, 22) === 'AE' ? 'AD' : 'AE') + body.slice(22),
    )
    const status = new UrDecoder().receive(damaged)
    expect(status).toMatchObject({
      status: 'checksum',
      message: 'A QR frame was misread (its checksum does not match).',
      error: { scope: 'part' },
    })
  })

  it('checksum: parts that do not fit together fail the message CRC and restart the scan', () => {
    const payload = payloadOf(300)
    const encoder = Ur.encode({ type: TYPE, payload, maxFragmentLength: 100 })
    const [p1, p2] = encoder.firstParts(2)
    const header = Ur.parse(p1!)
    if (header.kind !== 'multi') throw new Error('expected multipart')
    // A third fragment with the right header but the wrong bytes.
    const forged = forgePart(TYPE, {
      ...header,
      seqNum: 3,
      fragment: new Uint8Array(header.fragment.length).fill(7),
    })
    const decoder = new UrDecoder()
    decoder.receive(p1!)
    decoder.receive(p2!)
    const status = decoder.receive(forged)
    expect(status).toMatchObject({ status: 'checksum', error: { scope: 'message' } })
    expect(status.progress).toMatchObject({ expectedParts: 0, receivedParts: 0 })
    expect(decoder.result()).toBeUndefined()
    // The genuine parts still complete afterwards.
    for (const part of encoder.firstParts()) decoder.receive(part)
    expect(decoder.result()?.payload).toEqual(payload)
  })

  it('oversize: a declared message larger than the cap is refused before anything is allocated', () => {
    const part = forgePart(TYPE, {
      seqNum: 1,
      seqLength: 4_000_000,
      messageLength: 4_000_000_000,
      checksum: 0,
      fragment: new Uint8Array(1000),
    })
    const status = new UrDecoder({ maxPayloadBytes: 64 * 1024 }).receive(part)
    expect(status.status).toBe('oversize')
    if (status.status !== 'oversize') return
    expect(status.message).toMatchInlineSnapshot(
      `"This QR code announces 3814.7 MB; this device accepts at most 64.0 KB."`,
    )
  })

  it('oversize: too many parts, and a single-part body larger than the cap', () => {
    const parts = Ur.encode({ type: TYPE, payload: payloadOf(2000), maxFragmentLength: 10 })
    expect(new UrDecoder({ maxParts: 100 }).receive(parts.partAt(1)).status).toBe('oversize')
    const single = Ur.encodeSingle({ type: TYPE, payload: payloadOf(2000) })
    expect(new UrDecoder({ maxPayloadBytes: 1000 }).receive(single).status).toBe('oversize')
    expect(new UrDecoder({ maxPayloadBytes: 2000 }).receive(single).status).toBe('complete')
  })
})

describe('UrDecoder: a part from another message', () => {
  const first = Ur.encode({ type: TYPE, payload: payloadOf(1000, 1), maxFragmentLength: 100 })
  const second = Ur.encode({ type: TYPE, payload: payloadOf(1000, 2), maxFragmentLength: 100 })

  it('reset (default): reports new-session, drops the old message and assembles the new one', () => {
    const decoder = new UrDecoder()
    decoder.receive(first.partAt(1))
    decoder.receive(first.partAt(2))
    const status = decoder.receive(second.partAt(1))
    expect(status).toMatchObject({ status: 'new-session', reset: true, progress: { receivedParts: 1 } })
    if (status.status === 'new-session') {
      expect(status.message).toBe('This QR frame belongs to a different message than the one being scanned.')
    }
    for (const part of second.firstParts()) decoder.receive(part)
    expect(decoder.result()?.payload).toEqual(payloadOf(1000, 2))
  })

  it('reject: reports new-session, ignores the stranger and keeps the current message', () => {
    const decoder = new UrDecoder({ onNewSession: 'reject' })
    decoder.receive(first.partAt(1))
    const status = decoder.receive(second.partAt(1))
    expect(status).toMatchObject({ status: 'new-session', reset: false, progress: { framesUnusable: 1 } })
    for (const part of [...second.firstParts(), ...first.firstParts()]) decoder.receive(part)
    expect(decoder.result()?.payload).toEqual(payloadOf(1000, 1))
  })

  it('tells same-size messages apart by their checksum', () => {
    const decoder = new UrDecoder({ onNewSession: 'reject' })
    decoder.receive(first.partAt(1))
    const header = Ur.parse(second.partAt(1))
    expect(header.kind === 'multi' && header.checksum).toBe(Crc32.checksum(payloadOf(1000, 2)))
    expect(decoder.receive(second.partAt(1)).status).toBe('new-session')
  })

  it('reset() forgets the message and the counters', () => {
    const decoder = new UrDecoder()
    decoder.receive(first.partAt(1))
    decoder.receive('nonsense')
    decoder.reset()
    expect(decoder.progress()).toMatchObject({ framesSeen: 0, framesUnusable: 0, expectedParts: 0 })
  })
})
