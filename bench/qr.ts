// QR transport benchmark: frames needed under loss (UR fountain decoder only), zxing decode time per
// 640×480 camera frame, effective throughput at the auto-tuned frame rate, the time to move a
// realistic 50-transfer MultiSend signing request, frames to completion per stream kind for the bc-ur
// reference (peeling) decoder and Airlock's, and scans through the laptop-webcam model
// (Degrade.webcam) at 640×480 and 720p.
//   npm run bench qr            (through bench/run.ts)
//   node --import tsx bench/qr.ts   (standalone: prints the tables)
//   node --import tsx bench/qr.ts webcam   (only the webcam-model scans)
import { SafeTx } from '@airlock/safe'
import { EthSignRequest, SignRequest, Ur, UrDecoder } from '@airlock/transport'
import {
  Degrade,
  loadZxingReaderWasm,
  QrCode,
  QrDensity,
  QrReader,
  QrSender,
} from '@airlock/transport/images'
import { URDecoder as ReferenceDecoder } from '@ngraveio/bc-ur'
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
  const kinds = streamKinds(request)
  const webcamRows = await webcamScans(reader)
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
    {
      title: `QR transport: frames to completion per stream kind (×fragment count, median of ${KIND_TRIALS} trials), bc-ur reference (peeling) decoder vs Airlock's`,
      rows: kinds,
      notes: [
        'Keystone and ur:bytes streams use the standard schedule (a peeling decoder must finish); Airlock requests the airlock schedule',
        'test/qr-third-party.test.ts asserts ≤ 1.3× / 1.8× at 10% / 30% for the reference decoder on typical sizes',
      ],
    },
    webcamTable(webcamRows),
  ]
}

/** The webcam-model scans alone (`node --import tsx bench/qr.ts webcam`). */
export async function runWebcamBench(): Promise<BenchTable[]> {
  const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
  return [webcamTable(await webcamScans(reader))]
}

function webcamTable(rows: Row[]): BenchTable {
  return {
    title: `QR transport: scans through the laptop-webcam model (Degrade.webcam), share complete within ${SCAN_LIMIT_S} s and median time`,
    rows,
    notes: [
      'camera 30 fps, every 2nd frame decoded (15 fps); the display switches frames at the sender fps; failed scans count as 30 s in the median',
      'interleaved: QrSender, sessions sparse (640×480) + sparsest (640×480 at the far end) + dense (720p), a round of 5 frames: 2 + 2 + 1 (8 KB), 3 + 1 + 1 (32 KB: the sparsest alone could not finish in 30 s); Keystone: 200 B @ 5 fps, one session',
      'px/module: camera pixels per module at the code centre, mean over the trials (sparse and sparsest sessions)',
      'targets: ≥ 95% complete; 8 KB median ≤ 5 s at 720p and ≤ 8 s at 640×480',
    ],
  }
}

const KIND_TRIALS = 31

/** Frames to completion per stream kind, for the reference decoder and Airlock's, at 0/10/30% loss. */
export function streamKinds(request: Uint8Array): Row[] {
  const keystone = (count: number) => {
    const context = SafeTx.context({
      chainId: 1,
      safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
      version: '1.4.1',
    })
    const data = `0x8d80ff0a${'ab'.repeat(130 * count)}` as const
    return EthSignRequest.encode(
      EthSignRequest.fromSafeTx({
        tx: SafeTx.from({ to: '0x9641d764fc13c8B624c04430C7356C1C7C8102e2', data, operation: 1, nonce: 1 }),
        context,
        path: "m/44'/60'/0'/0/0",
        sourceFingerprint: '73c5da0a',
        address: '0x00000000000000000000000000000000000000a1',
        requestId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
      }),
    )
  }
  const bytes = (size: number) => Degrade.randomBytes(Degrade.createRng(size), size)
  const kinds: { kind: string; type: string; message: Uint8Array; plan: QrDensity.DensityPlan }[] = []
  for (const [label, message] of [
    ['transfer', keystone(1)],
    ['20 transfers', keystone(20)],
    ['50 transfers', keystone(50)],
  ] as const) {
    kinds.push({
      kind: `Keystone eth-sign-request, ${label}`,
      type: EthSignRequest.urType,
      message,
      plan: QrDensity.keystone({ messageBytes: message.length }),
    })
  }
  for (const size of [2048, 8192, 32768]) {
    const message = bytes(size)
    kinds.push({
      kind: `ur:bytes ${size / 1024} KB (qr encode)`,
      type: 'bytes',
      message,
      plan: QrDensity.tune({ messageBytes: size, type: 'bytes' }),
    })
  }
  kinds.push({
    kind: 'airlock-sign-request (MultiSend)',
    type: SignRequest.urType,
    message: request,
    plan: QrDensity.tune({ messageBytes: request.length }),
  })
  const rows: Row[] = []
  for (const { kind, type, message, plan } of kinds) {
    const encoder = Ur.encode({ type, payload: message, maxFragmentLength: plan.maxFragmentLength })
    const n = encoder.fragmentCount
    const parts = Array.from({ length: 12 * n + 50 }, () => encoder.nextPart())
    const row: Row = { kind, schedule: Ur.scheduleFor(type), fragments: n }
    for (const loss of LOSSES) {
      for (const [name, make] of [
        ['reference', () => referenceReceiver()],
        ['airlock', () => airlockReceiver()],
      ] as const) {
        const rng = Degrade.createRng(7 * n + Math.round(loss * 100))
        const counts = Array.from({ length: loss === 0 ? 1 : KIND_TRIALS }, () => {
          const receive = make()
          for (let shown = 1; shown <= parts.length; shown++) {
            if (rng.next() < loss) continue
            if (receive(parts[shown - 1]!)) return shown
          }
          return Number.POSITIVE_INFINITY
        })
        row[`${name} ${loss * 100}%`] = median(counts) / n
      }
    }
    rows.push(row)
    process.stderr.write(`qr bench: ${kind} done\n`)
  }
  return rows
}

