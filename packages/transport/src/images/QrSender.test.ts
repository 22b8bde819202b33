import * as cborg from 'cborg'
import { describe, expect, test } from 'vitest'
import * as Bytewords from '../Bytewords.ts'
import * as Ur from '../Ur.ts'
import { UrDecoder } from '../UrDecoder.ts'
import { createRng, randomBytes, screenImage, webcam } from './degrade.ts'
import { loadZxingReaderWasm } from './loadZxingWasm.node.ts'
import * as QrCode from './QrCode.ts'
import * as QrReader from './QrReader.ts'
import * as QrSender from './QrSender.ts'

const payload = randomBytes(createRng(8), 8 * 1024)

describe('QrSender', () => {
  test('interleaves a dense and a sparse session of an Airlock message', () => {
    const sender = QrSender.create({ type: 'airlock-sign-request', payload })
    const frames = Array.from({ length: 6 }, () => sender.next())
    expect(frames.map((f) => f.session)).toEqual(['sparse', 'sparse', 'dense', 'sparse', 'sparse', 'dense'])
    const { dense, sparse } = sender.plans
    expect(dense!.version).toBeGreaterThan(sparse.version)
    const parts = frames.map((f) => Ur.parse(f.text))
    // Same message (type, length, checksum), two fragment sizes.
    expect(
      new Set(parts.map((p) => (p.kind === 'multi' ? `${p.messageLength}/${p.checksum}` : ''))),
    ).toHaveProperty('size', 1)
    expect(new Set(parts.map((p) => (p.kind === 'multi' ? p.seqLength : 0))).size).toBe(2)
  })

  test('sends one standard session, at Keystone density, for a Keystone request', () => {
    const sender = QrSender.create({ type: 'eth-sign-request', payload: payload.subarray(0, 3000) })
    expect(sender.plans.dense).toBeUndefined()
    expect([sender.plans.sparse.fragmentBytes, sender.fps]).toEqual([200, 5])
    const frames = Array.from({ length: 40 }, () => sender.next())
    expect(new Set(frames.map((f) => f.session))).toEqual(new Set(['single']))
    const standard = Ur.encode({
      type: 'eth-sign-request',
      payload: payload.subarray(0, 3000),
      maxFragmentLength: 200,
      schedule: 'standard',
    })
    expect(frames.map((f) => f.text)).toEqual(frames.map(() => standard.nextPart()))
  })

  test('the receiver completes from either session alone, or from both combined', () => {
    for (const only of ['sparse', 'dense', undefined] as const) {
      const sender = QrSender.create({ type: 'airlock-sign-request', payload })
      const decoder = new UrDecoder()
      const rng = createRng(3)
      let shown = 0
      while (!decoder.isComplete && shown < 2000) {
        const frame = sender.next()
        shown += 1
        if ((only && frame.session !== only) || rng.next() < 0.2) continue
        decoder.receive(frame.text)
      }
      expect(decoder.result()?.payload).toEqual(payload)
      expect(decoder.progress().linkedSessions).toBe(only ? 1 : 2)
    }
  })

  test('both sessions together finish sooner than the sparse one alone', () => {
    const run = (both: boolean) => {
      const sender = QrSender.create({ type: 'airlock-sign-request', payload })
      const decoder = new UrDecoder()
      let shown = 0
      while (!decoder.isComplete) {
        const frame = sender.next()
        shown += 1
        if (both || frame.session === 'sparse') decoder.receive(frame.text)
      }
      return shown
    }
    expect(run(true)).toBeLessThan(run(false))
  })

  test('refuses an empty payload and an impossible step with typed errors', () => {
    expect(() => QrSender.create({ type: 'bytes', payload: new Uint8Array() })).toThrow(
      expect.objectContaining({ name: 'Transport.InvalidDensityError' }),
    )
    expect(() => QrSender.create({ type: 'airlock-signature', payload, step: 5 })).toThrow(
      expect.objectContaining({ name: 'Transport.InvalidDensityError' }),
    )
  })
})

