// Safes: owners with labels, threshold, nonce, version, balances, modules, guard, fallback handler,
// and where the chain drifted from the org config (highlighted).
import { useEffect, useState } from 'react'
import type { ErrorView, SafeView } from '../api.ts'
import { api, call, errorOf } from './api.dom.ts'

export function SafesScreen({ revision }: { revision: number | undefined }) {
  const [safes, setSafes] = useState<SafeView[] | undefined>()
  const [error, setError] = useState<ErrorView | undefined>()
  useEffect(() => {
    void revision
    call(api.safes()).then(setSafes, (e) => setError(errorOf(e)))
  }, [revision])
  return (
    <section aria-labelledby="safes-title">
      <h1 id="safes-title">Safes</h1>
      {error && (
        <p role="alert" className="error">
          {error.message} {error.hint}
        </p>
      )}
      {!safes && !error && <p>Reading the chain…</p>}
      {safes?.map((safe) => (
        <article key={safe.address} className="card" aria-label={`Safe ${safe.name}`}>
          <h2>
            {safe.name} <span className="badge">{safe.role}</span>
          </h2>
          {safe.drift.length > 0 && (
            <ul className="drift" aria-label="Drift from the org config">
              {safe.drift.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          )}
          <dl className="facts">
            <dt>Address</dt>
            <dd className="mono">{safe.address}</dd>
            <dt>Version</dt>
            <dd>{safe.version}</dd>
            <dt>Threshold</dt>
            <dd>
              {safe.threshold} of {safe.owners.length}
            </dd>
            <dt>Nonce</dt>
            <dd>{safe.nonce}</dd>
            <dt>Balances</dt>
            <dd>
              {safe.balances.map((b) => (
                <span key={b.asset} className="amount">
                  {b.amount} {b.asset}
                </span>
              ))}
            </dd>
            <dt>Modules</dt>
            <dd>{safe.modules.length === 0 ? 'none' : safe.modules.join(', ')}</dd>
            <dt>Guard</dt>
            <dd className="mono">{isZero(safe.guard) ? 'none' : safe.guard}</dd>
            <dt>Fallback handler</dt>
            <dd className="mono">{isZero(safe.fallbackHandler) ? 'none' : safe.fallbackHandler}</dd>
          </dl>
          <h3>Owners</h3>
          <ul className="owners">
            {safe.owners.map((o) => (
              <li key={o.address}>
                <span className="mono">{o.address}</span>{' '}
                {o.label && <span className="label">{o.label}</span>}
              </li>
            ))}
          </ul>
        </article>
      ))}
    </section>
  )
}

const isZero = (address: string) => /^0x0{40}$/i.test(address)
