// What the window shows when a device cannot be used, shared by the transaction and the Safe
// message handlers (they offer the same devices and must word the same failure the same way).
import type { Failure } from '@airlock/devices'
import type { DeviceOutcomeView } from './api.ts'

/** A device library's failure as the window shows it. */
export function outcomeView(failure: Failure): DeviceOutcomeView {
  return { code: failure.code, severity: failure.severity, message: failure.userMessage, hint: failure.hint }
}

/** An error the app itself found about a device (no key, unknown account). */
export function failureView(code: string, message: string, hint: string): DeviceOutcomeView {
  return { code, severity: 'error', message, hint }
}

/** The software test key was chosen but this state directory has none. */
export const noSoftwareKey = (): DeviceOutcomeView =>
  failureView('no-software-key', 'This signer has no software test key.', 'Use the Ledger.')
