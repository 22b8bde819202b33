/**
 * Why the signer refuses. Codes are stable: tests, the UI and the audit log match on them. Policy
 * forbids keep the policy's own `@id` as their code (e.g. `treasury.no-gas-refund`).
 */
export const codes = {
  'no-policy': 'No policy bundle is installed on this signer.',
  'clock-rollback':
    'The signer’s clock reads earlier than its last log entry. If the clock ran ahead before (no time sync), only a policy bundle with a clock reset signed by the security leads (signerRules.clockReset) recovers this signer.',
  'unknown-safe': 'The Safe is not listed in the installed policy’s org config.',
  'wrong-chain': 'The Safe is listed in the org config, but for another chain.',
  'safe-version-mismatch': 'The request’s Safe version differs from the org config’s.',
  'legacy-safe-version':
    'Safe versions before 1.3.0 sign without a chain id; the policy does not allow them.',
  undecodable: 'The transaction’s calldata could not be decoded.',
  'not-an-owner': 'This signer’s key is not an owner of the Safe.',
  'already-signed': 'This signer already signed this exact transaction (replay).',
  'replacement-not-allowed': 'This signer already signed another transaction for this Safe and nonce.',
  'replacement-not-acknowledged':
    'This signer already signed another transaction for this Safe and nonce; the operator must acknowledge the replacement.',
  'forged-signature': 'A Safe signature in the request does not recover to the owner it claims.',
  'forged-attestation': 'An approval attestation in the request does not recover to the owner it claims.',
  'attestation-not-owner': 'An approval attestation comes from an address that is not an owner of this Safe.',
  'duplicate-attestation': 'The same owner’s attestation appears more than once.',
  'tier-understated': 'The coordinator claims a lower tier than the signer computed.',
  'insufficient-approvals': 'Not enough distinct owners attested to this transaction yet.',
  'delay-not-elapsed': 'This signer first saw the transaction too recently for its tier’s delay.',
  'software-key-not-allowed': 'The installed policy does not allow software keys.',
  'policy-denied': 'The policy engine refused the request.',
  'keystone-unknown-request':
    'The Keystone signature answers no request this signer has pending (another or an already answered request id).',
  'keystone-wrong-hash': 'The Keystone signature answers a request this signer made for another transaction.',
  'keystone-wrong-signer':
    'The Keystone signature does not recover to the expected owner over the hash this signer computed.',
  'keystone-invalid-signature': 'The Keystone signature QR code is malformed.',
  'keystone-stale-request':
    'The pending Keystone request was for another round or key; request a new Keystone signature.',
  'keystone-expired-request':
    'The pending Keystone request is older than this signer accepts; request a new Keystone signature.',
  'request-too-complex':
    'The request exceeds the decoder’s work budget (call depth, decoded calls, bytes or values): refused without decoding it in full.',
  'nonce-gap':
    'This signer does not know what executed at every earlier nonce of this Safe: the request must carry each with owner signatures reaching the threshold.',
  'receipt-invalid':
    'A peer’s receipt in the request does not verify (bad signature, malformed, or for another Safe or chain).',
  'peer-log-inconsistent':
    'A peer’s signed log head is behind, or beside, the one this signer kept of it: that log was cut or forked.',
  'receipt-unknown-key':
    'A receipt in the request is signed by an audit key the policy bundle does not enroll.',
  'approved-hash-mismatch':
    'The request carries another Safe’s transaction for its approveHash, but that transaction does not hash (with its Safe’s own domain, on this chain) to the hash approved, or the request is not a plain approveHash on that Safe.',
  'internal-error':
    'The signer hit an internal error while deciding this request; nothing was signed. Keep the log and the request for investigation.',
} as const

export type SignerCode = keyof typeof codes

/** One reason for a refusal: the signer's own checks (`signer`) or a policy forbid (`policy`). */
export type Refusal = {
  /** A `SignerCode`, or the policy's `@id` for policy reasons. */
  code: string
  source: 'signer' | 'policy'
  message: string
}

/**
 * A refusal from one of the signer's own checks, with its standard sentence unless a more precise one is given.
 *
 * @example
 * Refusal.signer('unknown-safe') // { code: 'unknown-safe', source: 'signer', message: 'The Safe is not listed …' }
 */
export function signer(code: SignerCode, message?: string | undefined): Refusal {
  return { code, source: 'signer', message: message ?? codes[code] }
}

/**
 * The refusal for an error the signer did not expect: `internal-error`, naming the error (its stable
 * `name` for Airlock errors, the class name otherwise) so the log says what broke.
 *
 * @example
 * Refusal.internalError(new RangeError('Maximum call stack size exceeded')).message // '… (RangeError: Maximum call stack …)'
 */
export function internalError(error: unknown): Refusal {
  const name = error instanceof Error ? error.name : typeof error
  const raw = error instanceof Error ? error.message : String(error)
  // The message may carry request bytes: keep it short and on one line.
  const detail = raw.split('\n')[0]!.slice(0, 200)
  return signer('internal-error', `${codes['internal-error']} (${name}${detail ? `: ${detail}` : ''})`)
}
