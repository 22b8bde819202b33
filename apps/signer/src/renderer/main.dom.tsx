// The signer window: six screens over the preload API. It holds view models only: no key, no log,
// no policy; every decision shown here was made by the engine in main.
import { StrictMode, useCallback, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import type { DeviceChoice, ReviewResult, SignView, StatusView } from '../api.ts'
import { api } from './api.dom.ts'
import { AnswerScreen, ScanScreen, SignScreen } from './flow.dom.tsx'
import { MessageScreen } from './message.dom.tsx'
import { LogScreen, PolicyScreen } from './records.dom.tsx'
import { ReviewScreen } from './review.dom.tsx'
import './styles.css'

export type Screen = 'scan' | 'review' | 'sign' | 'answer' | 'log' | 'policy'

const screens: readonly { id: Screen; label: string }[] = [
  { id: 'scan', label: 'Scan' },
  { id: 'review', label: 'Review' },
  { id: 'sign', label: 'Sign' },
  { id: 'answer', label: 'Answer' },
  { id: 'log', label: 'Log' },
  { id: 'policy', label: 'Policy' },
]

function App() {
  const [screen, setScreen] = useState<Screen>('scan')
  const [status, setStatus] = useState<StatusView | undefined>()
  const [device, setDevice] = useState<DeviceChoice>('ledger')
  const [ack, setAck] = useState(false)
  const [review, setReview] = useState<ReviewResult | undefined>()
  const [signed, setSigned] = useState<SignView | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [hasRequest, setHasRequest] = useState(false)
  // The last scan carried a Safe message request (EIP-1271), not a transaction.
  const [message, setMessage] = useState(false)

  const refreshStatus = useCallback(() => {
    api()
      .status()
      .then(setStatus)
      .catch((e: Error) => setError(e.message))
  }, [])
  useEffect(refreshStatus, [refreshStatus])

  const runReview = useCallback(async (choice: DeviceChoice, acknowledge: boolean) => {
    setError(undefined)
    setSigned(undefined)
    try {
      setReview(await api().review({ device: choice, acknowledgeReplacement: acknowledge }))
    } catch (e) {
      setError((e as Error).message)
    }
  }, [])

  const go = (next: Screen) => {
    setScreen(next)
    // Move focus to the new screen's heading, so keyboard and screen-reader users land on it.
    requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus())
  }

  const onScanned = async () => {
    setHasRequest(true)
    setAck(false)
    const isMessage = await api().messagePending()
    setMessage(isMessage)
    if (isMessage) {
      refreshStatus()
      go('review')
      return
    }
    await runReview(device, false)
    refreshStatus()
    go('review')
  }

  return (
    <div className="app">
      <header className="bar">
        <span className="brand">Airlock Signer</span>
        <nav aria-label="Screens">
          <ul>
            {screens.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  aria-current={screen === s.id ? 'page' : undefined}
                  onClick={() => go(s.id)}
                >
                  {s.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <AirGapBanner status={status} />
      <main>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {screen === 'scan' && <ScanScreen expect="request" onComplete={onScanned} />}
        {screen === 'review' && message && (
          <MessageScreen status={status} device={device} onDevice={setDevice} onSigned={refreshStatus} />
        )}
        {screen === 'review' && !message && (
          <ReviewScreen
            result={hasRequest ? review : undefined}
            status={status}
            device={device}
            acknowledged={ack}
            onDevice={(d) => {
              setDevice(d)
              void runReview(d, ack)
            }}
            onAcknowledge={(a) => {
              setAck(a)
              void runReview(device, a)
            }}
            onContinue={() => go('sign')}
          />
        )}
        {screen === 'sign' && (
          <SignScreen
            review={review?.status === 'reviewed' ? review.review : undefined}
            device={device}
            acknowledged={ack}
            result={signed}
            onResult={(r) => {
              setSigned(r)
              refreshStatus()
            }}
            onAnswer={() => go('answer')}
          />
        )}
        {screen === 'answer' && <AnswerScreen signed={signed} />}
        {screen === 'log' && <LogScreen />}
        {screen === 'policy' && <PolicyScreen onInstalled={refreshStatus} />}
      </main>
    </div>
  )
}

function AirGapBanner({ status }: { status: StatusView | undefined }) {
  if (!status) return null
  const { airGap, policy } = status
  const policyText = policy ? `Policy version ${policy.version}` : 'No policy installed'
  if (airGap.override) {
    return (
      <p className="banner danger" role="status" data-testid="air-gap">
        AIR-GAP OVERRIDE: started with the override, signing is allowed while connected
        {airGap.up.length > 0 ? ` (${airGap.up.join(', ')})` : ''}. {policyText}.
      </p>
    )
  }
  if (!airGap.isolated) {
    return (
      <p className="banner danger" role="status" data-testid="air-gap">
        Network interfaces are up ({airGap.up.join(', ')}): signing is refused until they are off.{' '}
        {policyText}.
      </p>
    )
  }
  return (
    <p className="banner ok" role="status" data-testid="air-gap">
      Air-gapped: no network interface is up. {policyText}.
    </p>
  )
}

const root = document.getElementById('root')
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
