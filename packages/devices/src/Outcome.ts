import type { SafeTxHashes } from '@airlock/safe'
import type { Address, Hex } from 'viem'

export type DeviceKind = 'ledger' | 'keystone' | 'software'

/** How the device was asked to sign: the UI shows the two EIP-712 hashes for `eip712-hashed`. */
export type SigningMode = 'eip712-full' | 'eip712-hashed' | 'keystone-qr' | 'software'

/** How loud the UI and the log should be about a failure. */
export type Severity = 'info' | 'warning' | 'error' | 'critical'

/** Every way a device request can end without a usable result. */
export type FailureCode =
  /** The user refused on the device. */
  | 'rejected'
  /** The Ledger is locked (PIN not entered). */
  | 'locked'
  /** The Ethereum app's blind-signing / EIP-712 setting is off (status 0x6A80 while its configuration says so). */
  | 'blind-signing-disabled'
  /** The Ethereum app refused the data as invalid (status 0x6A80 with blind signing on). */
  | 'invalid-data'
  /** Another app (or the dashboard) is open instead of Ethereum. */
  | 'wrong-app'
  /** The app is too old, or the data too large, for the requested signing mode. */
  | 'unsupported'
  /** The device went away, or could not be opened. */
  | 'disconnected'
  /** Another request is still pending on the device. */
  | 'busy'
  /** A status the table does not know; `statusWord` carries it. */
  | 'device-error'
  /** The key that signed (or would sign) is not the expected owner's. */
  | 'wrong-signer'
  /** The signature does not cover the safeTxHash Airlock computed. */
  | 'wrong-hash'
  /** The signature is malformed: bad length, v, r or s, or a high s. */
  | 'invalid-signature'
  /** The device answered with data that does not check out (e.g. address ≠ public key). */
  | 'invalid-response'
  /** A scanned Keystone signature answers another request. */
  | 'wrong-request'
  /** The scanned QR code is not a Keystone signature. */
  | 'wrong-qr'
  /** The Keystone account for this path is not known (not synced). */
  | 'unknown-account'

/** The user-facing words and the severity of a failure code. */
export type Description = { code: FailureCode; severity: Severity; userMessage: string; hint: string }

/** A device request that ended without a usable result. Expected outcomes, shown by the UI and logged. */
export type Failure = Description & {
  ok: false
  kind: DeviceKind
  /** The Ledger status word, when the device sent one. */
  statusWord?: number | undefined
  /** Developer detail for the log: raw values, library messages. */
  details?: string | undefined
  /** The address the signature recovers to, for wrong-signer and wrong-hash. */
  recovered?: Address | undefined
}

/** An address the device derived (and, with `confirmed`, showed to the user). */
export type AddressResult = {
  ok: true
  kind: DeviceKind
  /** Canonical path, `m/44'/60'/0'/0/0`. */
  path: string
  address: Address
  /** Uncompressed public key, when the device gives one. */
  publicKey?: Hex | undefined
  /** True when the user confirmed the address on the device's screen. */
  confirmed: boolean
}

/** A signature that recovers to the expected owner over the safeTxHash Airlock computed. */
export type Signed = {
  ok: true
  kind: DeviceKind
  mode: SigningMode
  path: string
  /** r ‖ s ‖ v, 65 bytes, v = 27/28, low s: ready for the Safe's `signatures`. */
  signature: Hex
  signer: Address
  hashes: SafeTxHashes
}

export type AddressOutcome = AddressResult | Failure
export type SignOutcome = Signed | Failure