describe('linked sessions stay safe', () => {
  test('a session of another message is another session, never mixed in', () => {
    const other = payload.slice()
    other[100]! ^= 1
    const mine = QrSender.create({ type: 'airlock-sign-request', payload })
    const theirs = QrSender.create({ type: 'airlock-sign-request', payload: other })
    const decoder = new UrDecoder({ onNewSession: 'reject' })
    decoder.receive(mine.next().text)
    theirs.next()
    expect(decoder.receive(theirs.next().text).status).toBe('new-session')
    while (!decoder.isComplete) decoder.receive(mine.next().text)
    expect(decoder.result()?.payload).toEqual(payload)
  })

  test('a forged session claiming the same checksum ends in a checksum error, not a wrong message', () => {
    const forged = payload.slice()
    forged[5000]! ^= 0xff
    const sender = QrSender.create({ type: 'airlock-sign-request', payload })
    const dense = sender.plans.dense!
    // The forger's dense session: other bytes, but the genuine length and CRC in every header.
    const fake = Ur.encode({
      type: 'airlock-sign-request',
      payload: forged,
      maxFragmentLength: dense.maxFragmentLength,
    })
    const genuineCrc = (Ur.parse(sender.next().text) as { checksum: number }).checksum
    const decoder = new UrDecoder()
    const statuses: string[] = []
    for (let i = 1; i <= 4 * dense.fragmentCount && !decoder.isComplete; i++) {
      statuses.push(decoder.receive(reheader(fake.partAt(i), genuineCrc)).status)
      statuses.push(decoder.receive(sender.next().text).status)
    }
    expect(statuses).toContain('checksum')
    if (decoder.isComplete) expect(decoder.result()?.payload).toEqual(payload)
  })

  test('at most three fragment sizes of one message are combined', () => {
    const decoder = new UrDecoder()
    const statuses = [100, 120, 140, 160].map(
      (maxFragmentLength) =>
        decoder.receive(Ur.encode({ type: 'airlock-sign-request', payload, maxFragmentLength }).partAt(1))
          .status,
    )
    expect(statuses).toEqual(['accepted', 'accepted', 'accepted', 'new-session'])
  })
})

describe('through the laptop-webcam model', () => {
  test('an 8 KB request crosses a 720p webcam in a few seconds of frames', async () => {
    const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
    const sender = QrSender.create({ type: 'airlock-sign-request', payload })
    const images: ReturnType<typeof screenImage>[] = []
    const shown = (i: number) => {
      while (images.length <= i) {
        const frame = sender.next()
        images.push(
          screenImage(QrCode.encode(frame.text, { version: frame.version, ecLevel: frame.ecLevel })),
        )
      }
      return images[i]!
    }
    const camera = webcam({
      rng: createRng(4),
      width: 1280,
      height: 720,
      setup: { distanceCm: 35, tiltDeg: 10 },
    })
    const decoder = new UrDecoder({ expectedTypes: ['airlock-sign-request'] })
    for (let index = 0; index < 600 && !decoder.isComplete; index += 2) {
      for (const symbol of await reader.read(camera.capture({ index, displayFps: sender.fps, shown }))) {
        decoder.receive(symbol.text)
      }
    }
    expect(decoder.result()?.payload).toEqual(payload)
  })
})

/** The same part with another message checksum in its header (a forger's part). */
function reheader(text: string, checksum: number): string {
  const part = Ur.parse(text)
  if (part.kind !== 'multi') throw new Error('multipart expected')
  const { encode } = cborg
  const body = encode([part.seqNum, part.seqLength, part.messageLength, checksum, part.fragment])
  return `UR:${part.type.toUpperCase()}/${part.seqNum}-${part.seqLength}/${Bytewords.encode(body, { style: 'minimal' }).toUpperCase()}`
}
