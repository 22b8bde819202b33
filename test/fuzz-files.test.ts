// Fuzz: mutated policy bundles (JSON structure and text, deep nesting), audit logs (through verify) and
// PNG frames (through the PNG guard, pngjs and zxing, as `qr decode` and `sign approve` read them).
// Every input must end in a typed error (a BaseError) or a result; seeds include PNG decompression
// bombs and 10,000-deep JSON. Deterministic; the slowest input is reported, only gross hangs (> 2 s of
// CPU time for one input) fail.
import { verify } from '@airlock/audit-log'
import { nodeEd25519 } from '@airlock/audit-log/node'
import { Json } from '@airlock/errors'
import { Bundle } from '@airlock/policy'
import { decodePng, loadZxingReaderWasm, QrCode, QrReader, type RgbaImage } from '@airlock/transport/images'
import { describe, expect, it } from 'vitest'
import * as Fuzz from './support/fuzz.ts'
import * as F from './support/signer-fixtures.ts'

const HANG_MS = 2000

function check(stats: Fuzz.FuzzStats) {
  console.log(Fuzz.report(stats))
  expect(stats.untyped, 'untyped exceptions').toEqual([])
  expect(stats.slowestMs, `slowest input: ${stats.slowestInput}`).toBeLessThan(HANG_MS)
}

describe('fuzz: policy bundles', () => {
  it('mutated bundle JSON through Json.parse, Bundle.parse and signature verification', {
    timeout: 120_000,
  }, async () => {
    const r = Fuzz.rng(2001)
    const bundle = await F.sharedBundle()
    const seed = JSON.parse(JSON.stringify(bundle)) as unknown
    const seedText = JSON.stringify(bundle)
    const seedBytes = new TextEncoder().encode(seedText)
    // The signer's installBundle runs Bundle.verify; a fresh signer per input would cost more than the
    // check itself, so verify is called directly (what installBundle calls first) on every 10th input.
    // The seed verifies (and Cedar is warmed up) before the timed run.
    expect((await Bundle.verify(seed, { cedar: F.cedar, installed: undefined })).valid).toBe(true)
    let n = 0
    function* inputs(): Generator<string | unknown> {
      yield Fuzz.deepJsonText(10_000)
      yield Fuzz.deepJsonText(10_000, '{"a":', '}')
      yield seedText.replace('"org":', `"org":${Fuzz.deepJsonText(10_000)},"x":`)
      yield { ...(seed as object), org: Fuzz.deepValue(10_000) }
      yield { ...(seed as object), tests: { 'deep.json': Fuzz.deepValue(100_000) } }
      for (let i = 0; i < 2200; i++) {
        let value = seed
        for (let k = r.int(3); k >= 0; k--) value = Fuzz.mutateJson(r, value)
        yield value
      }
      for (let i = 0; i < 1300; i++) yield new TextDecoder().decode(Fuzz.mutateBytes(r, seedBytes))
    }
    const stats = await Fuzz.run({
      name: 'policy bundles',
      inputs: inputs(),
      describe: (input) => (typeof input === 'string' ? input : (JSON.stringify(input) ?? '')).slice(0, 160),
      target: async (input) => {
        const json = typeof input === 'string' ? Json.parse(input, { what: 'policy bundle' }) : input
        Bundle.parse(json)
        if (++n % 10 === 0) {
          const result = await Bundle.verify(json, { cedar: F.cedar, installed: undefined })
          if (result.valid !== (result.issues.length === 0))
            throw new Error('verification disagrees with its issues')
        }
      },
    })
    check(stats)
  })
})

