import { describe, expect, it } from 'vitest'
import * as LedgerStatus from './LedgerStatus.ts'

describe('LedgerStatus', () => {
  it('maps every status word in the table, and unknown ones to device-error', () => {
    const codes = Object.fromEntries(
      [...LedgerStatus.table].map(([sw, entry]) => [sw.toString(16), entry.code]),
    )
    expect(codes).toMatchInlineSnapshot(`
      {
        "5501": "rejected",
        "5515": "locked",
        "6511": "wrong-app",
        "6982": "rejected",
        "6985": "rejected",
        "6a80": "invalid-data",
        "6a84": "unsupported",
        "6b00": "unsupported",
        "6d00": "wrong-app",
        "6d02": "wrong-app",
        "6e00": "wrong-app",
        "6e01": "wrong-app",
      }
    `)
    expect(LedgerStatus.describe(0x6fff).code).toBe('device-error')
  })

  it('words the expected outcomes for the user', () => {
    const words = (sw: number) => {
      const { severity, userMessage, hint } = LedgerStatus.describe(sw)
      return `${severity}: ${userMessage} ${hint}`
    }
    expect(words(0x6985)).toMatchInlineSnapshot(
      `"info: The request was refused on the Ledger. Nothing was signed. Start again if this was a mistake."`,
    )
    expect(words(0x5515)).toMatchInlineSnapshot(
      `"warning: The Ledger is locked. Unlock it with your PIN, open the Ethereum app and try again."`,
    )
    expect(words(0x6e00)).toMatchInlineSnapshot(
      `"warning: The Ethereum app is not open on the Ledger. Open the Ethereum app on the device (update it if it is already open), then try again."`,
    )
    expect(words(0x6a80)).toMatchInlineSnapshot(
      `"error: The Ethereum app refused the data as invalid. Nothing was signed. Update the Ethereum app with Ledger Live; if it persists, keep the request and the log for investigation."`,
    )
  })

  it('maps errors by shape, whatever copy of the Ledger libraries threw them', () => {
    expect(
      LedgerStatus.fromError({ name: 'LockedDeviceError', statusCode: 0x5515, message: 'x' }),
    ).toMatchObject({
      code: 'locked',
      statusWord: 0x5515,
    })
    expect(LedgerStatus.fromError({ name: 'TransportStatusError', statusCode: 0x6f42 })).toMatchObject({
      code: 'device-error',
      details: 'status 0x6f42',
    })
    expect(
      LedgerStatus.fromError({ name: 'TransportError', id: 'NoDevice', message: 'NoDevice' }),
    ).toMatchObject({
      code: 'disconnected',
    })
    expect(LedgerStatus.fromError(new TypeError('bug'))).toBeUndefined()
    expect(LedgerStatus.fromError('text')).toBeUndefined()
    expect(LedgerStatus.fromError(null)).toBeUndefined()
  })
})
