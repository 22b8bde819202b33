// Node only: the USB HID transport (node-hid, built against libusb/libudev). The signer's main
// process opens the Ledger here and hands the `LedgerDevice` to the portable signing code.
import TransportNodeHid from '@ledgerhq/hw-transport-node-hid'
import { type Eip712Preference, LedgerDevice } from './LedgerDevice.ts'
import * as LedgerStatus from './LedgerStatus.ts'
import { type Failure, failure } from './Outcome.ts'

export type OpenLedgerHidParameters = {
  /** HID path from `listLedgerHid()`; the first Ledger found when omitted. */
  hidPath?: string | undefined
  eip712?: Eip712Preference | undefined
}

/**
 * HID paths of the Ledgers plugged in (vendor id 0x2c97).
 *
 * @example
 * const paths = await listLedgerHid()
 */
export async function listLedgerHid(): Promise<string[]> {
  const paths: unknown = await TransportNodeHid.list()
  return Array.isArray(paths) ? paths.filter((path): path is string => typeof path === 'string') : []
}

/**
 * Opens a Ledger over USB HID. No device, or one that cannot be opened, is a `disconnected` outcome.
 *
 * @example
 * const ledger = await openLedgerHid()
 * if ('ok' in ledger) show(ledger.userMessage)
 * else await ledger.signSafeTx({ tx, context, path, expectedOwner })
 */
export async function openLedgerHid({
  hidPath,
  eip712,
}: OpenLedgerHidParameters = {}): Promise<LedgerDevice | Failure> {
  try {
    const transport = await TransportNodeHid.open(hidPath ?? '')
    return new LedgerDevice({ transport, eip712 })
  } catch (error) {
    const outcome = LedgerStatus.fromError(error)
    if (outcome) return outcome
    // node-hid reports "cannot open device" and friends as plain Errors: the device is not usable.
    if (error instanceof Error)
      return failure({ kind: 'ledger', code: 'disconnected', details: error.message })
    throw error
  }
}
