// A Safe message request (EIP-1271) scanned by QR: what it authorises (permits, Permit2 allowances and
// transfers with spender and amount in units, deadlines, a witness), the hashes a Ledger shows, the
// policy's verdict; sign it when allowed, then show the signature as an animated QR. Everything here
// was decided by the engine in main; the coordinator's words come last, marked untrusted.
import { useCallback, useEffect, useState } from 'react'
import type {
  AnswerView,
  DeviceChoice,
  MessageReviewResult,
  MessageReviewView,
  MessageSignView,
  StatusView,
} from '../api.ts'
import { api } from './api.dom.ts'
import { DevicePicker } from './devicePicker.dom.tsx'
import { AnimatedQr } from './flow.dom.tsx'

export function MessageScreen({
  status,
  device,
  onDevice,
  onSigned,
}: {
  status: StatusView | undefined
  device: DeviceChoice
  onDevice: (device: DeviceChoice) => void
  onSigned: () => void
}) {
  const [result, setResult] = useState<MessageReviewResult | undefined>()
  const [signed, setSigned] = useState<MessageSignView | undefined>()
  const [answer, setAnswer] = useState<AnswerView | undefined>()
  const [error, setError] = useState<string | undefined>()

  useEffect(() => {
    // A slower answer for the previous device (a Ledger that is not there) must not replace this one.
    let current = true
    setSigned(undefined)
    setAnswer(undefined)
    api()
      .messageReview({ device })
      .then((r) => {
        if (current) setResult(r)
      })
      .catch((e: Error) => {
        if (current) setError(e.message)
      })
    return () => {
      current = false
    }
  }, [device])

  const sign = useCallback(async () => {
    setError(undefined)
    try {
      const outcome = await api().messageSign({ device })
      setSigned(outcome)
      if (outcome.status === 'released') setAnswer(await api().messageAnswer({ density: 'medium' }))
      onSigned()
    } catch (e) {
      setError((e as Error).message)
    }
  }, [device, onSigned])

  const review = result?.status === 'reviewed' ? result.review : undefined
  return (
    <section aria-labelledby="message-title">
      <h1 id="message-title" tabIndex={-1}>
        Safe message
      </h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <DevicePicker
        devices={(status?.devices ?? []).filter((d) => d.device !== 'keystone')}
        device={device}
        name="message-device"
        onDevice={onDevice}
      />
      {result?.status === 'device-error' && (
        <div className={`device-outcome ${result.outcome.severity}`} role="alert">
          <p>{result.outcome.message}</p>
          <p>{result.outcome.hint}</p>
        </div>
      )}
      {review && (
        <MessageReview review={signed?.status === 'refused' && signed.review ? signed.review : review} />
      )}
      {review?.allowed && !signed && (
        <button type="button" className="primary" data-testid="message-sign" onClick={() => void sign()}>
          Sign this message
        </button>
      )}
      {signed?.status === 'refused' && (
        <div className="verdict refuse" role="alert" data-testid="message-refused">
          Refused:
          <ul>
            {signed.refusals.map((r) => (
              <li key={r.code}>
                <code>{r.code}</code>: {r.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {(signed?.status === 'device-error' || signed?.status === 'air-gap') && (
        <p role="alert" className="error">
          {signed.status === 'air-gap' ? signed.message : `${signed.outcome.message} ${signed.outcome.hint}`}
        </p>
      )}
      {signed?.status === 'released' && answer && (
        <>
          <p data-testid="message-released">
            Signed by {signed.signer} over Safe message hash <code>{signed.safeMessageHash}</code>. Show this
            code to the coordinator’s camera (airlock message post reads it).
          </p>
          <AnimatedQr view={answer} label="Safe message signature" testId="message-answer" />
        </>
      )}
    </section>
  )
}

function MessageReview({ review }: { review: MessageReviewView }) {
  return (
    <div data-testid="message-review">
      <p className={`verdict ${review.allowed ? 'sign' : 'refuse'}`} data-testid="message-verdict">
        {review.allowed ? 'SIGN MESSAGE: the policy allows it' : 'REFUSE'}
      </p>
      {review.refusals.length > 0 && (
        <ul>
          {review.refusals.map((r) => (
            <li key={r.code}>
              <code>{r.code}</code>: {r.message}
            </li>
          ))}
        </ul>
      )}
      <dl>
        <dt>Safe</dt>
        <dd>
          {review.safe} (chain {review.chainId}, Safe {review.safeVersion})
        </dd>
        <dt>Signer</dt>
        <dd>
          {review.signer.address} ({review.signer.keyKind})
        </dd>
        <dt>Message</dt>
        <dd>{review.message ?? 'unreadable'}</dd>
      </dl>
      <h2>What it authorises</h2>
      {review.text !== undefined && <pre data-testid="message-text">{review.text}</pre>}
      {review.permits.length > 0 && (
        <table data-testid="message-permits">
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">Amount</th>
              <th scope="col">Asset</th>
              <th scope="col">Spender (pulls the tokens)</th>
            </tr>
          </thead>
          <tbody>
            {review.permits.map((p) => (
              <tr key={`${p.what}-${p.asset}-${p.spender}-${p.amount}`}>
                <td>{p.what}</td>
                <td>{p.unlimited ? 'UNLIMITED' : `${p.units ?? `${p.amount} base units`} (${p.amount})`}</td>
                <td>
                  {p.assetLabel ?? 'not listed'} <code>{p.asset}</code>
                </td>
                <td>
                  {p.spenderLabel ?? 'NOT LISTED'} <code>{p.spender}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {review.deadlines.length > 0 && (
        <ul data-testid="message-deadlines">
          {review.deadlines.map((d) => (
            <li key={d.path}>
              {d.kind === 'signature' ? 'Signature valid until' : 'Allowance expires'} {d.at} ({d.path})
              {d.expired ? ': EXPIRED' : ''}
            </li>
          ))}
        </ul>
      )}
      {review.witness && (
        <div data-testid="message-witness">
          <h3>
            Witness {review.witness.field} ({review.witness.type})
          </h3>
          <pre>{review.witness.json}</pre>
          <p>
            witnessTypeString <code>{review.witness.typeString}</code>
          </p>
        </div>
      )}
      {review.unknown && <p className="warning">{review.unknown}</p>}
      {review.findings.length > 0 && (
        <ul>
          {review.findings.map((f) => (
            <li key={f.code}>
              [{f.severity.toUpperCase()}] <code>{f.code}</code>: {f.reason}
            </li>
          ))}
        </ul>
      )}
      {review.hashes && (
        <>
          <h2>Compare with the device</h2>
          <dl data-testid="message-hashes">
            <dt>Domain hash</dt>
            <dd>
              <code>{review.hashes.domainHash}</code>
            </dd>
            <dt>Message hash</dt>
            <dd>
              <code>{review.hashes.messageHash}</code>
            </dd>
            <dt>Safe message hash (Transaction Service)</dt>
            <dd>
              <code>{review.hashes.safeMessageHash}</code>
            </dd>
          </dl>
        </>
      )}
      <h2>Untrusted (from the coordinator, not verified)</h2>
      <dl className="untrusted">
        <dt>Title</dt>
        <dd>{review.untrusted.title}</dd>
        <dt>Description</dt>
        <dd>{review.untrusted.description}</dd>
      </dl>
    </div>
  )
}
