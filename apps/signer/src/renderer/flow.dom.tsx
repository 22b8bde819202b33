// Scan, Sign and Answer: the request in through the camera, the signature out as a QR code.
import { QrCode } from '@airlock/transport/images'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { AnswerView, Density, DeviceChoice, ReviewView, ScanKind, ScanView, SignView } from '../api.ts'
import { api } from './api.dom.ts'
import { qrReader, readFrame } from './camera.dom.ts'

export function ScanScreen({
  expect,
  onComplete,
  embedded = false,
}: {
  expect: ScanKind
  onComplete: () => void
  /** Inside another screen (Policy): a section with an h2 instead of the screen's h1. */
  embedded?: boolean
}) {
  const video = useRef<HTMLVideoElement>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const [view, setView] = useState<ScanView | undefined>()
  const [camera, setCamera] = useState<'starting' | 'on' | 'off'>('starting')
  const [cameraError, setCameraError] = useState<string | undefined>()
  const what = { request: 'signing request', policy: 'policy bundle', keystone: 'Keystone signature' }[expect]
  // The latest callback, without restarting the camera when the parent re-renders.
  const done = useRef(onComplete)
  done.current = onComplete

  useEffect(() => {
    let running = true
    let stream: MediaStream | undefined
    const start = async () => {
      // Warm the decoder before the camera permission resolves.
      void qrReader()
      setView(await api().scanStart({ expect }))
      try {
        // The decoder compiles while the camera starts.
        const [, media] = await Promise.all([
          qrReader(),
          navigator.mediaDevices.getUserMedia({ video: true, audio: false }),
        ])
        stream = media
        if (!running || !video.current) return
        video.current.srcObject = stream
        await video.current.play()
        setCamera('on')
        // For the benchmark: renderer cold start to a scanning camera.
        performance.mark('airlock:scan-ready')
      } catch (e) {
        setCamera('off')
        setCameraError(`The camera could not start (${(e as Error).name}). Import a file instead.`)
        return
      }
      while (running && video.current && canvas.current) {
        const frame = await readFrame(video.current, canvas.current)
        if (!running) break
        const next = await api().scanFrame(frame)
        setView(next)
        if (next.complete) {
          running = false
          done.current()
          break
        }
        await new Promise((r) => setTimeout(r, 15))
      }
    }
    void start()
    return () => {
      running = false
      for (const track of stream?.getTracks() ?? []) track.stop()
    }
  }, [expect])

  const onFile = async (file: File | undefined) => {
    if (!file) return
    const next = await api().importText({ expect, text: await file.text() })
    setView(next)
    if (next.complete) onComplete()
  }

  const Heading = embedded ? 'h2' : 'h1'
  return (
    <section aria-labelledby={`scan-${expect}`} data-scan-ready={camera === 'on' ? 'true' : 'false'}>
      <Heading id={`scan-${expect}`} tabIndex={-1}>
        Scan the {what}
      </Heading>
      <p>
        Hold the {expect === 'keystone' ? "Keystone's" : "coordinator's"} code in front of the camera, or
        import a file of its parts.
      </p>
      <div className="camera">
        {/* The live camera picture: no audio track, so no captions apply. */}
        <video ref={video} muted playsInline aria-label="Camera picture" />
        <canvas ref={canvas} hidden />
      </div>
      <p data-testid="camera-state">
        Camera: {camera === 'on' ? 'on' : camera === 'off' ? 'off' : 'starting…'}
      </p>
      {cameraError && <p className="error">{cameraError}</p>}
      {view && (
        <div className="progress-block">
          <label htmlFor={`scan-progress-${expect}`}>
            Parts received: {view.received} of {view.needed || '?'} ({view.percent}%)
          </label>
          <progress id={`scan-progress-${expect}`} max={100} value={view.percent} />
          <p data-testid="scan-counts">
            Frames seen {view.framesSeen}, unreadable {view.framesUnreadable}, unusable {view.framesUnusable}
          </p>
          <ul aria-live="polite" className="hints" aria-label="Scanning hints">
            {view.hints.map((h) => (
              <li key={h.hint} data-hint={h.hint}>
                {h.message}
              </li>
            ))}
          </ul>
          {view.error && (
            <p role="alert" className="error">
              {view.error.message} {view.error.hint}
            </p>
          )}
          {view.complete && <p role="status">The {what} is complete.</p>}
        </div>
      )}
      <p>
        <label htmlFor={`import-${expect}`}>Import the {what} from a file</label>{' '}
        <input
          id={`import-${expect}`}
          type="file"
          accept=".txt,.ur,.json"
          onChange={(e) => void onFile(e.target.files?.[0])}
        />
      </p>
    </section>
  )
}

const deviceName: Record<DeviceChoice, string> = {
  ledger: 'Ledger',
  keystone: 'Keystone',
  software: 'software test key',
}