describe('fuzz: audit logs', () => {
  it('mutated signer logs through verify', { timeout: 120_000 }, async () => {
    const r = Fuzz.rng(3001)
    const peer = await F.peer()
    for (let nonce = 0; nonce < 6; nonce++) {
      await peer.signer.approve(F.request(F.ethTransfer(F.PAYROLL, F.ETH, nonce)), { key: peer.key })
    }
    const log = peer.signer.log as unknown as { text(): string; publicKey: Uint8Array }
    const text = log.text()
    const lines = text.trimEnd().split('\n')
    const bytes = new TextEncoder().encode(text)
    expect(verify(text, { publicKey: log.publicKey, ed25519: nodeEd25519 }).ok).toBe(true)
    function* inputs(): Generator<string | Uint8Array> {
      const deepLine = lines[1]!.replace('"data":{', `"data":{"deep":${Fuzz.deepJsonText(10_000)},`)
      yield [lines[0], deepLine, ...lines.slice(2)].join('\n')
      yield `${Fuzz.deepJsonText(10_000)}\n`
      for (let i = 0; i < 1750; i++) yield Fuzz.mutateBytes(r, bytes)
      for (let i = 0; i < 1750; i++) {
        const out = [...lines]
        const at = r.int(out.length)
        switch (r.int(5)) {
          case 0:
            out.splice(at, 1)
            break
          case 1:
            out.splice(at, 0, r.pick(lines))
            break
          case 2: {
            const other = r.int(out.length)
            ;[out[at], out[other]] = [out[other]!, out[at]!]
            break
          }
          case 3: {
            const entry = Json.parse(out[at]!) as Record<string, unknown>
            out[at] = Fuzz.toJsonText(Fuzz.mutateJson(r, entry))
            break
          }
          default:
            out[at] = out[at]!.slice(0, r.int(out[at]!.length))
        }
        yield out.join('\n')
      }
    }
    const stats = await Fuzz.run({
      name: 'audit logs',
      inputs: inputs(),
      describe: (input) =>
        (typeof input === 'string' ? input : new TextDecoder().decode(input)).slice(0, 160),
      target: (input) => verify(input, { publicKey: log.publicKey, ed25519: nodeEd25519 }),
    })
    check(stats)
  })
})

describe('fuzz: PNG frames', () => {
  it('mutated QR frames and PNG bombs through the guard, pngjs and zxing', { timeout: 120_000 }, async () => {
    const r = Fuzz.rng(4001)
    const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
    const frames = await Promise.all(
      ['UR:BYTES/1-3/LPADAXCFAXHLCYYNDLTSRDHDFWMSFMDWDMBELUJPZSTBYTAS', 'UR:AIRLOCK-SIGN-REQUEST/TEST'].map(
        (text) => QrCode.toPng(QrCode.encode(text), { scale: 2 }),
      ),
    )
    // Every seed frame decodes before mutation, so the suite exercises the real reading path.
    for (const png of frames) expect((await reader.read(await decodePng(png))).length).toBe(1)
    const bombs = Fuzz.pngBombs()
    function* inputs(): Generator<Uint8Array> {
      for (const bomb of bombs) yield bomb.bytes
      for (let i = 0; i < 2000; i++) {
        const mutated = Fuzz.mutateBytes(r, r.pick(frames), frames)
        // Half with CRCs repaired, so the mutation reaches pngjs and zxing instead of the CRC check.
        yield r.chance(0.5) ? Fuzz.fixPngCrcs(mutated) : mutated
      }
      for (let i = 0; i < 200; i++) yield Fuzz.fixPngCrcs(Fuzz.mutateBytes(r, r.pick(bombs).bytes))
    }
    const stats = await Fuzz.run({
      name: 'PNG frames',
      inputs: inputs(),
      describe: Fuzz.hex,
      target: async (bytes) => reader.read(await decodePng(bytes)),
    })
    check(stats)

    // Valid frames with hostile pixels: noise, stripes, a code's modules flipped, extreme sizes. These
    // reach zxing itself (the mutations above mostly stop at the PNG guard or pngjs).
    const decoded = await Promise.all(frames.map((png) => decodePng(png)))
    function* pixelFrames(): Generator<RgbaImage> {
      yield { data: new Uint8ClampedArray(4), width: 1, height: 1 }
      yield { data: new Uint8ClampedArray(4 * 16_384), width: 16_384, height: 1 }
      yield { data: new Uint8ClampedArray(4 * 16_384), width: 1, height: 16_384 }
      yield { data: new Uint8ClampedArray(4 * 3), width: 2, height: 2 } // wrong buffer size
      for (let i = 0; i < 500; i++) {
        const base = r.pick(decoded)
        const data = new Uint8ClampedArray(base.data)
        const flips = 1 + r.int(200)
        for (let k = 0; k < flips; k++) {
          const at = r.int(data.length >> 2) << 2
          const v = r.chance(0.5) ? 0 : 255
          data[at] = v
          data[at + 1] = v
          data[at + 2] = v
        }
        yield { data, width: base.width, height: base.height }
      }
    }
    check(
      await Fuzz.run({
        name: 'camera frames (pixels)',
        inputs: pixelFrames(),
        describe: (frame) => `${frame.width} × ${frame.height}, ${frame.data.length} bytes`,
        target: (frame) => reader.read(frame),
      }),
    )
    for (const bomb of bombs) {
      await expect(decodePng(bomb.bytes), bomb.name).rejects.toMatchObject({
        name: 'Transport.ImageTooLargeError',
      })
    }
  })
})
