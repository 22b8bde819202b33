// QR out: the request full screen, density and speed adjustable, the auto-tuned plan by default.
// Scan: the signers' answers from the webcam (progress per frame) or from files.
import { type InvalidImageError, Png } from '@airlock/transport/images'
import { useCallback, useEffect, useRef, useState } from 'react'
import type { ErrorView, QrView, ScanView } from '../api.ts'
import { api, call, errorOf } from './api.dom.ts'
import { pixels, readQr } from './camera.dom.ts'
import type { Navigate } from './main.dom.tsx'

export function QrScreen({ actionId, navigate }: { actionId: string | undefined; navigate: Navigate }) {
  const [view, setView] = useState<QrView | undefined>()
  const [error, setError] = useState<ErrorView | undefined>()
  const [frame, setFrame] = useState(0)
  const [full, setFull] = useState(false)
  const [density, setDensity] = useState<{ fragmentBytes?: number | undefined; fps?: number | undefined }>({})

  useEffect(() => {
    if (!actionId) return
    call(api.qrFrames({ actionId, ...density })).then(
      (next) => {
        setView(next)
        setFrame(0)
      },
      (e) => setError(errorOf(e)),
    )
  }, [actionId, density])

  useEffect(() => {
    if (!view || view.frames.length < 2) return
    const timer = setInterval(() => setFrame((f) => (f + 1) % view.frames.length), 1000 / view.fps)
    return () => clearInterval(timer)
  }, [view])

  if (!actionId) {
    return (
      <section aria-labelledby="qr-title">
        <h1 id="qr-title">QR out</h1>
        <p>
          Pick an action in the{' '}
          <button type="button" onClick={() => navigate('queue')}>
            Queue
          </button>{' '}
          to show its request.
        </p>
      </section>
    )
  }
  return (
    <section aria-labelledby="qr-title" className={full ? 'qr-full' : undefined}>
      <h1 id="qr-title">QR out</h1>
      {error && (
        <p role="alert" className="error">
          {error.message} {error.hint}
        </p>
      )}
      {view && (
        <>
          <figure className="qr">
            <img
              src={view.frames[frame]}
              alt={`Signing request, frame ${frame + 1} of ${view.frames.length}`}
              data-testid="qr-frame"
              data-frame={frame}
            />
            <figcaption>
              {view.fragmentCount} fragment(s) of {view.fragmentBytes} bytes · QR version {view.version}-
              {view.ecLevel} · {view.fps} fps · about {view.expectedSeconds.toFixed(1)} s to scan
            </figcaption>
          </figure>
          <div className="controls">
            <label>
              Density (bytes per frame)
              <input
                type="number"
                min={10}
                step={10}
                value={density.fragmentBytes ?? view.fragmentBytes}
                onChange={(e) => setDensity({ ...density, fragmentBytes: Number(e.target.value) })}
              />
            </label>
            <label>
              Speed (frames per second)
              <input
                type="number"
                min={1}
                max={30}
                value={density.fps ?? view.fps}
                onChange={(e) => setDensity({ ...density, fps: Number(e.target.value) })}
              />
            </label>
            <button type="button" onClick={() => setDensity({})}>
              Auto ({view.auto.fragmentBytes} bytes, {view.auto.fps} fps)
            </button>
            <button type="button" onClick={() => setFull(!full)}>
              {full ? 'Leave full screen' : 'Full screen'}
            </button>
            <button type="button" className="primary" onClick={() => navigate('scan', actionId)}>
              Scan the answers
            </button>
          </div>
        </>
      )}
    </section>
  )
}

