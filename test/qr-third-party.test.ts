// Streams another wallet reads (issue 17): Keystone's `eth-sign-request` and `ur:bytes` from
// `airlock qr encode` must complete in the bc-ur reference decoder, a peeling decoder like Keystone's,
// when the camera misses frames; and `sign approve --device keystone` frames must be read by
// Keystone's own SDK. The decoders here are the real libraries, not Airlock's.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { SafeTx } from '@airlock/safe'
import { EthSignRequest, SignRequest, Ur } from '@airlock/transport'
import { Degrade, QrDensity } from '@airlock/transport/images'
import { URDecoder as KeystoneUrDecoder } from '@keystonehq/keystone-sdk'
import { URDecoder } from '@ngraveio/bc-ur'
import { encodeFunctionData, parseAbi } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  bundle,
  initSigner,
  OWNER_MNEMONIC,
  signRequest,
  transfer,
} from '../apps/cli/src/commands/signFixtures.test-helpers.ts'

const TRIALS = 51

/** Frames shown until `decoder` completes, each missed with probability `loss`; parts loop if needed. */
function framesToComplete(parts: readonly string[], loss: number, rng: Degrade.Rng): number {
  const decoder = new URDecoder()
  for (let shown = 1; shown <= 20 * parts.length; shown++) {
    if (rng.next() < loss) continue
    decoder.receivePart(parts[(shown - 1) % parts.length]!.toLowerCase())
    if (decoder.isComplete()) {
      expect(decoder.isSuccess()).toBe(true)
      return shown
    }
  }
  return Number.POSITIVE_INFINITY
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]!
}

/** Median frames to completion over TRIALS, as a multiple of the pure fragment count. */
function overhead(parts: readonly string[], fragmentCount: number, loss: number, seed: number): number {
  const rng = Degrade.createRng(seed)
  return median(Array.from({ length: TRIALS }, () => framesToComplete(parts, loss, rng))) / fragmentCount
}

/** A Keystone request for a MultiSend of `count` ERC-20 transfers, as `sign approve` would write it. */
function keystoneRequest(count: number): Uint8Array {
  const erc20 = parseAbi(['function transfer(address to, uint256 amount)'])
  const data = encodeFunctionData({
    abi: erc20,
    functionName: 'transfer',
    args: ['0x00000000000000000000000000000000000b0b00', 10n ** 18n],
  })
  const batch = `0x8d80ff0a${'00'.repeat(32 * 2)}${data.slice(2).repeat(count)}` as const
  const tx = SafeTx.from({
    to: '0x9641d764fc13c8B624c04430C7356C1C7C8102e2',
    data: batch,
    operation: 1,
    nonce: 3,
  })
  const request = EthSignRequest.fromSafeTx({
    tx,
    context: SafeTx.context({
      chainId: 1,
      safe: '0x00000000000000000000000000000000000a11ce',
      version: '1.4.1',
    }),
    path: "m/44'/60'/0'/0/0",
    sourceFingerprint: '73c5da0a',
    address: '0x00000000000000000000000000000000000000a1',
    requestId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
  })
  return EthSignRequest.encode(request)
}

