// Payload → UR parts → rendered QR frames → a simulated camera (letterboxed into 640×480, tilted
// 2–5°, blurred, noisy, glare, 20% of frames dropped, the rest shuffled) → zxing → UrDecoder →
// the exact payload. Frames are only rendered and decoded until the fountain decoder completes.
import { Ur, UrDecoder } from '@airlock/transport'
import { Degrade, loadZxingReaderWasm, QrCode, QrDensity, QrReader } from '@airlock/transport/images'
import { beforeAll, describe, expect, test } from 'vitest'

let reader: Awaited<ReturnType<typeof QrReader.create>>
beforeAll(async () => {
  reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
})

type Outcome = { payload: Uint8Array | undefined; shown: number; decoded: number; inverted: number }

async function roundTrip({
  size,
  seed,
  invert = false,
}: {
  size: number
  seed: number
  invert?: boolean
}): Promise<Outcome & { expected: Uint8Array; fragmentCount: number }> {
  const rng = Degrade.createRng(seed)
  const expected = Degrade.randomBytes(rng, size)
  const plan = QrDensity.tune({ messageBytes: size })
  const encoder = Ur.encode({ type: 'bytes', payload: expected, maxFragmentLength: plan.maxFragmentLength })
  expect(encoder.fragmentCount).toBe(plan.fragmentCount)
  // What the sender shows: every pure fragment, then fountain parts (3× the fragment count leaves
  // ample room after the 20% drop); the camera misses 20% and sees the rest in a shuffled order.
  const shown = Array.from({ length: 3 * encoder.fragmentCount + 2 }, () => encoder.nextPart())
  const seen = rng.shuffle(shown.filter(() => rng.next() >= 0.2))
  const decoder = new UrDecoder({ expectedTypes: ['bytes'], maxPayloadBytes: 128 * 1024 })
  const outcome: Outcome = { payload: undefined, shown: 0, decoded: 0, inverted: 0 }
  for (const part of seen) {
    outcome.shown += 1
    const clean = QrCode.toRgba(QrCode.encode(part, { ecLevel: plan.ecLevel, version: plan.version }), {
      scale: 4,
    })
    const frame = Degrade.camera(invert ? Degrade.invert(clean) : clean, { rng })
    const symbols = await reader.read(frame)
    for (const symbol of symbols) {
      outcome.decoded += 1
      if (symbol.inverted) outcome.inverted += 1
      const status = decoder.receive(symbol.text)
      if (status.status === 'complete') {
        outcome.payload = status.result.payload
        return { ...outcome, expected, fragmentCount: encoder.fragmentCount }
      }
    }
  }
  return { ...outcome, expected, fragmentCount: encoder.fragmentCount }
}

describe('degraded QR round trips', () => {
  test.each([
    { size: 100, seed: 1 },
    { size: 2 * 1024, seed: 2 },
    { size: 16 * 1024, seed: 3 },
    { size: 64 * 1024, seed: 4 },
  ])('$size bytes', async ({ size, seed }) => {
    const result = await roundTrip({ size, seed })
    expect(result.payload).toEqual(result.expected)
    // The camera simulation must stay readable: nearly every frame shown decodes.
    expect(result.decoded).toBeGreaterThanOrEqual(Math.floor(result.shown * 0.9))
    expect(result.inverted).toBe(0)
    // Shuffled fountain parts: more frames than fragments, but not wildly more.
    expect(result.shown).toBeLessThanOrEqual(3 * result.fragmentCount)
  })

  test('inverted (light-on-dark) screen, 16 KB', async () => {
    const result = await roundTrip({ size: 16 * 1024, seed: 5, invert: true })
    expect(result.payload).toEqual(result.expected)
    expect(result.inverted).toBe(result.decoded)
    expect(result.decoded).toBeGreaterThanOrEqual(Math.floor(result.shown * 0.9))
  })
})
