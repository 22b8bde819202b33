// Node only: the handlers over a state directory on disk, with the real interface list, the real
// Ledger (node-hid) and the log file. Main uses it as is; tests inject the interface list.
import { readdirSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import type { Failure, LedgerDevice } from '@airlock/devices'
import { cedar } from '@airlock/policy/node'
import { files, openStateDir } from '@airlock/signer-core/node'
import { airGapStatus, type Interfaces, type Link, type Radio } from './airGap.ts'
import { createHandlers, type Handlers, logAirGapOverride } from './handlers.ts'

export type OpenAppParameters = {
  stateDir: string
  airGapOverride?: boolean | undefined
  /** Default: `os.networkInterfaces()`, read on every check. */
  interfaces?: (() => Interfaces) | undefined
  /** Default: the links in /sys/class/net (Linux; none elsewhere). */
  links?: (() => readonly Link[]) | undefined
  /** Default: the radios in /sys/class/rfkill (Linux; none elsewhere). */
  radios?: (() => readonly Radio[]) | undefined
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
  links = sysfsLinks,
  radios = sysfsRadios,
  openLedger = openLedgerHid,
  ledgerPath,
  clock,
}: OpenAppParameters): Promise<Handlers> {
  const state = await openStateDir({ dir: stateDir, cedar, ...(clock ? { clock } : {}) })
  if (airGapOverride) {
    // The operator chose to sign while networked: an entry in the signed, hash-chained decision log,
    // with what was up, before any screen shows.
    const gap = airGapStatus({ interfaces: interfaces(), links: links(), radios: radios(), override: true })
    try {
      await logAirGapOverride({ log: state.log, clock, decision: 'started', up: gap.up })
    } catch (error) {
      await state.close()
      throw error
    }
  }
  return createHandlers({
    state,
    cedar,
    interfaces,
    links,
    radios,
    airGapOverride,
    openLedger,
    ledgerPath,
    readLogText: () => readFile(join(stateDir, files.log), 'utf8'),
    clock,
  })
}

// Loaded only when a Ledger is asked for: node-hid is a native module.
async function openLedgerHid(): Promise<LedgerDevice | Failure> {
  const { openLedgerHid: open } = await import('@airlock/devices/node')
  return open()
}

// Linux: every link and its operational state (a link can be up with no address yet).
function sysfsLinks(): Link[] {
  return readEach('/sys/class/net', (dir, name) => ({ name, operstate: read(join(dir, 'operstate')) }))
}

// Linux: Wi-Fi and Bluetooth radios; one that is neither soft- nor hard-blocked can transmit.
function sysfsRadios(): Radio[] {
  return readEach('/sys/class/rfkill', (dir) => ({
    name: read(join(dir, 'name')),
    type: read(join(dir, 'type')),
    on: read(join(dir, 'soft')) === '0' && read(join(dir, 'hard')) === '0',
  })).filter((r) => r.type === 'wlan' || r.type === 'bluetooth')
}

function readEach<T>(root: string, entry: (dir: string, name: string) => T): T[] {
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return [] // not Linux, or no such devices
  }
  return names.map((name) => entry(join(root, name), name))
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return ''
  }
}