describe('third-party streams complete in the reference (peeling) decoder under loss', () => {
  it.each([
    ['a transfer', 1],
    ['a 20-transfer batch', 20],
  ])('Keystone eth-sign-request for %s, at Keystone density', (_, count) => {
    const message = keystoneRequest(count)
    const plan = QrDensity.keystone({ messageBytes: message.length })
    expect([plan.fragmentBytes <= 200, plan.fps]).toEqual([true, 5])
    const encoder = Ur.encode({
      type: EthSignRequest.urType,
      payload: message,
      maxFragmentLength: plan.maxFragmentLength,
    })
    expect(encoder.fragmentCount).toBeGreaterThan(count === 1 ? 3 : 15)
    const parts = Array.from({ length: 4 * encoder.fragmentCount }, () => encoder.nextPart())
    expect(overhead(parts, encoder.fragmentCount, 0.1, 10 + count)).toBeLessThanOrEqual(1.3)
    expect(overhead(parts, encoder.fragmentCount, 0.3, 30 + count)).toBeLessThanOrEqual(1.8)
  })

  it('ur:bytes frames written by `airlock qr encode --type bytes`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-bytes-'))
    writeFileSync(join(dir, 'in.bin'), Degrade.randomBytes(Degrade.createRng(8), 8 * 1024))
    const encoded = await runCli(
      ['qr', 'encode', 'in.bin', '--out', 'f', '--type', 'bytes', '--frames', '120'],
      {
        cwd: dir,
      },
    )
    expect(encoded.code, encoded.stderr).toBe(0)
    const parts = readFileSync(join(dir, 'f', 'parts.txt'), 'utf8')
      .trim()
      .split('\n')
    const fragmentCount = Number(/\/1-(\d+)\//.exec(parts[0]!)?.[1])
    expect(fragmentCount).toBeGreaterThan(10)
    expect(overhead(parts, fragmentCount, 0.1, 11)).toBeLessThanOrEqual(1.3)
    expect(overhead(parts, fragmentCount, 0.3, 31)).toBeLessThanOrEqual(1.8)
  })
})

describe('airlock sign approve --device keystone', () => {
  it('writes frames that Keystone’s own SDK decoder reads, missed frames and all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-keystone-sdk-'))
    const owners = [0, 1, 2, 3, 4].map((addressIndex) => mnemonicToAccount(OWNER_MNEMONIC, { addressIndex }))
    const state = join(dir, 'state')
    await initSigner(state, await bundle({ owners: () => owners.map((o) => o.address.toLowerCase()) }))
    const request = signRequest(transfer(0), { id: 1 })
    const requestPath = join(dir, 'request.ur')
    writeFileSync(requestPath, `${Ur.encodeSingle(SignRequest.toUr(request))}\n`)
    const keystoneFlags = ['--keystone-address', owners[0]!.address, '--keystone-fingerprint', '73c5da0a']
    for (const [name, step] of [
      ['default', undefined],
      ['sparser', '-1'],
    ] as const) {
      const frames = join(dir, name)
      const asked = await runCli([
        'sign',
        'approve',
        requestPath,
        '--device',
        'keystone',
        '--state',
        state,
        '--out',
        frames,
        ...(step === undefined ? [] : [`--density-step=${step}`]),
        ...keystoneFlags,
      ])
      expect(asked.code, asked.stderr).toBe(0)
      const parts = readFileSync(join(frames, 'parts.txt'), 'utf8').trim().split('\n')
      // Keystone's density: 200-byte fragments by default, smaller a step down.
      const fragmentCount = Number(/\/1-(\d+)\//.exec(parts[0]!)?.[1])
      const messageBytes = EthSignRequest.encode(EthSignRequest.fromUr(decodeAll(parts))).length
      expect(fragmentCount).toBe(Math.ceil(messageBytes / (step === undefined ? 200 : 150)))
      // Keystone's decoder, with one frame in five missed at random (seeded) while the frames loop, as
      // on the screen. (A miss every fifth frame exactly would, when the loop length is a multiple of
      // five, miss the same frames on every pass: no camera does that, and a peeling decoder may then
      // never see a fragment; the fragment count varies with the request id's bytes.)
      const keystone = new KeystoneUrDecoder()
      let seed = 0x2545f491
      const missed = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        return seed % 5 === 0
      }
      for (let shown = 0; !keystone.isComplete() && shown < 10 * parts.length; shown++) {
        if (missed()) continue
        keystone.receivePart(parts[shown % parts.length]!)
      }
      expect(keystone.isSuccess()).toBe(true)
      const ur = keystone.resultUR()
      expect(ur.type).toBe(EthSignRequest.urType)
      const read = EthSignRequest.fromUr({ type: ur.type, payload: new Uint8Array(ur.cbor) })
      expect(read).toMatchObject({ address: owners[0]!.address })
    }
  })
})

function decodeAll(parts: readonly string[]): Ur.UrResult {
  const decoder = new URDecoder()
  for (const part of parts) if (!decoder.isComplete()) decoder.receivePart(part)
  const ur = decoder.resultUR()
  return { type: ur.type, payload: new Uint8Array(ur.cbor) }
}
