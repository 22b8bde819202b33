import { type Description, descriptions, type Failure, type FailureCode, failure } from './Outcome.ts'

/** What a status word means for the user. */
export type StatusEntry = Description

function entry(code: FailureCode, userMessage?: string, hint?: string): StatusEntry {
  return {
    ...descriptions[code],
    ...(userMessage === undefined ? {} : { userMessage }),
    ...(hint === undefined ? {} : { hint }),
  }
}

/**
 * Ledger status words → outcome. The Ethereum app's own words are in Ledger's ETH_APP_ERRORS; these
 * are the ones a Safe signer meets. Anything else is a `device-error` carrying the hex status.
 */
export const table: ReadonlyMap<number, StatusEntry> = new Map([
  [0x6985, entry('rejected', 'The request was refused on the Ledger.')],
  [
    0x6982,
    entry(
      'rejected',
      'The Ledger refused the request (security status not satisfied).',
      'Nothing was signed. If you did not refuse it, unlock the Ledger and try again.',
    ),
  ],
  [0x5501, entry('rejected', 'The request was refused on the Ledger.')],
  [0x5515, entry('locked')],
  // The app's "invalid data". It means blind signing is off only when the app's configuration says
  // so: LedgerDevice asks getAppConfiguration and reports `blind-signing-disabled` then.
  [0x6a80, entry('invalid-data')],
  [
    0x6a84,
    entry(
      'unsupported',
      'The data is too large for the Ledger’s memory.',
      'Sign in hashed mode (compare the domain and message hashes), or use a Ledger with more memory.',
    ),
  ],
  [0x6b00, entry('unsupported')],
  [0x6e00, entry('wrong-app')],
  [0x6e01, entry('wrong-app')],
  [0x6d00, entry('wrong-app')],
  [0x6d02, entry('wrong-app')],
  [0x6511, entry('wrong-app')],
])

/**
 * The outcome for a status word; unknown words give `device-error` with the word in hex.
 *
 * @example
 * LedgerStatus.describe(0x6985).code // 'rejected'
 */
export function describe(statusWord: number): StatusEntry {
  return table.get(statusWord) ?? descriptions['device-error']
}

/** Transport errors (by their stable `name`) that mean the device is gone or could not be opened. */
const DISCONNECTED = new Set([
  'DisconnectedDevice',
  'DisconnectedDeviceDuringOperation',
  'TransportOpenUserCancelled',
  'TransportInterfaceNotAvailable',
  'TransportWebUSBGestureRequired',
  'TransportExchangeTimeoutError',
  'CantOpenDevice',
  'PairingFailed',
])

/**
 * Maps an error thrown by a Ledger transport or app call to an outcome: a status word through the
 * table, a known transport error to `disconnected`/`busy`. Returns undefined for anything else
 * (a bug, not a device outcome), which the caller rethrows.
 *
 * @example
 * const outcome = LedgerStatus.fromError(error)
 * if (!outcome) throw error
 */
export function fromError(error: unknown): Failure | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const { statusCode, name, message, id } = error as {
    statusCode?: unknown
    name?: unknown
    message?: unknown
    id?: unknown
  }
  const text = typeof message === 'string' ? message : undefined
  // Matched by shape, not class: the app, the transport and the HID package each bundle their own copy.
  if (typeof statusCode === 'number' && Number.isInteger(statusCode)) {
    const { code, userMessage, hint } = describe(statusCode)
    return failure({
      kind: 'ledger',
      code,
      statusWord: statusCode,
      userMessage,
      hint,
      details: `status 0x${statusCode.toString(16).padStart(4, '0')}${text ? `: ${text}` : ''}`,
    })
  }
  if (typeof name !== 'string') return undefined
  if (
    DISCONNECTED.has(name) ||
    (name === 'TransportError' && (id === 'NoDevice' || id === 'NoDeviceFound'))
  ) {
    return failure({ kind: 'ledger', code: 'disconnected', details: `${name}${text ? `: ${text}` : ''}` })
  }
  if (name === 'TransportRaceCondition') {
    return failure({ kind: 'ledger', code: 'busy', details: `${name}${text ? `: ${text}` : ''}` })
  }
  return undefined
}
