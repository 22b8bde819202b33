// Node only: the handlers over a state directory on disk, with the real interface list, the real
// Ledger (node-hid) and the log file. Main uses it as is; tests inject the interface list.
import { readFile } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import type { Failure, LedgerDevice } from '@airlock/devices'
import { cedar } from '@airlock/policy/node'
import { files, openStateDir } from '@airlock/signer-core/node'
import type { Interfaces } from './airGap.ts'
import { createHandlers, type Handlers } from './handlers.ts'

export type OpenAppParameters = {
  stateDir: string
  airGapOverride?: boolean | undefined
  /** Default: `os.networkInterfaces()`, read on every check. */
  interfaces?: (() => Interfaces) | undefined
  /** Default: the Ledger over node-hid. */
  openLedger?: (() => Promise<LedgerDevice | Failure>) | undefined
  ledgerPath?: string | undefined
  clock?: (() => Date) | undefined
}

/**
 * Opens the signer state directory and returns the app's handlers over it.
 *
 * @example
 * const api = await openApp({ stateDir: '/home/me/.airlock/signer' })
 */
export async function openApp({
  stateDir,
  airGapOverride = false,
  interfaces = networkInterfaces,
  openLedger = openLedgerHid,
  ledgerPath,
  clock,
}: OpenAppParameters): Promise<Handlers> {
  const state = await openStateDir({ dir: stateDir, cedar, ...(clock ? { clock } : {}) })
  return createHandlers({
    state,
    cedar,
    interfaces,
    airGapOverride,
    openLedger,
    ledgerPath,
    readLogText: () => readFile(join(stateDir, files.log), 'utf8'),
  })
}

// Loaded only when a Ledger is asked for: node-hid is a native module.
async function openLedgerHid(): Promise<LedgerDevice | Failure> {
  const { openLedgerHid: open } = await import('@airlock/devices/node')
  return open()
}