export function SignScreen({
  review,
  device,
  acknowledged,
  result,
  onResult,
  onAnswer,
}: {
  review: ReviewView | undefined
  device: DeviceChoice
  acknowledged: boolean
  result: SignView | undefined
  onResult: (result: SignView) => void
  onAnswer: () => void
}) {
  const [busy, setBusy] = useState(false)
  if (!review) {
    return (
      <section aria-labelledby="sign-title">
        <h1 id="sign-title" tabIndex={-1}>
          Sign
        </h1>
        <p>Scan and review a request first.</p>
      </section>
    )
  }
  const what =
    review.verdict === 'attest' ? 'approval attestation (round 1, not a Safe signature)' : 'Safe signature'
  const sign = async () => {
    setBusy(true)
    try {
      onResult(await api().sign({ device, acknowledgeReplacement: acknowledged }))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="sign-title">
      <h1 id="sign-title" tabIndex={-1}>
        Sign with the {deviceName[device]}
      </h1>
      {review.verdict === 'refuse' ? (
        <div className="refused" role="alert">
          <p>This request is refused. There is nothing to sign.</p>
          <ul>
            {review.refusals.map((r) => (
              <li key={`${r.source}:${r.code}`}>
                <strong>{r.code}</strong>: {r.message}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <>
          <p>
            This releases a {what} for safeTxHash <code className="hash">{review.hashes.safeTxHash}</code>.
          </p>
          <h2>On the device</h2>
          <DevicePrompt review={review} device={device} />
          <button type="button" className="primary" onClick={() => void sign()} disabled={busy}>
            {review.verdict === 'attest' ? 'Attest' : 'Sign'} with the {deviceName[device]}
          </button>
          {busy && (
            <p role="status">
              Waiting for the {deviceName[device]}… <progress aria-label="Signing" />
            </p>
          )}
        </>
      )}
      {result?.status === 'keystone-requested' ? (
        <KeystoneTrip
          asked={result}
          onAnswered={async () =>
            onResult(await api().completeKeystone({ acknowledgeReplacement: acknowledged }))
          }
        />
      ) : (
        result && <SignOutcome result={result} onAnswer={onAnswer} onRetry={() => void sign()} />
      )}
    </section>
  )
}

function DevicePrompt({ review, device }: { review: ReviewView; device: DeviceChoice }) {
  switch (device) {
    case 'ledger':
      return (
        <ol>
          <li>Connect the Ledger, unlock it and open the Ethereum app.</li>
          <li>
            It shows the domain hash <code className="hash">{review.hashes.domainHash}</code> and the message
            hash <code className="hash">{review.hashes.messageHash}</code>: compare both, character by
            character.
          </li>
          <li>Approve on the device only if they match.</li>
        </ol>
      )
    case 'keystone':
      return (
        <ol>
          <li>Press the button below: this screen shows a code for the Keystone.</li>
          <li>Scan it with the Keystone, check what it shows against this review, and approve on it.</li>
          <li>Then hold the Keystone's signature code in front of this laptop's camera.</li>
        </ol>
      )
    case 'software':
      return <p>The software test key signs at once, without a device prompt (test setups only).</p>
    default: {
      const never: never = device
      return never
    }
  }
}

function SignOutcome({
  result,
  onAnswer,
  onRetry,
}: {
  result: SignView
  onAnswer: () => void
  onRetry: () => void
}) {
  switch (result.status) {
    case 'released':
      return (
        <div className="ok-box" role="status" data-testid="sign-outcome">
          <p>
            {result.kind === 'approval-attestation' ? 'Approval attestation' : 'Safe signature'} by{' '}
            {result.signer} released and logged.
          </p>
          <button type="button" className="primary" onClick={onAnswer}>
            Show the answer QR
          </button>
        </div>
      )
    case 'refused':
      return (
        <div className="refused" role="alert" data-testid="sign-outcome">
          <p>Refused by the signer:</p>
          <ul>
            {result.refusals.map((r) => (
              <li key={`${r.source}:${r.code}`}>
                <strong>{r.code}</strong>: {r.message}
              </li>
            ))}
          </ul>
        </div>
      )
    case 'device-error':
      return (
        <div className={`device-outcome ${result.outcome.severity}`} role="alert" data-testid="sign-outcome">
          <p>
            Device outcome <strong>{result.outcome.code}</strong>: {result.outcome.message}
          </p>
          <p>What to do: {result.outcome.hint}</p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      )
    case 'air-gap':
      return (
        <p className="refused" role="alert" data-testid="sign-outcome">
          {result.message}
        </p>
      )
    case 'keystone-requested':
      return null
    default: {
      const never: never = result
      return never
    }
  }
}

// Keystone: the request as a code for the Keystone, then its signature scanned back.
function KeystoneTrip({
  asked,
  onAnswered,
}: {
  asked: Extract<SignView, { status: 'keystone-requested' }>
  onAnswered: () => Promise<void>
}) {
  return (
    <div data-testid="keystone-request">
      <h2>1. Show this to the Keystone</h2>
      <p>
        {asked.kind === 'approval-attestation'
          ? 'The approval attestation (round 1)'
          : 'The Safe transaction'}
        , to be signed by <code>{asked.owner}</code> at {asked.path}. Request {asked.requestId}.
      </p>
      <AnimatedQr view={asked.show} label="Keystone request QR code" testId="keystone-qr" />
      <ScanScreen expect="keystone" embedded onComplete={() => void onAnswered()} />
    </div>
  )
}

export function AnimatedQr({ view, label, testId }: { view: AnswerView; label: string; testId: string }) {
  const [fps, setFps] = useState(view.fps)
  const [index, setIndex] = useState(0)
  useEffect(() => {
    setFps(view.fps)
    setIndex(0)
  }, [view])
  useEffect(() => {
    if (view.frames.length < 2) return
    const timer = setInterval(() => setIndex((i) => (i + 1) % view.frames.length), 1000 / fps)
    return () => clearInterval(timer)
  }, [view, fps])
  const frame = index % view.frames.length
  // Drawn here from main's text and layout: a few milliseconds a frame, no image crosses IPC.
  const src = useMemo(() => {
    const shown = view.frames[frame]
    if (!shown) return ''
    const qr = QrCode.encode(shown.part, { ecLevel: shown.ecLevel, version: shown.version })
    return `data:image/svg+xml;base64,${btoa(QrCode.toSvg(qr, { scale: 8, margin: 4 }))}`
  }, [view, frame])
  return (
    <>
      <p data-testid={`${testId}-sessions`}>{sessionsText(view)}</p>
      <div className="qr">
        <img data-testid={testId} src={src} alt={`${label}, frame ${frame + 1} of ${view.frames.length}`} />
      </div>
      <div className="controls">
        <label htmlFor={`${testId}-speed`}>Speed: {fps} frames per second</label>
        <input
          id={`${testId}-speed`}
          type="range"
          min={1}
          max={Math.max(10, view.fps)}
          value={fps}
          onChange={(e) => setFps(Number(e.target.value))}
        />
      </div>
    </>
  )
}

// What the frames carry, in words: one static code, one stream, or two interleaved sessions.
const audience: Record<AnswerView['sessions'][number]['session'], string> = {
  dense: 'for a 720p camera',
  sparse: 'for a 640×480 camera',
  sparsest: 'for a far or blurry camera',
  single: '',
}

function sessionsText(view: AnswerView): string {
  const one = (s: AnswerView['sessions'][number]) =>
    `version ${s.version}, ${s.fragments} parts of ${s.fragmentBytes} bytes`
  const [single, ...more] = view.sessions
  if (!single) return ''
  if (view.frames.length === 1) return `One static code (QR version ${single.version}): nothing to animate.`
  if (more.length === 0) return `One stream: ${one(single)}.`
  // Densest first, as the reader thinks of them.
  const order = ['dense', 'sparse', 'sparsest', 'single']
  const streams = [...view.sessions]
    .sort((a, b) => order.indexOf(a.session) - order.indexOf(b.session))
    .map((s) => `${s.session} (${one(s)}) ${audience[s.session]}`.trim())
  return `${view.sessions.length} streams of the same message, interleaved: ${streams.join(', ')}. Any one completes it.`
}

export function AnswerScreen({ signed }: { signed: SignView | undefined }) {
  const [density, setDensity] = useState<Density>('medium')
  const [view, setView] = useState<AnswerView | undefined>()
  const [error, setError] = useState<string | undefined>()
  const released = signed?.status === 'released'

  useEffect(() => {
    if (!released) return
    api()
      .answer({ density })
      .then(setView)
      .catch((e: Error) => setError(e.message))
  }, [density, released])

  return (
    <section aria-labelledby="answer-title">
      <h1 id="answer-title" tabIndex={-1}>
        Answer
      </h1>
      {!released && <p>Nothing was signed in this session yet.</p>}
      {error && <p className="error">{error}</p>}
      {view && (
        <>
          <p>
            Show this code to the coordinator's camera: the{' '}
            {view.kind === 'approval-attestation' ? 'approval attestation' : 'Safe signature'}.
          </p>
          <AnimatedQr view={view} label="Answer QR code" testId="answer-qr" />
          <div className="controls">
            <label htmlFor="density">Density</label>
            <select id="density" value={density} onChange={(e) => setDensity(e.target.value as Density)}>
              <option value="dense">Dense (fewer frames, needs a sharp camera close by)</option>
              <option value="medium">Medium (sized for laptop webcams)</option>
              <option value="sparse">Sparse (bigger modules, reads from further away)</option>
            </select>
          </div>
          <details>
            <summary>UR parts ({view.parts.length})</summary>
            <ol className="parts">
              {view.parts.map((p) => (
                <li key={p}>
                  <code>{p}</code>
                </li>
              ))}
            </ol>
          </details>
        </>
      )}
    </section>
  )
}
