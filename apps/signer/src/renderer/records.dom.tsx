// The decision log (filter, verify, export) and the policy (install a bundle by QR or file).
import { useCallback, useEffect, useState } from 'react'
import type { LogFilter, LogView, PolicyView, VerifyView } from '../api.ts'
import { api } from './api.dom.ts'
import { ScanScreen } from './flow.dom.tsx'

export function LogScreen() {
  const [filter, setFilter] = useState<LogFilter>({ kind: 'all', safe: '', nonce: '' })
  const [view, setView] = useState<LogView | undefined>()
  const [verifying, setVerifying] = useState(false)
  const [verified, setVerified] = useState<VerifyView | undefined>()
  const [exportUrl, setExportUrl] = useState<{ url: string; name: string } | undefined>()

  useEffect(() => {
    void api().log(filter).then(setView)
  }, [filter])

  const verify = async () => {
    setVerifying(true)
    setVerified(undefined)
    try {
      setVerified(await api().verifyLog())
    } finally {
      setVerifying(false)
    }
  }
  const exportLog = async () => {
    const { fileName, text } = await api().exportLog()
    setExportUrl({
      url: URL.createObjectURL(new Blob([text], { type: 'application/jsonl' })),
      name: fileName,
    })
  }

  return (
    <section aria-labelledby="log-title">
      <h1 id="log-title" tabIndex={-1}>
        Decision log
      </h1>
      <div className="controls">
        <label htmlFor="log-kind">Show</label>
        <select
          id="log-kind"
          value={filter.kind}
          onChange={(e) => setFilter({ ...filter, kind: e.target.value as LogFilter['kind'] })}
        >
          <option value="all">Everything</option>
          <option value="refusals">Refusals</option>
          <option value="signatures">Signatures</option>
          <option value="overrides">Air-gap overrides</option>
        </select>
        <label htmlFor="log-safe">Safe</label>
        <input
          id="log-safe"
          value={filter.safe}
          onChange={(e) => setFilter({ ...filter, safe: e.target.value })}
        />
        <label htmlFor="log-nonce">Nonce</label>
        <input
          id="log-nonce"
          inputMode="numeric"
          value={filter.nonce}
          onChange={(e) => setFilter({ ...filter, nonce: e.target.value })}
        />
      </div>
      <p>
        <button type="button" onClick={() => void verify()} disabled={verifying}>
          Verify the log
        </button>{' '}
        <button type="button" onClick={() => void exportLog()}>
          Export the log
        </button>{' '}
        {exportUrl && (
          <a href={exportUrl.url} download={exportUrl.name}>
            Save {exportUrl.name}
          </a>
        )}
      </p>
      {verifying && (
        <p role="status">
          Verifying every entry… <progress aria-label="Verifying the log" />
        </p>
      )}
      {verified && (
        <div role="status" className={verified.ok ? 'ok-box' : 'refused'} data-testid="verify-result">
          <label htmlFor="verify-progress">
            {verified.checked} of {verified.total} entries verified. {verified.message}
          </label>
          <progress id="verify-progress" max={verified.total || 1} value={verified.checked} />
        </div>
      )}
      {view && (
        <table className="log">
          <caption>
            {view.entries.length} of {view.total} entries, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Seq</th>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Decision</th>
              <th scope="col">Safe</th>
              <th scope="col">Nonce</th>
              <th scope="col">Reasons</th>
            </tr>
          </thead>
          <tbody>
            {view.entries.map((e) => (
              <tr
                key={e.seq}
                className={e.event === 'refused' || e.event === 'air-gap-override' ? 'refused-row' : ''}
              >
                <td>{e.seq}</td>
                <td>{e.time}</td>
                <td>{e.event}</td>
                <td>{e.decision ?? ''}</td>
                <td>
                  <code>{e.safe ?? ''}</code>
                </td>
                <td>{e.nonce ?? ''}</td>
                <td>{e.reasons.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

export function PolicyScreen({ onInstalled }: { onInstalled: () => void }) {
  const [view, setView] = useState<PolicyView | undefined>()
  const [scanning, setScanning] = useState(false)
  const refresh = useCallback(() => void api().policy().then(setView), [])
  useEffect(refresh, [refresh])
  const install = async () => {
    setView(await api().installPolicy())
    onInstalled()
  }
  const installed = view?.installed
  const candidate = view?.candidate
  return (
    <section aria-labelledby="policy-title">
      <h1 id="policy-title" tabIndex={-1}>
        Policy
      </h1>
      <h2>Installed</h2>
      {installed ? (
        <dl className="facts">
          <dt>Version</dt>
          <dd>{installed.version}</dd>
          <dt>Hash</dt>
          <dd>
            <code className="hash">{installed.hash}</code>
          </dd>
          <dt>Admins ({installed.threshold} must sign the next bundle)</dt>
          <dd>
            <ul>
              {installed.admins.map((a) => (
                <li key={a}>
                  <code>{a}</code>
                </li>
              ))}
            </ul>
          </dd>
        </dl>
      ) : (
        <p>No policy is installed: this signer refuses everything.</p>
      )}
      {view?.message && <p role="status">{view.message}</p>}
      <p>
        <button type="button" onClick={() => setScanning(!scanning)}>
          {scanning ? 'Stop scanning' : 'Install a new bundle: scan its QR or import its file'}
        </button>
      </p>
      {scanning && (
        <ScanScreen
          expect="policy"
          embedded
          onComplete={() => {
            setScanning(false)
            refresh()
          }}
        />
      )}
      {candidate && (
        <div className={candidate.valid ? 'ok-box' : 'refused'}>
          <h2>
            Candidate bundle version {candidate.version ?? '?'}: {candidate.valid ? 'valid' : 'NOT valid'}
          </h2>
          <p>
            Hash <code className="hash">{candidate.hash ?? 'unknown'}</code>, signed by{' '}
            {candidate.signers.join(', ') || 'nobody'}.
          </p>
          {candidate.issues.length > 0 && (
            <ul>
              {candidate.issues.map((i) => (
                <li key={i}>{i}</li>
              ))}
            </ul>
          )}
          <h3>What changes from the installed bundle</h3>
          <ul>
            {candidate.changes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
          {candidate.valid && (
            <button type="button" className="primary" onClick={() => void install()}>
              Install version {candidate.version}
            </button>
          )}
        </div>
      )}
    </section>
  )
}