export function ScanScreen({ navigate, actionId }: { navigate: Navigate; actionId: string | undefined }) {
  const video = useRef<HTMLVideoElement>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const [camera, setCamera] = useState<'starting' | 'on' | 'off'>('starting')
  const [progress, setProgress] = useState<ScanView | undefined>()
  const [results, setResults] = useState<ScanView[]>([])
  const [error, setError] = useState<ErrorView | undefined>()

  const receive = useCallback(
    async (text: string) => {
      const view = await call(api.scanPart({ part: text, actionId }))
      if (view.status === 'progress') setProgress(view)
      else {
        setProgress(undefined)
        setResults((prev) => [view, ...prev])
      }
    },
    [actionId],
  )

  useEffect(() => {
    let stream: MediaStream | undefined
    let stop = false
    let last = ''
    void call(api.scanReset())
    navigator.mediaDevices
      ?.getUserMedia({ video: { width: 640, height: 480 }, audio: false })
      .then(async (s) => {
        stream = s
        const v = video.current
        if (!v || stop) return
        v.srcObject = s
        await v.play()
        setCamera('on')
        while (!stop) {
          const image = canvas.current && pixels(canvas.current, v, v.videoWidth, v.videoHeight)
          if (image) {
            for (const text of await readQr(image)) {
              // The same frame is seen many times while it is shown: send each part once in a row.
              if (text !== last) {
                last = text
                await receive(text).catch((e) => setError(errorOf(e)))
              }
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 60))
        }
      })
      .catch(() => setCamera('off'))
    return () => {
      stop = true
      for (const track of stream?.getTracks() ?? []) track.stop()
    }
  }, [receive])

  const importFiles = async (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      if (file.type.startsWith('image/')) {
        try {
          // Checked before the browser decodes it: a small file can declare a huge image or be a
          // decompression bomb; only PNG is imported.
          await Png.checkFile(file)
        } catch (cause) {
          const { name, shortMessage, hint } = cause as InvalidImageError
          setError({ name, message: shortMessage ?? String(cause), hint })
          continue
        }
        const bitmap = await createImageBitmap(file)
        const image = canvas.current && pixels(canvas.current, bitmap, bitmap.width, bitmap.height)
        for (const text of image ? await readQr(image) : []) await receive(text)
      } else {
        for (const line of (await file.text()).split(/\s+/).filter((l) => l.toLowerCase().startsWith('ur:')))
          await receive(line)
      }
    }
  }

  return (
    <section aria-labelledby="scan-title">
      <h1 id="scan-title">Scan answers</h1>
      <div className="scan">
        <video ref={video} muted playsInline aria-label="Camera" />
        <canvas ref={canvas} hidden />
      </div>
      <p role="status" data-testid="scan-status">
        {camera === 'starting' && 'Starting the camera…'}
        {camera === 'off' && 'No camera: import the answers as files.'}
        {camera === 'on' &&
          (progress?.status === 'progress'
            ? `Receiving an answer: ${progress.percent}% (${progress.parts} frames)`
            : 'Hold a signer’s answer QR in front of the camera.')}
      </p>
      {progress?.status === 'progress' && (
        <progress max={100} value={progress.percent} aria-label="Answer received" />
      )}
      <label>
        Import answers (QR images or UR text files)
        <input
          type="file"
          multiple
          accept="image/*,.txt,.ur"
          onChange={(e) => void importFiles(e.target.files)}
        />
      </label>
      {error && (
        <p role="alert" className="error">
          {error.message} {error.hint}
        </p>
      )}
      <ul className="results" data-testid="scan-results">
        {results.map((r, i) =>
          r.status === 'rejected' ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: results are append-only
            <li key={i} className="error">
              Rejected: {r.error.message} {r.error.hint}
            </li>
          ) : r.status === 'progress' ? null : (
            // biome-ignore lint/suspicious/noArrayIndexKey: results are append-only
            <li key={i} className="ok">
              {r.status === 'added' ? 'Added' : 'Already had'} the{' '}
              {r.kind === 'approval-attestation' ? 'attestation' : 'signature'} of {r.label ?? r.signer}
              {r.alerts?.map((a) => (
                <strong key={a.code + a.message} className="error" role="alert">
                  {' '}
                  ALERT {a.code}: {a.message}
                </strong>
              ))}
            </li>
          ),
        )}
      </ul>
      <button type="button" onClick={() => navigate('queue')}>
        Back to the queue
      </button>
    </section>
  )
}
