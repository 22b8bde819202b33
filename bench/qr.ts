// QR transport benchmark: frames needed under loss (UR fountain decoder only), zxing decode time per
// 640×480 camera frame, effective throughput at the auto-tuned frame rate, and the time to move a
// realistic 50-transfer MultiSend signing request.
//   npm run bench qr            (through bench/run.ts)
//   node --import tsx bench/qr.ts   (standalone: prints the tables)
import { SafeTx } from '@airlock/safe'
import { SignRequest, Ur, UrDecoder } from '@airlock/transport'
import { Degrade, loadZxingReaderWasm, QrCode, QrDensity, QrReader } from '@airlock/transport/images'
import { concatHex, encodeFunctionData, encodePacked, parseAbi, size } from 'viem'
import { type BenchTable, format, median } from './table.ts'

const TRIALS = 101
const LOSSES = [0, 0.1, 0.3] as const
const PAYLOADS = [2 * 1024, 16 * 1024, 64 * 1024]
const FRAGMENTS = [200, 400, 680, 880]
const DECODE_FRAMES = 40

/**
 * Median number of frames shown until the decoder completes, when each frame is missed with
 * `loss`. `parts` is the sender's sequence (grown on demand, shared between calls). Without loss
 * every trial is the same run, so one is made.
 */
function framesNeeded(encoder: Ur.Encoder, parts: string[], loss: number, seed: number): number {
  const rng = Degrade.createRng(seed)
  const partAt = (i: number) => {
    while (parts.length <= i) parts.push(encoder.nextPart())
    return parts[i]!
  }
  const counts: number[] = []
  for (let trial = 0; trial < (loss === 0 ? 1 : TRIALS); trial++) {
    const decoder = new UrDecoder({ maxPayloadBytes: 1024 * 1024 })
    let shown = 0
    for (;;) {
      const part = partAt(shown)
      shown += 1
      if (rng.next() < loss) continue
      if (decoder.receive(part).status === 'complete') break
      if (shown > 20 * encoder.fragmentCount + 100) throw new Error('decoder did not converge')
    }
    counts.push(shown)
  }
  return median(counts)
}

/** Median zxing time for camera-degraded 640×480 frames of parts with this fragment size. */
async function decodeMs(
  reader: QrReader.QrReader,
  fragmentBytes: number,
): Promise<{ ms: number; version: number }> {
  const rng = Degrade.createRng(fragmentBytes)
  const payload = Degrade.randomBytes(rng, fragmentBytes * DECODE_FRAMES)
  const plan = QrDensity.tune({ messageBytes: payload.length, fragmentBytes, type: 'bytes' })
  const encoder = Ur.encode({ type: 'bytes', payload, maxFragmentLength: fragmentBytes })
  const frames = Array.from({ length: DECODE_FRAMES }, () => {
    const qr = QrCode.encode(encoder.nextPart(), { ecLevel: plan.ecLevel, version: plan.version })
    return Degrade.camera(QrCode.toRgba(qr, { scale: 4 }), { rng })
  })
  for (const frame of frames.slice(0, 5)) await reader.read(frame) // warm-up
  const times: number[] = []
  let misses = 0
  for (const frame of frames) {
    const start = performance.now()
    const symbols = await reader.read(frame)
    times.push(performance.now() - start)
    if (symbols.length !== 1) misses += 1
  }
  if (misses > DECODE_FRAMES / 10) throw new Error(`zxing missed ${misses}/${DECODE_FRAMES} frames`)
  return { ms: median(times), version: plan.version }
}

/** A realistic signing request: 50 ERC-20 transfers packed into one MultiSend delegatecall. */
function multiSendRequest(): Uint8Array {
  const erc20 = parseAbi(['function transfer(address to, uint256 amount)'])
  const multiSend = parseAbi(['function multiSend(bytes transactions)'])
  const tokens = [
    '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', // USDC
    '0xdAC17F958D2ee523a2206206994597C13D831ec7', // USDT
    '0x6B175474E89094C44Da98b954EedeAC495271d0F', // DAI
  ] as const
  const rng = Degrade.createRng(50)
  const packed = concatHex(
    Array.from({ length: 50 }, (_, i) => {
      const recipient = `0x${Array.from({ length: 40 }, () => rng.int(16).toString(16)).join('')}` as const
      const data = encodeFunctionData({
        abi: erc20,
        functionName: 'transfer',
        args: [recipient, BigInt(rng.int(1_000_000)) * 10n ** 6n],
      })
      return encodePacked(
        ['uint8', 'address', 'uint256', 'uint256', 'bytes'],
        [0, tokens[i % tokens.length]!, 0n, BigInt(size(data)), data],
      )
    }),
  )
  const tx = SafeTx.from({
    to: '0x9641d764fc13c8B624c04430C7356C1C7C8102e2', // MultiSendCallOnly 1.4.1
    data: encodeFunctionData({ abi: multiSend, functionName: 'multiSend', args: [packed] }),
    operation: 1,
    nonce: 42,
  })
  return SignRequest.encode({
    requestId: SignRequest.newRequestId(),
    createdAt: 1_760_000_000,
    context: SafeTx.context({
      chainId: 1,
      safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
      version: '1.4.1',
    }),
    tx,
    signatures: [{ signer: '0x00000000000000000000000000000000000000a1', signature: `0x${'ab'.repeat(65)}` }],
    attestations: [],
    title: 'March payroll: 50 transfers',
    description: 'Monthly contributor payroll in USDC, USDT and DAI.',
  })
}

