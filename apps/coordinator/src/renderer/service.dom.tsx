// Service: the Safe Transaction Service (what Safe{Wallet} proposes to) beside the queue. Every hash,
// problem and flag shown was computed in main by coordinator-core's TransactionService; the window only
// lays them out, problems in red.
import { useEffect, useState } from 'react'
import type {
  ErrorView,
  ServiceConfigView,
  ServiceImportView,
  ServiceNonceView,
  ServiceTxView,
  ServiceView,
} from '../api.ts'
import { api, call, errorOf } from './api.dom.ts'
import type { Navigate } from './main.dom.tsx'

const flagText: Record<ServiceNonceView['flags'][number], string> = {
  'several-in-service': 'several transactions at this nonce in the service',
  'only-in-service': 'only in the service',
  'only-in-queue': 'only in the queue',
  'payload-changed': 'payload changed: the service holds another transaction than the queue',
  'service-problem': 'the service’s data does not check out',
}
// Only in one place is normal (a new proposal, an action not posted); the rest is a warning.
const alarming = (flag: ServiceNonceView['flags'][number]) =>
  flag !== 'only-in-service' && flag !== 'only-in-queue'

export function ServiceScreen({ navigate, revision }: { navigate: Navigate; revision: number | undefined }) {
  const [config, setConfig] = useState<ServiceConfigView | undefined>()
  const [url, setUrl] = useState('')
  const [keyFile, setKeyFile] = useState('')
  const [view, setView] = useState<ServiceView | undefined>()
  const [error, setError] = useState<ErrorView | undefined>()
  const [done, setDone] = useState<string | undefined>()
  const [refusals, setRefusals] = useState<Record<string, ErrorView>>({})
  const [imported, setImported] = useState<ServiceImportView | undefined>()

  useEffect(() => {
    call(api.serviceConfig()).then(
      (next) => {
        setConfig(next)
        setUrl(next.url ?? '')
      },
      (e) => setError(errorOf(e)),
    )
  }, [])

  const refresh = async () => {
    setError(undefined)
    try {
      setView(await call(api.servicePending({})))
    } catch (e) {
      setError(errorOf(e))
    }
  }

  // A change in the queue (an answer scanned, an import) shows here without a click.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh on a new revision only
  useEffect(() => {
    if (config?.url && view) void refresh()
  }, [revision])

  const save = async () => {
    setError(undefined)
    setDone(undefined)
    try {
      const next = await call(api.serviceConfigure({ url, apiKeyFile: keyFile }))
      setConfig(next)
      setView(undefined)
      setDone(next.url ? `Using ${next.url}${next.apiKey ? ' with an API key' : ''}.` : 'No service.')
      if (next.url) await refresh()
    } catch (e) {
      setError(errorOf(e))
    }
  }

  const importTx = async (tx: ServiceTxView) => {
    setError(undefined)
    setImported(undefined)
    try {
      // Asked for under the service's own hash: the engine recomputes it and refuses a mismatch.
      const result = await call(
        api.serviceImport({ safeTxHash: tx.claimedSafeTxHash === '' ? tx.safeTxHash : tx.claimedSafeTxHash }),
      )
      setImported(result)
      setRefusals(({ [tx.safeTxHash]: _, ...rest }) => rest)
      await refresh()
    } catch (e) {
      setRefusals((r) => ({ ...r, [tx.safeTxHash]: errorOf(e) }))
    }
  }

  // Confirmations others made on the service, into the queue: main verifies each over our own hash.
  const pullAction = async (actionId: string) => {
    setError(undefined)
    setDone(undefined)
    try {
      const result = await call(api.servicePull({ actionId }))
      setDone(
        `Pulled ${result.added.length} new confirmation(s) of ${result.safeTxHash}: ${result.added.join(', ') || 'none'}${result.skipped.length > 0 ? `; not owners (not stored): ${result.skipped.join(', ')}` : ''}${result.problems.length > 0 ? `; refused: ${result.problems.join('; ')}` : ''}.`,
      )
      await refresh()
    } catch (e) {
      setError(errorOf(e))
    }
  }

  const confirmAction = async (actionId: string) => {
    setError(undefined)
    setDone(undefined)
    try {
      const result = await call(api.serviceConfirm({ actionId }))
      setDone(
        `Posted ${result.posted.length} confirmation(s) of ${result.safeTxHash}: ${result.posted.join(', ') || 'none'}.`,
      )
      await refresh()
    } catch (e) {
      setError(errorOf(e))
    }
  }

  return (
    <section aria-labelledby="service-title">
      <h1 id="service-title">Transaction Service</h1>
      <div className="card">
        <div className="actions">
          <label>
            Service URL (ends in /api)
            <input
              name="service-url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://safe-transaction.example/api"
              spellCheck={false}
            />
          </label>
          <label>
            API key file (optional; read by the app, never shown)
            <input
              name="api-key-file"
              value={keyFile}
              onChange={(e) => setKeyFile(e.target.value)}
              spellCheck={false}
            />
          </label>
        </div>
        <div className="actions">
          <button type="button" onClick={() => void save()}>
            Use this service
          </button>
          <button type="button" className="primary" disabled={!config?.url} onClick={() => void refresh()}>
            List pending
          </button>
          {done && (
            <span role="status" data-testid="service-done">
              {done}
            </span>
          )}
        </div>
        <p className="note">
          {config?.url
            ? `Network allowed for ${config.origin} besides the RPC. Hashes are recomputed here; the service’s decoding is never used.`
            : 'No service configured: the window reaches the RPC only.'}
        </p>
      </div>
      {error && (
        <p role="alert" className="error">
          {error.message} {error.hint}
        </p>
      )}
      {imported && (
        <p role="status" className="ok" data-testid="imported">
          Queued {imported.actionId.slice(0, 8)}: nonce {imported.nonce}, tier {imported.tier},{' '}
          {imported.signatures} verified signature(s) from the service.
          {imported.skipped.length > 0 && ` Not owners now (not imported): ${imported.skipped.join(', ')}.`}{' '}
          <button type="button" onClick={() => navigate('qr', imported.actionId)}>
            Show its QR
          </button>
        </p>
      )}
      {view && (
        <>
          <h2>
            Safe {view.safe}, on-chain nonce {view.onchainNonce}: {view.transactions.length} pending in the
            service
          </h2>
          {view.nonces.length === 0 && <p>Nothing pending in the service or the queue.</p>}
          <table className="service" data-testid="service-table">
            <thead>
              <tr>
                <th scope="col">Nonce</th>
                <th scope="col">Transaction Service</th>
                <th scope="col">Queue</th>
              </tr>
            </thead>
            <tbody>
              {view.nonces.map((row) => (
                <tr key={row.nonce} aria-label={`Nonce ${row.nonce}`}>
                  <th scope="row">
                    {row.nonce}
                    <ul className="flags">
                      {row.flags.map((flag) => (
                        <li key={flag} className={alarming(flag) ? 'badge bad' : 'badge'}>
                          {flagText[flag]}
                        </li>
                      ))}
                    </ul>
                  </th>
                  <td>
                    {view.transactions
                      .filter((tx) => tx.nonce === row.nonce)
                      .map((tx) => (
                        <ServiceTx
                          key={tx.safeTxHash}
                          tx={tx}
                          refusal={refusals[tx.safeTxHash]}
                          onImport={() => void importTx(tx)}
                        />
                      ))}
                  </td>
                  <td>
                    {row.queue.map((q) => (
                      <div key={q.id} className="queued">
                        <p>
                          <strong>{q.title}</strong> ({q.id.slice(0, 8)}) <code>{q.safeTxHash}</code>,{' '}
                          {q.signatures} signature(s)
                        </p>
                        <button type="button" onClick={() => void confirmAction(q.id)}>
                          Post signatures to the service
                        </button>
                        <button type="button" onClick={() => void pullAction(q.id)}>
                          Pull confirmations
                        </button>
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}

function ServiceTx({
  tx,
  refusal,
  onImport,
}: {
  tx: ServiceTxView
  refusal: ErrorView | undefined
  onImport: () => void
}) {
  return (
    <div className="service-tx" data-testid="service-tx">
      <p>
        <code>{tx.safeTxHash}</code> to {tx.toLabel ? `${tx.toLabel} (${tx.to})` : tx.to}, {tx.value} wei
      </p>
      {tx.claimedSafeTxHash.toLowerCase() !== tx.safeTxHash && (
        <p className="error">
          The service files it as <code>{tx.claimedSafeTxHash || '(no hash)'}</code>
        </p>
      )}
      <p>
        {tx.confirmations.length} verified confirmation(s)
        {tx.confirmations.length > 0 && `: ${tx.confirmations.join(', ')}`}
      </p>
      {tx.problems.length > 0 && (
        <div role="alert" className="problems error">
          <ul aria-label="Problems">
            {tx.problems.map((p) => (
              <li key={p}>⚠ {p}</li>
            ))}
          </ul>
        </div>
      )}
      {tx.actionId ? (
        <p className="ok">In the queue as {tx.actionId.slice(0, 8)}.</p>
      ) : (
        <button type="button" className="primary" onClick={onImport}>
          Import into the queue
        </button>
      )}
      {refusal && (
        <p className="error" role="alert" data-testid="refusal">
          Refused: {refusal.message} {refusal.hint}
        </p>
      )}
    </div>
  )
}