/** The words for each failure code. Ledger status words map onto these codes in `LedgerStatus.table`. */
export const descriptions: { readonly [code in FailureCode]: Description } = {
  rejected: {
    code: 'rejected',
    severity: 'info',
    userMessage: 'The request was refused on the device.',
    hint: 'Nothing was signed. Start again if this was a mistake.',
  },
  locked: {
    code: 'locked',
    severity: 'warning',
    userMessage: 'The Ledger is locked.',
    hint: 'Unlock it with your PIN, open the Ethereum app and try again.',
  },
  'blind-signing-disabled': {
    code: 'blind-signing-disabled',
    severity: 'warning',
    userMessage: 'The Ethereum app refused the data: blind signing is turned off.',
    hint: 'On the Ledger, open Ethereum > Settings, enable Blind signing, then try again.',
  },
  'invalid-data': {
    code: 'invalid-data',
    severity: 'error',
    userMessage: 'The Ethereum app refused the data as invalid.',
    hint: 'Nothing was signed. Update the Ethereum app with Ledger Live; if it persists, keep the request and the log for investigation.',
  },
  'wrong-app': {
    code: 'wrong-app',
    severity: 'warning',
    userMessage: 'The Ethereum app is not open on the Ledger.',
    hint: 'Open the Ethereum app on the device (update it if it is already open), then try again.',
  },
  unsupported: {
    code: 'unsupported',
    severity: 'warning',
    userMessage: 'The Ledger cannot sign this request in the way it was asked.',
    hint: 'Update the Ethereum app with Ledger Live (1.9.19 or later signs EIP-712 in full), then try again.',
  },
  disconnected: {
    code: 'disconnected',
    severity: 'warning',
    userMessage: 'The device was disconnected or could not be opened.',
    hint: 'Plug it in again, unlock it, open the Ethereum app and retry.',
  },
  busy: {
    code: 'busy',
    severity: 'warning',
    userMessage: 'The device is busy with another request.',
    hint: 'Finish or cancel the request shown on the device, then retry.',
  },
  'device-error': {
    code: 'device-error',
    severity: 'error',
    userMessage: 'The device reported an error.',
    hint: 'Reconnect the device, reopen the Ethereum app and retry; if it persists, note the status code.',
  },
  'wrong-signer': {
    code: 'wrong-signer',
    severity: 'error',
    userMessage: 'The device holds another key than the Safe owner’s.',
    hint: 'Connect the owner’s device, or pick the derivation path of the owner’s key.',
  },
  'wrong-hash': {
    code: 'wrong-hash',
    severity: 'critical',
    userMessage: 'The device’s signature does not cover this transaction.',
    hint: 'Nothing was accepted. Stop using this device until it is checked, and report the incident.',
  },
  'invalid-signature': {
    code: 'invalid-signature',
    severity: 'critical',
    userMessage: 'The device returned a malformed signature.',
    hint: 'Nothing was accepted. Reconnect the device and sign again; report it if it happens twice.',
  },
  'invalid-response': {
    code: 'invalid-response',
    severity: 'critical',
    userMessage: 'The device returned data that does not check out.',
    hint: 'Nothing was accepted. Stop using this device until it is checked, and report the incident.',
  },
  'wrong-request': {
    code: 'wrong-request',
    severity: 'warning',
    userMessage: 'This QR code answers another signing request.',
    hint: 'Scan the signature the Keystone shows for the request on screen now.',
  },
  'wrong-qr': {
    code: 'wrong-qr',
    severity: 'warning',
    userMessage: 'This QR code is not a Keystone signature.',
    hint: 'Scan the signature QR code the Keystone shows after signing.',
  },
  'unknown-account': {
    code: 'unknown-account',
    severity: 'warning',
    userMessage: 'The Keystone account for this derivation path is not known.',
    hint: 'Sync the Keystone again (scan its account QR code) or choose a synced path.',
  },
}

export type FailureParameters = {
  kind: DeviceKind
  code: FailureCode
  statusWord?: number | undefined
  details?: string | undefined
  recovered?: Address | undefined
  /** Overrides the code's default words (the Ledger table is more specific for some status words). */
  userMessage?: string | undefined
  hint?: string | undefined
}

/**
 * A failure outcome with the code's words, severity and any detail for the log.
 *
 * @example
 * Outcome.failure({ kind: 'ledger', code: 'rejected', statusWord: 0x6985 })
 */
export function failure({
  kind,
  code,
  statusWord,
  details,
  recovered,
  userMessage,
  hint,
}: FailureParameters): Failure {
  const description = descriptions[code]
  return {
    ok: false,
    kind,
    ...description,
    ...(userMessage === undefined ? {} : { userMessage }),
    ...(hint === undefined ? {} : { hint }),
    ...(statusWord === undefined ? {} : { statusWord }),
    ...(details === undefined ? {} : { details }),
    ...(recovered === undefined ? {} : { recovered }),
  }
}

/**
 * True for outcomes that carry a result (an address or a checked signature).
 *
 * @example
 * if (Outcome.isOk(outcome)) submit(outcome.signature)
 */
export function isOk<T extends { ok: boolean }>(outcome: T): outcome is Extract<T, { ok: true }> {
  return outcome.ok
}
