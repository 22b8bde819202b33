// Sentry: the rules edited here (JSON, format in the README), alerts in units, and one click from an
// alert to the guardian's pause request QR.
import { useEffect, useState } from 'react'
import type { ComposeView, ErrorView, SentryView } from '../api.ts'
import { api, call, errorOf } from './api.dom.ts'
import { Foresight } from './compose.dom.tsx'
import type { Navigate } from './main.dom.tsx'

export function SentryScreen({ navigate }: { navigate: Navigate }) {
  const [view, setView] = useState<SentryView | undefined>()
  const [rules, setRules] = useState('')
  const [error, setError] = useState<ErrorView | undefined>()
  const [pause, setPause] = useState<ComposeView | undefined>()
  const [saved, setSaved] = useState(false)

  useEffect(() => {
    call(api.sentryRules()).then(
      (next) => {
        setView(next)
        setRules(next.rules)
      },
      (e) => setError(errorOf(e)),
    )
  }, [])

  const run = async (action: () => Promise<SentryView>) => {
    setError(undefined)
    try {
      setView(await action())
    } catch (e) {
      setError(errorOf(e))
    }
  }

  return (
    <section aria-labelledby="sentry-title">
      <h1 id="sentry-title">Sentry</h1>
      <div className="card">
        <label>
          Rules (JSON: {'{ "rules": [ { "id", "kind": "max-drop" | "at-least", … } ] }'})
          <textarea
            value={rules}
            rows={10}
            onChange={(e) => {
              setRules(e.target.value)
              setSaved(false)
            }}
            name="rules"
            spellCheck={false}
          />
        </label>
        <div className="actions">
          <button
            type="button"
            onClick={() =>
              void run(async () => {
                const next = await call(api.saveSentryRules({ rules }))
                setSaved(true)
                return next
              })
            }
          >
            Save rules
          </button>
          <button type="button" className="primary" onClick={() => void run(() => call(api.sentryCheck()))}>
            Check now
          </button>
          {saved && <span role="status">Saved.</span>}
        </div>
      </div>
      {error && (
        <p role="alert" className="error">
          {error.message} {error.hint}
        </p>
      )}
      <h2>Alerts</h2>
      {view && view.alerts.length === 0 && <p>No alert.</p>}
      <ul className="alerts" data-testid="alerts">
        {view?.alerts.map((alert) => (
          <li key={alert.id} className="card alert">
            <p>
              <strong>Block {alert.blockNumber}</strong>
            </p>
            <ul>
              {alert.breaches.map((b) => (
                <li key={b.ruleId}>{b.message}</li>
              ))}
            </ul>
            <button
              type="button"
              className="primary danger"
              onClick={() =>
                void call(api.pauseFromAlert({ alertId: alert.id })).then(setPause, (e) =>
                  setError(errorOf(e)),
                )
              }
            >
              Pause now (guardian)
            </button>
          </li>
        ))}
      </ul>
      {pause && <Foresight view={pause} navigate={navigate} />}
    </section>
  )
}