export type Row = BenchTable['rows'][number]

/** The QR transport suite: two tables (density × loss grid, and the MultiSend request). */
export async function runQrBench(): Promise<BenchTable[]> {
  const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
  const decode = new Map<number, { ms: number; version: number }>()
  for (const fragment of FRAGMENTS) decode.set(fragment, await decodeMs(reader, fragment))

  const row = async (label: string, payload: Uint8Array, type: string, plan: QrDensity.DensityPlan) => {
    const encoder = Ur.encode({ type, payload, maxFragmentLength: plan.maxFragmentLength })
    const n = encoder.fragmentCount
    const parts: string[] = []
    const needed = LOSSES.map((loss, i) => framesNeeded(encoder, parts, loss, 1000 * n + i))
    process.stderr.write(`qr bench: ${label}, ${payload.length} B in ${n} fragments done\n`)
    const ms = decode.get(plan.maxFragmentLength)?.ms ?? (await decodeMs(reader, plan.maxFragmentLength)).ms
    return {
      case: label,
      'payload B': payload.length,
      'fragment B': plan.fragmentBytes,
      QR: `v${plan.version}-${plan.ecLevel}`,
      frames: n,
      '×ideal 0%': needed[0]! / n,
      '×ideal 10%': needed[1]! / n,
      '×ideal 30%': needed[2]! / n,
      'decode ms': ms,
      fps: plan.fps,
      'B/s 0%': payload.length / (needed[0]! / plan.fps),
      'B/s 10%': payload.length / (needed[1]! / plan.fps),
      's 0%': needed[0]! / plan.fps,
      's 10%': needed[1]! / plan.fps,
    } satisfies Row
  }

  const grid: Row[] = []
  for (const bytes of PAYLOADS) {
    const payload = Degrade.randomBytes(Degrade.createRng(bytes), bytes)
    for (const fragment of FRAGMENTS) {
      const plan = QrDensity.tune({ messageBytes: bytes, fragmentBytes: fragment, type: 'bytes' })
      grid.push(await row(`${bytes / 1024} KB`, payload, 'bytes', plan))
    }
  }

  const request = multiSendRequest()
  const auto = QrDensity.tune({ messageBytes: request.length, type: SignRequest.urType })
  const keystone = QrDensity.tune({
    messageBytes: request.length,
    type: SignRequest.urType,
    fragmentBytes: 200,
    fps: 5,
  })
  const multisend = [
    await row('auto-tuned', request, SignRequest.urType, auto),
    await row('Keystone-like 200 B @ 5 fps', request, SignRequest.urType, keystone),
  ]
  return [
    {
      title:
        'QR transport: frames needed (×fragment count, median of 101 trials), zxing ms per 640×480 frame, throughput',
      rows: grid,
      notes: [
        'targets: ≥ 6 KB/s effective; ≤ 1.05 / 1.25 / 1.6× ideal frames at 0 / 10 / 30% loss; ≤ 10 ms decode',
        'frames needed counts every frame shown, lost ones included (UrDecoder only, no images)',
        'decode ms: camera-degraded frames (letterboxed, 2–5° tilt, blur, noise, glare) at the nominal fragment size (200/400/680/880 B), median of 40',
        'frames ×ideal at 0% loss is one deterministic run (every trial would be identical)',
      ],
    },
    {
      title: `QR transport: 50-transfer MultiSend signing request (${request.length} bytes, airlock SignRequest CBOR)`,
      rows: multisend,
      notes: ['target: ≤ 4 s (s 10%: median frames at 10% loss / fps)'],
    },
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const table of await runQrBench()) process.stdout.write(`${format(table)}\n`)
}
