// Queue: every action with its tier, what it still needs, the delay as a countdown by chain time,
// nonce conflicts and replacements, and the history; Execute runs a fresh simulation first, and
// Check shows the exact execTransaction calldata and its keccak256 before anything is sent.
import { useEffect, useState } from 'react'
import type { ActionView, ErrorView, ExecuteView, ExecutionCheckView, QueueView, StatusView } from '../api.ts'
import { api, call, errorOf } from './api.dom.ts'
import { duration } from './compose.dom.tsx'
import type { Navigate } from './main.dom.tsx'

const finished = ['executed', 'cancelled', 'superseded']

export function QueueScreen({ navigate, status }: { navigate: Navigate; status: StatusView | undefined }) {
  const [queue, setQueue] = useState<QueueView | undefined>()
  const [error, setError] = useState<ErrorView | undefined>()
  const [executed, setExecuted] = useState<Record<string, ExecuteView>>({})
  const [checks, setChecks] = useState<Record<string, ExecutionCheckView>>({})
  const [busy, setBusy] = useState<string | undefined>()
  const [confirmations, setConfirmations] = useState<Record<string, string>>({})
  const revision = status?.revision

  useEffect(() => {
    void revision
    call(api.queue()).then(setQueue, (e) => setError(errorOf(e)))
  }, [revision])

  const execute = async (action: ActionView) => {
    setBusy(action.id)
    try {
      const result = await call(api.execute({ actionId: action.id }))
      setExecuted((prev) => ({ ...prev, [action.id]: result }))
      setQueue(await call(api.queue()))
    } catch (e) {
      setError(errorOf(e))
    } finally {
      setBusy(undefined)
    }
  }

  const check = async (action: ActionView) => {
    setBusy(action.id)
    try {
      const result = await call(api.executionCheck({ actionId: action.id }))
      setChecks((prev) => ({ ...prev, [action.id]: result }))
    } catch (e) {
      setError(errorOf(e))
    } finally {
      setBusy(undefined)
    }
  }

  const now = status?.chainTime ?? queue?.chainTime ?? 0
  const live = queue?.actions.filter((a) => !finished.includes(a.state)) ?? []
  const history = queue?.actions.filter((a) => finished.includes(a.state)) ?? []
  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">Queue</h1>
      {error && (
        <p role="alert" className="error">
          {error.message} {error.hint}
        </p>
      )}
      {queue && live.length === 0 && <p>Nothing is waiting.</p>}
      {live.map((action) => (
        <article
          key={action.id}
          className="card"
          data-testid={`action-${action.id}`}
          aria-label={action.title}
        >
          <h2>
            <span className={`badge tier-${action.tier}`}>{action.tier}</span> {action.title}
          </h2>
          <p>
            nonce {action.nonce} · <strong data-testid="state">{action.state}</strong>
            {action.conflict && (
              <span className="warn"> · nonce conflict: several actions share this nonce</span>
            )}
            {action.supersedes && <span> · replaces {action.supersedes.slice(0, 8)}</span>}
          </p>
          {action.delayEndsAt !== undefined && action.delayEndsAt > now && (
            <p className="countdown" data-testid="countdown">
              Delay: {duration(action.delayEndsAt - now)} left (chain time)
            </p>
          )}
          {action.signerAlerts.length > 0 && (
            <ul className="error" aria-label="Alerts about signers' logs" data-testid="signer-alerts">
              {action.signerAlerts.map((a) => (
                <li key={a.signer + a.code + a.message}>
                  ALERT {a.code} ({a.label ?? a.signer}): {a.message}
                </li>
              ))}
            </ul>
          )}
          {action.missing.length > 0 && (
            <ul className="missing" aria-label="Still needed">
              {action.missing.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
          {action.signatures.length > 0 && (
            <ul className="signatures" aria-label="Collected">
              {action.signatures.map((s) => (
                <li key={s.signer + s.kind}>
                  {s.kind === 'approval-attestation' ? 'attested' : 'signed'}: {s.label ?? s.signer}
                </li>
              ))}
            </ul>
          )}
          <div className="actions">
            <button type="button" onClick={() => navigate('qr', action.id)}>
              Show QR
            </button>
            <button type="button" onClick={() => navigate('scan', action.id)}>
              Scan answers
            </button>
            <button
              type="button"
              className="primary"
              disabled={busy !== undefined || action.state !== 'ready'}
              onClick={() => void execute(action)}
            >
              Execute
            </button>
            <button
              type="button"
              disabled={busy !== undefined || action.state !== 'ready'}
              onClick={() => void check(action)}
            >
              Check calldata
            </button>
            <button
              type="button"
              disabled={busy !== undefined}
              onClick={() =>
                void call(api.cancel({ actionId: action.id, reason: 'cancelled in the app' })).then(
                  async () => setQueue(await call(api.queue())),
                  (e) => setError(errorOf(e)),
                )
              }
            >
              Cancel
            </button>
          </div>
          {checks[action.id] && <ExecutionCheck view={checks[action.id]!} />}
          {executed[action.id] && <ExecuteResult view={executed[action.id]!} />}
        </article>
      ))}
      {history.length > 0 && (
        <>
          <h2>History</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Nonce</th>
                <th scope="col">Tier</th>
                <th scope="col">Title</th>
                <th scope="col">State</th>
                <th scope="col">Transaction</th>
                <th scope="col">Confirmations</th>
              </tr>
            </thead>
            <tbody>
              {history.map((a) => (
                <tr key={a.id} data-testid={`history-${a.id}`}>
                  <td>{a.nonce}</td>
                  <td>{a.tier}</td>
                  <td>{a.title}</td>
                  <td>{a.state + (a.supersededBy ? ` by ${a.supersededBy.slice(0, 8)}` : '')}</td>
                  <td className="mono">
                    {a.execution
                      ? `${a.execution.txHash.slice(0, 18)}… block ${a.execution.blockNumber}`
                      : ''}
                  </td>
                  <td>
                    {a.state === 'executed' && (
                      <button
                        type="button"
                        onClick={() =>
                          void call(api.confirm({ actionId: a.id })).then(
                            async (view) => {
                              setConfirmations((prev) => ({ ...prev, [a.id]: view.message }))
                              setQueue(await call(api.queue()))
                            },
                            (e) => setError(errorOf(e)),
                          )
                        }
                      >
                        Check
                      </button>
                    )}{' '}
                    <span data-testid={`confirmations-${a.id}`}>{confirmations[a.id] ?? ''}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {Object.entries(executed)
        .filter(([id]) => !live.some((a) => a.id === id))
        .map(([id, view]) => (
          <ExecuteResult key={id} view={view} />
        ))}
    </section>
  )
}

// What Execute will send, for the executor to compare with a second machine before clicking Execute.
function ExecutionCheck({ view }: { view: ExecutionCheckView }) {
  return (
    <div className="card" data-testid="execution-check" role="status">
      <p>
        <strong>Executor’s check</strong> (nothing sent): compare on a second machine before Execute.
      </p>
      <dl>
        <dt>Calldata hash (keccak256)</dt>
        <dd className="mono" data-testid="calldata-hash">
          {view.calldataHash}
        </dd>
        <dt>To (the Safe)</dt>
        <dd className="mono">{view.to}</dd>
        <dt>Value</dt>
        <dd>{view.value} wei</dd>
        <dt>Gas</dt>
        <dd>{view.gas ?? 'the simulation reverts'}</dd>
        <dt>From (executor)</dt>
        <dd className="mono">{view.from}</dd>
      </dl>
      {view.revert && <p className="error">The simulation on these bytes reverts: {view.revert}</p>}
      <details>
        <summary>execTransaction calldata ({(view.calldata.length - 2) / 2} bytes)</summary>
        <p className="mono">{view.calldata}</p>
      </details>
    </div>
  )
}

function ExecuteResult({ view }: { view: ExecuteView }) {
  return (
    <div className="card" data-testid="execute-result" role="status">
      <p className={view.status === 'confirmed' || view.status === 'executed' ? 'ok' : 'error'}>
        <strong>{view.status}</strong>: {view.message}
      </p>
      {view.simulation.status === 'error' ? (
        <p className="error">Fresh simulation failed: {view.simulation.error.message}</p>
      ) : (
        <p>
          Fresh simulation at block {view.simulation.blockNumber}: {view.simulation.status}
          {view.simulation.balanceChanges
            .filter((c) => c.delta !== '0')
            .map((c) => ` · ${c.delta} ${c.asset}`)
            .join('')}
        </p>
      )}
      {view.calldataHash && (
        <p>
          Sent calldata hash <span className="mono">{view.calldataHash}</span>
        </p>
      )}
      {view.txHash && <p className="mono">{view.txHash}</p>}
    </div>
  )
}
