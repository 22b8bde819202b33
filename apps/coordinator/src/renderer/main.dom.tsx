// The coordinator window: Safes, Compose, Queue, QR (out and in), Sentry, Service over the preload API. It
// holds view models only; every check and every number shown was computed by the engines in main.
import { StrictMode, useCallback, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import type { ErrorView, StatusView } from '../api.ts'
import { api, call, errorOf } from './api.dom.ts'
import { ComposeScreen } from './compose.dom.tsx'
import { QrScreen, ScanScreen } from './qr.dom.tsx'
import { QueueScreen } from './queue.dom.tsx'
import { SafesScreen } from './safes.dom.tsx'
import { SentryScreen } from './sentry.dom.tsx'
import { ServiceScreen } from './service.dom.tsx'
import './styles.css'

export type Screen = 'safes' | 'compose' | 'queue' | 'qr' | 'scan' | 'sentry' | 'service'

const screens: readonly { id: Screen; label: string }[] = [
  { id: 'safes', label: 'Safes' },
  { id: 'compose', label: 'Compose' },
  { id: 'queue', label: 'Queue' },
  { id: 'qr', label: 'QR out' },
  { id: 'scan', label: 'Scan answers' },
  { id: 'sentry', label: 'Sentry' },
  { id: 'service', label: 'Service' },
]

export type Navigate = (screen: Screen, actionId?: string | undefined) => void

function App() {
  const [screen, setScreen] = useState<Screen>(() => (location.hash.slice(1) as Screen) || 'safes')
  const [actionId, setActionId] = useState<string | undefined>()
  const [status, setStatus] = useState<StatusView | undefined>()
  const [error, setError] = useState<ErrorView | undefined>()

  const navigate: Navigate = useCallback((next, id) => {
    if (id !== undefined) setActionId(id)
    setScreen(next)
    location.hash = next
  }, [])

  // The chain clock and the queue's revision, once a second: delays count down by chain time, and a
  // teammate's change (team mode) shows up without a reload.
  useEffect(() => {
    let stop = false
    const tick = async () => {
      try {
        const next = await call(api.status())
        if (!stop) {
          setStatus(next)
          setError(undefined)
        }
      } catch (e) {
        if (!stop) setError(errorOf(e))
      }
    }
    void tick()
    const timer = setInterval(tick, 1000)
    return () => {
      stop = true
      clearInterval(timer)
    }
  }, [])

  return (
    <>
      <header className="top">
        <span className="brand">Airlock coordinator</span>
        <nav aria-label="Screens">
          {screens.map((s) => (
            <button
              key={s.id}
              type="button"
              className={s.id === screen ? 'tab active' : 'tab'}
              aria-current={s.id === screen ? 'page' : undefined}
              onClick={() => navigate(s.id)}
            >
              {s.label}
            </button>
          ))}
        </nav>
        <output className="status" aria-live="polite" data-testid="status">
          {status
            ? `chain ${status.chainId} · block ${status.blockNumber} · ${new Date(status.chainTime * 1000).toISOString().slice(0, 19).replace('T', ' ')} (chain time) · ${status.queue === 'postgres' ? 'team queue' : 'local queue'} · policy v${status.bundle.version} · ${status.operator}`
            : 'connecting…'}
        </output>
      </header>
      <main>
        {error && (
          <p role="alert" className="error">
            {error.message} {error.hint}
          </p>
        )}
        {screen === 'safes' && <SafesScreen revision={status?.revision} />}
        {screen === 'compose' && <ComposeScreen navigate={navigate} assets={status?.assets ?? []} />}
        {screen === 'queue' && <QueueScreen navigate={navigate} status={status} />}
        {screen === 'qr' && <QrScreen actionId={actionId} navigate={navigate} />}
        {screen === 'scan' && <ScanScreen navigate={navigate} actionId={actionId} />}
        {screen === 'sentry' && <SentryScreen navigate={navigate} />}
        {screen === 'service' && <ServiceScreen navigate={navigate} revision={status?.revision} />}
      </main>
    </>
  )
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
