// The review: everything the engine computed, most important first; the coordinator's words last,
// marked untrusted. A refused request gets its reasons and no way forward.
import type { CSSProperties } from 'react'
import type { DeviceChoice, ReviewResult, ReviewView, StatusView } from '../api.ts'
import { DevicePicker } from './devicePicker.dom.tsx'

const severityRank = ['critical', 'high', 'medium', 'low', 'info']

export function ReviewScreen({
  result,
  status,
  device,
  acknowledged,
  onDevice,
  onAcknowledge,
  onContinue,
}: {
  result: ReviewResult | undefined
  status: StatusView | undefined
  device: DeviceChoice
  acknowledged: boolean
  onDevice: (device: DeviceChoice) => void
  onAcknowledge: (acknowledged: boolean) => void
  onContinue: () => void
}) {
  if (!result) {
    return (
      <section aria-labelledby="review-title">
        <h1 id="review-title" tabIndex={-1}>
          Review
        </h1>
        <p>No request yet: scan one first.</p>
      </section>
    )
  }
  const devicePicker = (
    <DevicePicker devices={status?.devices ?? []} device={device} name="device" onDevice={onDevice} />
  )
  if (result.status === 'device-error') {
    return (
      <section aria-labelledby="review-title">
        <h1 id="review-title" tabIndex={-1}>
          Review
        </h1>
        {devicePicker}
        <div
          className={`device-outcome ${result.outcome.severity}`}
          role="alert"
          data-testid="device-outcome"
        >
          <p>
            Device outcome <strong>{result.outcome.code}</strong>: {result.outcome.message}
          </p>
          <p>What to do: {result.outcome.hint}</p>
          <button type="button" onClick={() => onDevice(device)}>
            Try again
          </button>
        </div>
      </section>
    )
  }
  const r = result.review
  return (
    <section aria-labelledby="review-title">
      <h1 id="review-title" tabIndex={-1}>
        Review: {r.safe.label ?? 'unknown Safe'} nonce {r.nonce}
      </h1>
      {devicePicker}
      <Verdict review={r} />
      {r.replacement.isReplacement && (
        <p>
          <label>
            <input type="checkbox" checked={acknowledged} onChange={(e) => onAcknowledge(e.target.checked)} />{' '}
            I intend to replace the transaction this signer already signed for this nonce.
          </label>
        </p>
      )}
      {r.verdict === 'refuse' ? (
        <p className="refused-note">This request is refused. There is nothing to sign.</p>
      ) : (
        <button type="button" className="primary" onClick={onContinue}>
          Continue to {r.verdict === 'attest' ? 'attest' : 'sign'}
        </button>
      )}

      <h2>Transaction</h2>
      <dl className="facts">
        <dt>Safe</dt>
        <dd>
          <code>{r.safe.address}</code>{' '}
          {r.safe.label ? `(${r.safe.label}, from the installed policy)` : '(not in the policy)'}
        </dd>
        <dt>Chain</dt>
        <dd>{r.chainId}</dd>
        <dt>Safe version</dt>
        <dd>{r.safeVersion}</dd>
        <dt>Nonce</dt>
        <dd>{r.nonce}</dd>
        <dt>Signer</dt>
        <dd>
          <code>{r.signer.address}</code> ({r.signer.keyKind})
        </dd>
        <dt>Policy</dt>
        <dd>
          {r.policyBundle ? `version ${r.policyBundle.version}, ${r.policyBundle.hash}` : 'none installed'}
        </dd>
      </dl>

      <h2>Hashes, as the Ledger shows them</h2>
      <dl className="facts hashes">
        <Hashes hashes={r.hashes} />
      </dl>

      {r.approves && <Approves approves={r.approves} />}

      <h2>What your device will show</h2>
      <dl className="facts">
        {r.deviceShows.map((s) => (
          <div key={s.screen}>
            <dt>{s.screen}</dt>
            <dd>
              <code>{s.value}</code>
            </dd>
          </div>
        ))}
      </dl>

      <h2>Tier: {r.tier?.toUpperCase() ?? 'UNKNOWN'} (computed by this signer)</h2>
      <ul>
        {r.tierReasons.map((t) => (
          <li key={t}>{t}</li>
        ))}
      </ul>
      {r.approvals && (
        <p>
          Approvals: {r.approvals.owners.length} of {r.approvals.required} owners.
          {r.delay &&
            ` First seen ${r.delay.firstSeen}; ${Math.floor(r.delay.ageSeconds / 3600)} h of ${r.delay.requiredSeconds / 3600} h elapsed.`}
        </p>
      )}

      <h2>Findings ({r.findings.length}), most severe first</h2>
      {r.findings.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul className="findings">
          {[...r.findings]
            .sort((a, b) => severityRank.indexOf(a.severity) - severityRank.indexOf(b.severity))
            .map((f) => (
              <li key={`${f.code}-${f.where ?? ''}-${f.reason}`} className={`finding ${f.severity}`}>
                <span className="badge">{f.severity.toUpperCase()}</span> <strong>{f.code}</strong>
                {f.where ? ` at ${f.where}` : ''}: {f.reason}
              </li>
            ))}
        </ul>
      )}

      <h2>Calls</h2>
      <ol className="calls">
        {r.calls.map((c) => (
          <li
            key={c.path}
            className="call"
            data-depth={c.depth}
            style={{ '--depth': c.depth } as CSSProperties}
          >
            <p>
              <span className="path">{c.path}</span> <strong>{c.operation}</strong> to <code>{c.to}</code>
              {c.label ? ` (${c.label})` : ''}, value {c.value}, via {c.origin}
            </p>
            {c.kind === 'function' && (
              <p>
                <code>{c.signature}</code>
                {c.canonical ? '' : ' — NON-CANONICAL calldata'}
              </p>
            )}
            {c.kind === 'unknown' && <p className="warn">Not decoded: {c.unknownReason}</p>}
            {c.action && <p>{c.action}</p>}
            {c.args.length > 0 && (
              <table>
                <caption className="visually-hidden">Arguments of call {c.path}</caption>
                <thead>
                  <tr>
                    <th scope="col">Argument</th>
                    <th scope="col">Type</th>
                    <th scope="col">Value (in full)</th>
                  </tr>
                </thead>
                <tbody>
                  {c.args.map((a) => (
                    <tr key={`${a.name}-${a.type}-${a.value}`}>
                      <th scope="row">{a.name}</th>
                      <td>{a.type}</td>
                      <td>
                        <code className="arg">{a.value}</code>
                        {a.label && <span className="note"> ({a.label})</span>}
                        {a.note && <span className="note"> = {a.note}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </li>
        ))}
      </ol>
      <details>
        <summary>Raw Safe transaction fields</summary>
        <dl className="facts">
          {Object.entries(r.tx).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>
                <code className="arg">{v}</code>
              </dd>
            </div>
          ))}
        </dl>
      </details>

      <h2>Policy: {r.policy ? r.policy.decision.toUpperCase() : 'not evaluated'}</h2>
      <ul>
        {(r.policy?.reasons ?? []).map((p) => (
          <li key={`${p.policyId}-${p.effect}`} className={p.effect === 'forbid' ? 'forbid' : 'permit'}>
            {p.effect === 'forbid' ? 'Forbids' : 'Permits'} ({p.policyId}): {p.message}
          </li>
        ))}
      </ul>

      <h2>Outflows, velocity and breaker</h2>
      {r.outflows.length === 0 ? (
        <p>Nothing leaves the Safe.</p>
      ) : (
        <ul>
          {r.outflows.map((o) => (
            <li key={`${o.asset}-${o.to}-${o.amount}`}>
              {o.amount} to <code>{o.to}</code>
            </li>
          ))}
        </ul>
      )}
      {r.velocity.map((b) => (
        <div key={b.label} className={`bar ${b.exceeds ? 'exceeds' : ''}`}>
          <label htmlFor={`bar-${b.label}`}>
            {b.label}: used {b.used}, after this {b.after} of {b.limit} (left now {b.remaining})
            {b.exceeds ? ' — EXCEEDS the limit' : ''}
          </label>
          <progress id={`bar-${b.label}`} max={100} value={b.afterPercent} />
        </div>
      ))}
      {r.breaker && (
        <div className={`bar ${r.breaker.tripped ? 'exceeds' : ''}`} data-testid="breaker">
          <p className={r.breaker.tripped ? 'refused-note' : ''}>
            Circuit breaker: {r.breaker.tripped ? 'TRIPPED' : 'calm'}.{r.breaker.reasons.map((x) => ` ${x}`)}
          </p>
          <label htmlFor="breaker-window">
            Treasury share leaving in the window with this request: {r.breaker.windowBps / 100}%
            {r.breaker.windowLimitBps !== undefined
              ? ` of the ${r.breaker.windowLimitBps / 100}% that trips it`
              : ''}
          </label>
          <progress
            id="breaker-window"
            max={r.breaker.windowLimitBps ?? 10_000}
            value={r.breaker.windowBps}
          />
          <label htmlFor="breaker-large">
            Large actions in a row: {r.breaker.consecutiveLarge}
            {r.breaker.consecutiveLimit !== undefined ? ` of ${r.breaker.consecutiveLimit}` : ''}
          </label>
          <progress
            id="breaker-large"
            max={r.breaker.consecutiveLimit ?? Math.max(1, r.breaker.consecutiveLarge)}
            value={r.breaker.consecutiveLarge}
          />
        </div>
      )}

      <h2>What this signer released before for this Safe and nonce</h2>
      {r.prior.length === 0 ? (
        <p data-testid="prior">Nothing.</p>
      ) : (
        <ul data-testid="prior">
          {r.prior.map((p) => (
            <li key={`${p.kind}-${p.safeTxHash}`}>
              {p.kind} over <code className="hash">{p.safeTxHash}</code> at {p.time}
            </li>
          ))}
        </ul>
      )}

      <section className="untrusted" aria-labelledby="untrusted-title">
        <h2 id="untrusted-title">UNTRUSTED: what the coordinator says (not verified)</h2>
        <dl className="facts">
          <dt>Title</dt>
          <dd>{r.untrusted.title}</dd>
          <dt>Description</dt>
          <dd className="pre">{r.untrusted.description}</dd>
          <dt>Claimed tier</dt>
          <dd>
            {r.untrusted.claimedTier ?? '(none)'}
            {r.untrusted.tierMismatch ? ` — MISMATCH: this signer computed ${r.tier}` : ''}
          </dd>
        </dl>
      </section>
    </section>
  )
}

function Hashes({ hashes }: { hashes: { domainHash: string; messageHash: string; safeTxHash: string } }) {
  return (
    <>
      <dt>Domain hash</dt>
      <dd>
        <code className="hash">{hashes.domainHash}</code>
      </dd>
      <dt>Message hash</dt>
      <dd>
        <code className="hash">{hashes.messageHash}</code>
      </dd>
      <dt>safeTxHash</dt>
      <dd>
        <code className="hash">{hashes.safeTxHash}</code>
      </dd>
    </>
  )
}

// A nested Safe: this Safe's approveHash approves a transaction of the Safe it owns, carried with the
// request; its hashes are recomputed here and its calls decoded under approveHash below.
function Approves({ approves }: { approves: NonNullable<ReviewView['approves']> }) {
  return (
    <section aria-labelledby="approves-title" data-testid="approves">
      <h2 id="approves-title">Approves a transaction of Safe {approves.safe}</h2>
      <p>
        This Safe owns <code>{approves.safe}</code>: its approveHash counts as this Safe's signature on that
        Safe's transaction, whose calls are decoded under approveHash below.
      </p>
      <dl className="facts hashes">
        <dt>Safe version</dt>
        <dd>{approves.safeVersion}</dd>
        <dt>Nonce</dt>
        <dd>{approves.nonce}</dd>
        <Hashes hashes={approves.hashes} />
      </dl>
      {approves.matches ? (
        <p className="ok-box">
          MATCHES: the hash approved is this transaction's safeTxHash, recomputed by this signer.
        </p>
      ) : (
        <p className="refused-note" role="alert">
          DOES NOT MATCH: the call approves {approves.approvedHash ?? 'no plain hash'}, not this transaction's
          safeTxHash. The carried transaction is not what would be approved.
        </p>
      )}
    </section>
  )
}

function Verdict({ review }: { review: ReviewView }) {
  if (review.verdict === 'refuse') {
    return (
      <div className="verdict refused" role="alert" data-testid="verdict">
        <h2>
          REFUSED ({review.refusals.length} reason{review.refusals.length === 1 ? '' : 's'})
        </h2>
        <ul>
          {review.refusals.map((x) => (
            <li key={`${x.source}:${x.code}`}>
              <strong>{x.code}</strong> ({x.source}): {x.message}
            </li>
          ))}
        </ul>
      </div>
    )
  }
  return (
    <div className="verdict allowed" role="status" data-testid="verdict">
      <h2>
        {review.verdict === 'attest'
          ? 'ATTEST: round 1 approval attestation (not a Safe signature)'
          : 'SIGN: the policy allows this request'}
      </h2>
    </div>
  )
}
