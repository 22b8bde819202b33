// Compose: a form per builder, then the foresight before anything is queued: the predicted signer
// verdict, the tier and what it needs, and the simulation of the exact bytes.
import { useState } from 'react'
import type { ComposeForm, ComposeView, ErrorView, TransferLine } from '../api.ts'
import { api, call, errorOf } from './api.dom.ts'
import type { Navigate } from './main.dom.tsx'

type Builder = ComposeForm['builder']

const builders: readonly { id: Builder; label: string }[] = [
  { id: 'transfer', label: 'Transfer' },
  { id: 'batch', label: 'Batch (payroll)' },
  { id: 'contract-call', label: 'Contract call' },
  { id: 'safe-admin', label: 'Safe admin' },
  { id: 'timelock', label: 'Timelock' },
  { id: 'pause', label: 'Pause' },
  { id: 'transaction-builder', label: 'Transaction Builder import' },
]

const emptyLine = (): TransferLine => ({ asset: 'ETH', to: '', amount: '' })

export function ComposeScreen({ navigate, assets }: { navigate: Navigate; assets: readonly string[] }) {
  const [builder, setBuilder] = useState<Builder>('transfer')
  const [title, setTitle] = useState('')
  const [lines, setLines] = useState<TransferLine[]>([emptyLine()])
  const [call_, setCall] = useState({ to: '', abi: '', method: '', args: '', value: '' })
  const [admin, setAdmin] = useState({ operation: 'add-owner' as const, owner: '', threshold: '' })
  const [timelock, setTimelock] = useState({
    operation: 'schedule' as 'schedule' | 'execute' | 'cancel',
    target: '',
    value: '0',
    data: '0x',
    delay: '0',
    salt: '',
    id: '',
  })
  const [targets, setTargets] = useState('')
  const [json, setJson] = useState('')
  const [view, setView] = useState<ComposeView | undefined>()
  const [error, setError] = useState<ErrorView | undefined>()
  const [busy, setBusy] = useState(false)

  const form = (): ComposeForm => {
    switch (builder) {
      case 'transfer':
        return { builder, transfer: lines[0] ?? emptyLine() }
      case 'batch':
        return { builder, transfers: lines.filter((l) => l.to.trim() !== '' || l.amount.trim() !== '') }
      case 'contract-call':
        return {
          builder,
          to: call_.to,
          abi: call_.abi,
          method: call_.method,
          args: call_.args.trim() === '' ? [] : call_.args.split(',').map((a) => a.trim()),
          value: call_.value,
        }
      case 'safe-admin':
        return { builder, ...admin }
      case 'timelock':
        return { builder, ...timelock }
      case 'pause':
        return {
          builder,
          targets: targets
            .split(/[\s,]+/)
            .map((t) => t.trim())
            .filter(Boolean),
        }
      case 'transaction-builder':
        return { builder, json }
      default:
        return builder satisfies never
    }
  }

  const submit = async (queue: boolean) => {
    setBusy(true)
    setError(undefined)
    try {
      setView(await call(api.compose({ form: form(), title, queue })))
    } catch (e) {
      setView(undefined)
      setError(errorOf(e))
    } finally {
      setBusy(false)
    }
  }

  const setLine = (index: number, patch: Partial<TransferLine>) =>
    setLines(lines.map((line, i) => (i === index ? { ...line, ...patch } : line)))

  return (
    <section aria-labelledby="compose-title">
      <h1 id="compose-title">Compose</h1>
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault()
          void submit(false)
        }}
      >
        <fieldset>
          <legend>Builder</legend>
          <div className="choices">
            {builders.map((b) => (
              <label key={b.id}>
                <input
                  type="radio"
                  name="builder"
                  value={b.id}
                  checked={builder === b.id}
                  onChange={() => {
                    setBuilder(b.id)
                    setView(undefined)
                  }}
                />
                {b.label}
              </label>
            ))}
          </div>
        </fieldset>
        <label>
          Title (shown to signers as untrusted text)
          <input value={title} onChange={(e) => setTitle(e.target.value)} name="title" />
        </label>
        {(builder === 'transfer' || builder === 'batch') && (
          <fieldset>
            <legend>{builder === 'batch' ? 'Payments' : 'Payment'}</legend>
            {(builder === 'transfer' ? lines.slice(0, 1) : lines).map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity besides their position
              <div className="line" key={i}>
                <label>
                  Asset
                  <select
                    value={line.asset}
                    onChange={(e) => setLine(i, { asset: e.target.value })}
                    name={`asset-${i}`}
                  >
                    {assets.map((a) => (
                      <option key={a} value={a}>
                        {a}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  Recipient (address, label or ENS name)
                  <input
                    value={line.to}
                    onChange={(e) => setLine(i, { to: e.target.value })}
                    name={`to-${i}`}
                  />
                </label>
                <label>
                  Amount (units)
                  <input
                    value={line.amount}
                    inputMode="decimal"
                    onChange={(e) => setLine(i, { amount: e.target.value })}
                    name={`amount-${i}`}
                  />
                </label>
              </div>
            ))}
            {builder === 'batch' && (
              <button type="button" onClick={() => setLines([...lines, emptyLine()])}>
                Add a payment
              </button>
            )}
          </fieldset>
        )}
        {builder === 'contract-call' && (
          <fieldset>
            <legend>Call</legend>
            <label>
              Contract
              <input
                value={call_.to}
                onChange={(e) => setCall({ ...call_, to: e.target.value })}
                name="call-to"
              />
            </label>
            <label>
              ABI (JSON array) or a signature like <code>function setFee(uint256 fee)</code>
              <textarea
                value={call_.abi}
                onChange={(e) => setCall({ ...call_, abi: e.target.value })}
                name="abi"
              />
            </label>
            <label>
              Method (with a JSON ABI)
              <input
                value={call_.method}
                onChange={(e) => setCall({ ...call_, method: e.target.value })}
                name="method"
              />
            </label>
            <label>
              Arguments (comma-separated)
              <input
                value={call_.args}
                onChange={(e) => setCall({ ...call_, args: e.target.value })}
                name="args"
              />
            </label>
            <label>
              Value (ETH)
              <input
                value={call_.value}
                onChange={(e) => setCall({ ...call_, value: e.target.value })}
                name="value"
              />
            </label>
          </fieldset>
        )}
        {builder === 'safe-admin' && (
          <fieldset>
            <legend>Safe admin</legend>
            <label>
              Operation
              <select
                value={admin.operation}
                onChange={(e) => setAdmin({ ...admin, operation: e.target.value as typeof admin.operation })}
              >
                <option value="add-owner">Add an owner</option>
                <option value="remove-owner">Remove an owner</option>
                <option value="change-threshold">Change the threshold</option>
              </select>
            </label>
            <label>
              Owner
              <input value={admin.owner} onChange={(e) => setAdmin({ ...admin, owner: e.target.value })} />
            </label>
            <label>
              Threshold
              <input
                value={admin.threshold}
                onChange={(e) => setAdmin({ ...admin, threshold: e.target.value })}
              />
            </label>
          </fieldset>
        )}
        {builder === 'timelock' && (
          <fieldset>
            <legend>Timelock operation</legend>
            <label>
              Operation
              <select
                value={timelock.operation}
                onChange={(e) =>
                  setTimelock({ ...timelock, operation: e.target.value as typeof timelock.operation })
                }
              >
                <option value="schedule">Schedule</option>
                <option value="execute">Execute</option>
                <option value="cancel">Cancel</option>
              </select>
            </label>
            {(['target', 'value', 'data', 'delay', 'salt', 'id'] as const).map((field) => (
              <label key={field}>
                {field === 'id' ? 'Operation id (cancel)' : field[0]!.toUpperCase() + field.slice(1)}
                <input
                  value={timelock[field]}
                  onChange={(e) => setTimelock({ ...timelock, [field]: e.target.value })}
                />
              </label>
            ))}
          </fieldset>
        )}
        {builder === 'pause' && (
          <label>
            Contracts to pause (empty: every pausable contract in the org config)
            <input value={targets} onChange={(e) => setTargets(e.target.value)} />
          </label>
        )}
        {builder === 'transaction-builder' && (
          <label>
            Transaction Builder JSON
            <textarea value={json} onChange={(e) => setJson(e.target.value)} rows={8} />
          </label>
        )}
        <div className="actions">
          <button type="submit" disabled={busy}>
            Check
          </button>
          <button type="button" className="primary" disabled={busy} onClick={() => void submit(true)}>
            Queue for signing
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="error">
          {error.message} {error.hint}
        </p>
      )}
      {view && <Foresight view={view} navigate={navigate} />}
    </section>
  )
}

