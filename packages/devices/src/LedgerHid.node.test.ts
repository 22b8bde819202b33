// Loads the real node-hid native module (built by the install) and talks to the machine's HID bus.
// CI machines have no Ledger plugged in: opening one must be a `disconnected` outcome, not a crash.
import { describe, expect, it } from 'vitest'
import { listLedgerHid, openLedgerHid } from './LedgerHid.node.ts'

describe('Ledger over node-hid', () => {
  it('lists Ledgers and opens the first, or reports it disconnected', async () => {
    const paths = await listLedgerHid()
    expect(Array.isArray(paths)).toBe(true)
    const ledger = await openLedgerHid()
    if (paths.length === 0) {
      expect(ledger).toMatchObject({ ok: false, kind: 'ledger', code: 'disconnected' })
    } else if (!('ok' in ledger)) {
      await ledger.close()
    }
  })

  it('reports a HID path that does not exist as disconnected', async () => {
    expect(await openLedgerHid({ hidPath: '/dev/hidraw-airlock-missing' })).toMatchObject({
      ok: false,
      code: 'disconnected',
    })
  })
})
