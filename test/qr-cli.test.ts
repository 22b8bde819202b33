import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { SafeTx } from '@airlock/safe'
import { SignRequest, Ur } from '@airlock/transport'
import { QrCode } from '@airlock/transport/images'
import { describe, expect, it } from 'vitest'

const vectors = JSON.parse(
  readFileSync(join(import.meta.dirname, '../packages/transport/src/fixtures/bc-ur-vectors.json'), 'utf8'),
) as { urEncoder256: string[]; xoshiroWolfFirst20Hex: string[] }

const temp = () => mkdtempSync(join(tmpdir(), 'airlock-qr-'))

function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

describe('airlock qr encode | decode', () => {
  it('round-trips a 2 KB file through numbered PNG frames and an animated preview', async () => {
    const dir = temp()
    const payload = pseudoRandom(2048, 7)
    writeFileSync(join(dir, 'in.bin'), payload)
    const encoded = await runCli(['qr', 'encode', 'in.bin', '--out', 'frames', '--fragment', '300'], {
      cwd: dir,
    })
    expect(encoded.stderr).toMatch(/frames \(\d+ fragments of \d+ bytes/)
    expect(encoded.code).toBe(0)
    const files = readdirSync(join(dir, 'frames'))
    expect(files).toContain('frame-0001.png')
    expect(files).toContain('preview.html')
    const decoded = await runCli(['qr', 'decode', 'frames', '--out', 'out.bin'], { cwd: dir })
    expect(decoded.code).toBe(0)
    expect(new Uint8Array(readFileSync(join(dir, 'out.bin')))).toEqual(payload)
  })

  it('decodes a ur:bytes stream made by the Blockchain Commons reference implementation', async () => {
    const dir = temp()
    mkdirSync(join(dir, 'frames'))
    // The reference encoder's lowercase parts, rendered as QR images (byte mode, as other wallets show them).
    for (const [i, part] of vectors.urEncoder256.entries()) {
      const png = await QrCode.toPng(QrCode.encode(part), { scale: 4 })
      writeFileSync(join(dir, 'frames', `f${String(i).padStart(2, '0')}.png`), png)
    }
    const decoded = await runCli(['qr', 'decode', 'frames'], { cwd: dir })
    expect(decoded.code).toBe(0)
    expect(decoded.stdoutBytes).toHaveLength(256)
    const first20 = Buffer.from(decoded.stdoutBytes.subarray(0, 20)).toString('hex')
    expect(first20).toBe(vectors.xoshiroWolfFirst20Hex.join(''))
  })

  it('describes an Airlock sign request with --json, validated by its schema', async () => {
    const dir = temp()
    const request: SignRequest.SignRequest = {
      requestId: SignRequest.newRequestId(),
      createdAt: 1_700_000_000,
      context: SafeTx.context({
        chainId: 1,
        safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
        version: '1.4.1',
      }),
      tx: SafeTx.from({ to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: 10n ** 18n, nonce: 4 }),
      signatures: [],
      attestations: [],
      title: 'Pay the auditors',
      description: '',
    }
    writeFileSync(join(dir, 'request.cbor'), SignRequest.encode(request))
    await runCli(['qr', 'encode', 'request.cbor', '--type', 'airlock-sign-request', '--out', 'frames'], {
      cwd: dir,
    })
    const described = await runCli(['qr', 'decode', 'frames', '--json'], { cwd: dir })
    expect(described.code).toBe(0)
    const json = JSON.parse(described.stdout)
    expect(json.type).toBe('airlock-sign-request')
    expect(json.signRequest).toMatchObject({
      title: 'Pay the auditors',
      tx: { nonce: '4', value: '1000000000000000000' },
    })
  })

  it('encodes UR text (as sign approve prints it) with its own type, not as raw bytes', async () => {
    const dir = temp()
    const payload = SignRequest.encode({
      requestId: `0x${'11'.repeat(16)}`,
      createdAt: 1_767_225_600,
      context: SafeTx.context({
        chainId: 1,
        safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
        version: '1.4.1',
      }),
      tx: SafeTx.from({ to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: 1n, nonce: 1 }),
      signatures: [],
      attestations: [],
      title: 'UR text',
      description: '',
    })
    writeFileSync(join(dir, 'request.ur'), `${Ur.encodeSingle({ type: 'airlock-sign-request', payload })}\n`)
    const encoded = await runCli(['qr', 'encode', 'request.ur', '--out', 'frames'], { cwd: dir })
    expect(encoded.code, encoded.stderr).toBe(0)
    const described = await runCli(['qr', 'decode', 'frames', '--json'], { cwd: dir })
    expect(JSON.parse(described.stdout)).toMatchObject({
      type: 'airlock-sign-request',
      signRequest: { title: 'UR text' },
    })
  })

  it('refuses the wrong UR type, incomplete captures and files that are not images', async () => {
    const dir = temp()
    writeFileSync(join(dir, 'in.bin'), pseudoRandom(4000, 3))
    await runCli(['qr', 'encode', 'in.bin', '--out', 'frames', '--fragment', '200', '--frames', '3'], {
      cwd: dir,
    })
    const incomplete = await runCli(['qr', 'decode', 'frames'], { cwd: dir })
    expect(incomplete.code).toBe(1)
    expect(incomplete.stderr).toMatch(/did not complete the message: \d+% after 3 frames/)

    const wrongType = await runCli(['qr', 'decode', 'frames', '--type', 'airlock-signature'], { cwd: dir })
    expect(wrongType.code).toBe(1)
    expect(wrongType.stderr).toContain('frame-0001.png:')

    writeFileSync(join(dir, 'frames', 'frame-0000.png'), 'not a png')
    const broken = await runCli(['qr', 'decode', 'frames'], { cwd: dir })
    expect(broken.code).toBe(1)
    // One line that names the file and says it is not a PNG.
    expect(broken.stderr).toMatch(/frame-0000\.png.* not a (readable|well-formed) PNG/)
    expect(broken.stderr.trim().split('\n')).toHaveLength(1)

    const existing = await runCli(['qr', 'encode', 'in.bin', '--out', 'frames'], { cwd: dir })
    expect(existing.code).toBe(2)
    expect(existing.stderr).toContain('frames exists and is not empty.')
  })

  it('shows the frames in the terminal', async () => {
    const dir = temp()
    writeFileSync(join(dir, 'in.bin'), pseudoRandom(600, 5))
    const shown = await runCli(['qr', 'show', 'in.bin', '--fragment', '200', '--fps', '60'], { cwd: dir })
    expect(shown.code).toBe(0)
    const frames = shown.stdout.split(/\n\d+\/\d+ UR:BYTES\//).length - 1
    expect(frames).toBeGreaterThanOrEqual(3)
    expect(shown.stdout).toMatch(/[█▀▄]/)
  })
})