/** The prediction, the tier and its needs, and the simulation: what will happen before it happens. */
export function Foresight({ view, navigate }: { view: ComposeView; navigate: Navigate }) {
  const p = view.prediction
  const s = view.simulation
  return (
    <section className="card foresight" aria-label="Before queueing" data-testid="foresight">
      <h2>{view.title}</h2>
      <p>
        <span className={`badge tier-${view.tier}`}>{view.tier}</span> nonce {view.nonce} · needs{' '}
        {view.needs.signatures} signature(s)
        {view.needs.attestations > 0 &&
          `, ${view.needs.attestations} approval attestation(s) and a ${duration(view.needs.delaySeconds)} delay`}
      </p>
      {view.names.length > 0 && (
        <ul className="ens-names" aria-label="ENS names resolved" data-testid="ens-names">
          {view.names.map((n) => (
            <li key={n.name}>
              {n.name} → <code>{n.address}</code> (ENS, block {n.blockNumber}; only the address is in the
              request)
            </li>
          ))}
        </ul>
      )}
      <h3>Predicted signer verdict</h3>
      <p className={`verdict verdict-${p.verdict}`} data-testid="prediction">
        {p.verdict === 'refuse'
          ? 'Signers will refuse'
          : p.verdict === 'attest'
            ? 'Signers will attest (round 1)'
            : 'Signers will sign'}{' '}
        ({p.allowing} owner(s) allow it, {p.needed} needed; policy v{p.bundleVersion})
      </p>
      <p className="note">
        A prediction with the signers’ own engine and policy: each signer decides for itself.
      </p>
      {p.refusals.length > 0 && (
        <ul className="refusals">
          {p.refusals.map((r) => (
            <li key={r.code}>
              <code>{r.code}</code>: {r.message}
            </li>
          ))}
        </ul>
      )}
      <h3>Simulation</h3>
      {s.status === 'error' ? (
        <p className="error" data-testid="simulation">
          {s.error.message} {s.error.hint}
        </p>
      ) : (
        <div data-testid="simulation">
          <p className={s.status === 'ok' ? 'ok' : 'error'}>
            {s.status === 'ok'
              ? `Succeeds at block ${s.blockNumber}`
              : `Reverts at block ${s.blockNumber}: ${s.revert ?? ''}`}
          </p>
          {s.failedCall && (
            <p className="error">
              {s.failedCall.path} to {s.failedCall.to} reverts: {s.failedCall.reason}
            </p>
          )}
          {s.method === 'eth_call' && (
            <p className="note">
              This RPC has no eth_simulateV1: the outcome is simulated, balance changes are not.
            </p>
          )}
          <table>
            <caption>The Safe’s balances</caption>
            <thead>
              <tr>
                <th scope="col">Asset</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {s.balanceChanges.map((c) => (
                <tr key={c.asset}>
                  <td>{c.asset}</td>
                  <td>{c.before}</td>
                  <td>{c.after}</td>
                  <td>{c.delta}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details>
        <summary>Calls, findings and tier reasons</summary>
        <pre>{view.calls.join('\n')}</pre>
        <ul>
          {view.tierReasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
          {view.findings.map((f) => (
            <li key={f.code + f.reason}>
              [{f.severity}] {f.code}: {f.reason}
            </li>
          ))}
        </ul>
      </details>
      {view.drift.length > 0 && (
        <ul className="drift">
          {view.drift.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
      {view.blocked && (
        <p role="alert" className="error" data-testid="blocked">
          Not queued. {view.blocked}
        </p>
      )}
      {view.actionId && (
        <p className="ok" data-testid="queued">
          Queued.{' '}
          <button type="button" className="primary" onClick={() => navigate('qr', view.actionId)}>
            Show the request QR
          </button>
        </p>
      )}
    </section>
  )
}

export function duration(seconds: number): string {
  if (seconds <= 0) return 'no'
  const d = Math.floor(seconds / 86400)
  const h = Math.floor((seconds % 86400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`, !d && !h && s && `${s}s`].filter(Boolean).join(' ')
}
