import * as cborg from 'cborg'
import { describe, expect, test } from 'vitest'
import * as Bytewords from '../Bytewords.ts'
import * as Ur from '../Ur.ts'
import { UrDecoder } from '../UrDecoder.ts'
import { createRng, randomBytes, screenImage, type Webcam, webcam } from './degrade.ts'
import { loadZxingReaderWasm } from './loadZxingWasm.node.ts'
import * as QrCode from './QrCode.ts'
import * as QrDensity from './QrDensity.ts'
import * as QrReader from './QrReader.ts'
import * as QrSender from './QrSender.ts'

const payload = randomBytes(createRng(8), 8 * 1024)

describe('QrSender', () => {
  test('interleaves a dense, a sparse and a sparsest session of an Airlock message', () => {
    const sender = QrSender.create({ type: 'airlock-sign-request', payload })
    const frames = Array.from({ length: 10 }, () => sender.next())
    const round = ['sparse', 'sparsest', 'sparse', 'sparsest', 'dense']
    expect(sender.round).toEqual(round)
    expect(frames.map((f) => f.session)).toEqual([...round, ...round])
    const { dense, sparse, sparsest } = sender.plans
    expect(dense!.version).toBeGreaterThan(sparse.version)
    expect(sparse.version).toBeGreaterThan(sparsest!.version)
    const parts = frames.map((f) => Ur.parse(f.text))
    // Same message (type, length, checksum), three fragment sizes.
    expect(
      new Set(parts.map((p) => (p.kind === 'multi' ? `${p.messageLength}/${p.checksum}` : ''))),
    ).toHaveProperty('size', 1)
    expect(new Set(parts.map((p) => (p.kind === 'multi' ? p.seqLength : 0))).size).toBe(3)
    // Every frame fits the QR version its session renders at.
    for (const frame of frames) {
      expect(QrCode.encode(frame.text, { version: frame.version, ecLevel: frame.ecLevel }).version).toBe(
        frame.version,
      )
    }
  })

  test('a message the sparsest session alone cannot bring within 30 s gives it one frame in five', () => {
    const large = randomBytes(createRng(32), 32 * 1024)
    const sender = QrSender.create({ type: 'airlock-sign-request', payload: large })
    expect(sender.round).toEqual(['sparse', 'sparse', 'sparsest', 'sparse', 'dense'])
    // At two in five a camera reading only the sparsest frames would need over a minute.
    const frames = QrDensity.expectedFrames({
      fragmentCount: sender.plans.sparsest!.fragmentCount,
      loss: 0.1,
    })
    expect(frames / (sender.fps * 0.4)).toBeGreaterThan(30)
  })

  test('far: false keeps the two-session stream', () => {
    const sender = QrSender.create({ type: 'airlock-sign-request', payload, far: false })
    expect(sender.plans.sparsest).toBeUndefined()
    expect(Array.from({ length: 6 }, () => sender.next().session)).toEqual([
      'sparse',
      'sparse',
      'dense',
      'sparse',
      'sparse',
      'dense',
    ])
  })

  test('the sessions show their pure fragments from different places in the message', () => {
    const sender = QrSender.create({ type: 'airlock-sign-request', payload })
    const seqNums = new Map<string, number[]>()
    for (let i = 0; i < 15; i++) {
      const frame = sender.next()
      const part = Ur.parse(frame.text)
      if (part.kind !== 'multi') throw new Error('multipart expected')
      seqNums.set(frame.session, [...(seqNums.get(frame.session) ?? []), part.seqNum])
    }
    // Dense forwards from the start; sparse forwards and sparsest backwards from one boundary byte.
    expect(seqNums.get('dense')).toEqual([1, 2, 3])
    const sparse = seqNums.get('sparse')!
    const sparsest = seqNums.get('sparsest')!
    expect(sparse).toEqual(sparse.map((_, i) => sparse[0]! + i))
    expect(sparsest).toEqual(sparsest.map((_, i) => sparsest[0]! - i))
    const boundary = (sparse[0]! - 1) * sender.plans.sparse.fragmentBytes
    const sparsestEnd = sparsest[0]! * sender.plans.sparsest!.fragmentBytes
    expect(Math.abs(boundary - sparsestEnd)).toBeLessThan(sender.plans.sparse.fragmentBytes)
    expect(boundary).toBeGreaterThan(payload.length / 3)
  })

  test('a camera reading every frame needs little more than the message over the bytes per frame', () => {
    const sender = QrSender.create({ type: 'airlock-sign-request', payload })
    const { dense, sparse, sparsest } = sender.plans
    const perRound = dense!.fragmentBytes + 2 * sparse.fragmentBytes + 2 * sparsest!.fragmentBytes
    const decoder = new UrDecoder()
    let shown = 0
    while (!decoder.isComplete) {
      shown += 1
      decoder.receive(sender.next().text)
    }
    expect(decoder.result()?.payload).toEqual(payload)
    // Were the sessions to repeat each other's bytes, the sparse one would have to finish alone.
    expect(shown).toBeLessThanOrEqual(Math.ceil((5 * payload.length) / perRound) + 5)
  })

  test('a camera reading the sparse and sparsest frames completes before the sparse ones alone could', () => {
    // Without loss the sparse session alone needs all its pure fragments; read with the sparsest, whose
    // fragments run the other way from the middle, the two cover the message about 1.5 times as fast.
    const sender = QrSender.create({ type: 'airlock-sign-request', payload })
    const decoder = new UrDecoder()
    let sparseShown = 0
    while (!decoder.isComplete) {
      const frame = sender.next()
      if (frame.session === 'dense') continue
      if (frame.session === 'sparse') sparseShown += 1
      decoder.receive(frame.text)
    }
    expect(decoder.result()?.payload).toEqual(payload)
    expect(sparseShown).toBeLessThan(0.75 * sender.plans.sparse.fragmentCount)
    expect(decoder.progress().linkedSessions).toBe(2)
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

  test('the receiver completes from any one session alone, or from all of them combined', () => {
    for (const only of ['sparse', 'dense', 'sparsest', undefined] as const) {
      const sender = QrSender.create({ type: 'airlock-sign-request', payload })
      const decoder = new UrDecoder()
      const rng = createRng(3)
      let shown = 0
      while (!decoder.isComplete && shown < 3000) {
        const frame = sender.next()
        shown += 1
        if ((only && frame.session !== only) || rng.next() < 0.2) continue
        decoder.receive(frame.text)
      }
      expect(decoder.result()?.payload).toEqual(payload)
      expect(decoder.progress().linkedSessions).toBe(only ? 1 : 3)
    }
  })

  test('a loop of loopLength frames holds every fragment of every session, in whole rounds', () => {
    for (const size of [8 * 1024, 2500, 700, 40]) {
      const sender = QrSender.create({ type: 'airlock-sign-request', payload: payload.subarray(0, size) })
      expect(sender.loopLength % sender.round.length).toBe(0)
      const frames = Array.from({ length: sender.loopLength }, () => sender.next())
      if (sender.isStatic) {
        expect(sender.loopLength).toBe(1)
        continue
      }
      for (const [session, plan] of Object.entries(sender.plans)) {
        if (!plan) continue
        const name = session === 'sparse' && sender.round.includes('single') ? 'single' : session
        const seqNums = frames
          .filter((f) => f.session === name)
          .map((f) => (Ur.parse(f.text) as { seqNum: number }).seqNum)
        expect(seqNums.length).toBeGreaterThanOrEqual(2 * plan.fragmentCount)
        for (let i = 1; i <= plan.fragmentCount; i++) expect(seqNums).toContain(i)
      }
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
  /** Camera frames (every 2nd decoded) until the decoder completes, or undefined after `limit`. */
  async function scan(sender: QrSender.QrSender, camera: Webcam, limit: number, bytes: Uint8Array) {
    const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
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
    const decoder = new UrDecoder({ expectedTypes: ['airlock-sign-request'] })
    for (let index = 0; index < limit; index += 2) {
      for (const symbol of await reader.read(camera.capture({ index, displayFps: sender.fps, shown }))) {
        decoder.receive(symbol.text)
      }
      if (decoder.isComplete) {
        expect(decoder.result()?.payload).toEqual(bytes)
        return index
      }
    }
    return undefined
  }

  test('an 8 KB request crosses a 720p webcam in a few seconds of frames', async () => {
    const sender = QrSender.create({ type: 'airlock-sign-request', payload })
    const camera = webcam({
      rng: createRng(4),
      width: 1280,
      height: 720,
      setup: { distanceCm: 35, tiltDeg: 10 },
    })
    expect(await scan(sender, camera, 600, payload)).toBeDefined()
  })

  test('a 640×480 webcam at the far end of a scan completes from the sparsest session', async () => {
    // 50 cm, a 14.5 cm code, a soft lens: about 2.6 camera px per module of the sparse code with a blur
    // of 0.4 module, which zxing does not read; the sparsest code gets 3.1 px per module.
    const far = { distanceCm: 50, codeCm: 14.5, verticalFovDeg: 40, blurSigma: 1.05 }
    const small = payload.subarray(0, 2048)
    const sender = QrSender.create({ type: 'airlock-sign-request', payload: small })
    const camera = () => webcam({ rng: createRng(4), setup: far })
    const frames = await scan(sender, camera(), 900, small)
    expect(frames).toBeDefined()
    // The two-session stream has not completed by then on the same camera.
    const twoSessions = QrSender.create({ type: 'airlock-sign-request', payload: small, far: false })
    expect(await scan(twoSessions, camera(), frames! + 2, small)).toBeUndefined()
  }, 120_000)
})

/** The same part with another message checksum in its header (a forger's part). */
function reheader(text: string, checksum: number): string {
  const part = Ur.parse(text)
  if (part.kind !== 'multi') throw new Error('multipart expected')
  const { encode } = cborg
  const body = encode([part.seqNum, part.seqLength, part.messageLength, checksum, part.fragment])
  return `UR:${part.type.toUpperCase()}/${part.seqNum}-${part.seqLength}/${Bytewords.encode(body, { style: 'minimal' }).toUpperCase()}`
}