function referenceReceiver(): (part: string) => boolean {
  const decoder = new ReferenceDecoder()
  return (part) => {
    decoder.receivePart(part.toLowerCase())
    return decoder.isComplete()
  }
}

function airlockReceiver(): (part: string) => boolean {
  const decoder = new UrDecoder()
  return (part) => decoder.receive(part).status === 'complete'
}

const SCAN_LIMIT_S = 30
/**
 * Trials per scan row (each draws its own webcam setup): 24 for the 8 KB rows, so that one failed scan
 * in 24 still meets 95%; fewer for 32 KB and for Keystone's comparison rows, since every camera frame is
 * simulated and decoded (several minutes in all on 2 cores).
 */
const SCAN_TRIALS: Record<number, number> = { 8192: 24, 32768: 8 }
/** Keystone's rows are a comparison: a quarter of the trials. */
const KEYSTONE_SHARE = 0.25

/** Seconds until the decoder completes, filming `sender` with one webcam setup; undefined past the limit. */
async function scan(
  reader: QrReader.QrReader,
  sender: QrSender.QrSender,
  camera: Degrade.Webcam,
): Promise<number | undefined> {
  const images: Degrade.ScreenImage[] = []
  const shown = (i: number) => {
    while (images.length <= i) {
      const frame = sender.next()
      images.push(
        Degrade.screenImage(QrCode.encode(frame.text, { version: frame.version, ecLevel: frame.ecLevel })),
      )
    }
    return images[i]!
  }
  const decoder = new UrDecoder()
  for (let index = 0; index <= SCAN_LIMIT_S * camera.fps; index += 2) {
    for (const symbol of await reader.read(camera.capture({ index, displayFps: sender.fps, shown }))) {
      if (decoder.receive(symbol.text).status === 'complete') return index / camera.fps
    }
  }
  return undefined
}

/** Share complete and median time through the webcam model, per payload, resolution and sender. */
export async function webcamScans(reader: QrReader.QrReader): Promise<Row[]> {
  const rows: Row[] = []
  const cases: { label: string; bytes: number; make: (payload: Uint8Array) => QrSender.QrSender }[] = [
    {
      label: 'interleaved (QrSender)',
      bytes: 8192,
      make: (payload) => QrSender.create({ type: SignRequest.urType, payload }),
    },
    {
      label: 'interleaved (QrSender)',
      bytes: 32768,
      make: (payload) => QrSender.create({ type: SignRequest.urType, payload }),
    },
    {
      label: 'Keystone 200 B @ 5 fps',
      bytes: 8192,
      make: (payload) => QrSender.create({ type: EthSignRequest.urType, payload }),
    },
  ]
  for (const { label, bytes, make } of cases) {
    const payload = Degrade.randomBytes(Degrade.createRng(bytes), bytes)
    for (const [width, height] of [
      [640, 480],
      [1280, 720],
    ] as const) {
      const trials = SCAN_TRIALS[bytes]! * (label.startsWith('Keystone') ? KEYSTONE_SHARE : 1)
      const times: number[] = []
      let complete = 0
      let pixels = 0
      let farPixels = 0
      for (let trial = 0; trial < trials; trial++) {
        const sender = make(payload)
        const camera = Degrade.webcam({ rng: Degrade.createRng(9000 + trial), width, height })
        const sparsest = sender.plans.sparsest ?? sender.plans.sparse
        pixels += camera.pixelsPerModule(17 + 4 * sender.plans.sparse.version + 8) / trials
        farPixels += camera.pixelsPerModule(17 + 4 * sparsest.version + 8) / trials
        const seconds = await scan(reader, sender, camera)
        if (seconds !== undefined) complete += 1
        times.push(seconds ?? SCAN_LIMIT_S)
      }
      const { sparse, sparsest, dense } = make(payload).plans
      const plans = [sparse, sparsest, dense].filter((plan) => plan !== undefined)
      rows.push({
        case: label,
        'payload B': bytes,
        camera: `${width}×${height}`,
        QR: plans.map((plan) => `v${plan.version}`).join(' + '),
        fragments: plans.map((plan) => plan.fragmentCount).join(' + '),
        'px/module (sparse)': pixels,
        'px/module (sparsest)': farPixels,
        trials,
        'complete %': (100 * complete) / trials,
        'median s': median(times),
      })
      process.stderr.write(
        `qr bench: webcam ${label} ${bytes} B ${width}×${height}: ${complete}/${trials} complete, median ${median(times).toFixed(1)} s\n`,
      )
    }
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `webcam`: only the webcam-model scans (the slow part), e.g. after a change to QrSender.
  const tables = process.argv[2] === 'webcam' ? await runWebcamBench() : await runQrBench()
  for (const table of tables) process.stdout.write(`${format(table)}\n`)
}
