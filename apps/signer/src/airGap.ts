// Air-gap status from what the machine reports: interfaces with addresses (os.networkInterfaces()),
// links that are up even without an address, and radios (Wi-Fi, Bluetooth) that are switched on.
// Main reads them from the system; tests inject them.
import type { AirGapView } from './api.ts'

/** One interface address, as `os.networkInterfaces()` reports it. */
export type InterfaceAddress = { address: string; family: string | number; internal: boolean }

/** `os.networkInterfaces()`'s shape: only interfaces that are up and have an address are listed. */
export type Interfaces = Readonly<Record<string, readonly InterfaceAddress[] | undefined>>

/** A network link and its operational state (Linux: /sys/class/net/NAME/operstate). */
export type Link = { name: string; operstate: string }

/** A radio and whether it can transmit (Linux: /sys/class/rfkill, not soft- or hard-blocked). */
export type Radio = { name: string; type: string; on: boolean }

/**
 * Whether this machine is off every network: no interface but loopback has an address or a link up,
 * and no Wi-Fi or Bluetooth radio is on. The override is the operator's explicit choice at start
 * (logged by main and shown on every screen).
 *
 * @example
 * airGapStatus({ interfaces: os.networkInterfaces(), override: false }).maySign
 */
export function airGapStatus({
  interfaces,
  links = [],
  radios = [],
  override,
}: {
  interfaces: Interfaces
  links?: readonly Link[] | undefined
  radios?: readonly Radio[] | undefined
  override: boolean
}): AirGapView {
  const up: string[] = []
  const named = new Set<string>()
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const a of addresses ?? []) {
      if (!a.internal && !isLoopback(a.address)) {
        up.push(`${name} ${a.address}`)
        named.add(name)
      }
    }
  }
  for (const link of links) {
    if (link.name !== 'lo' && link.operstate === 'up' && !named.has(link.name))
      up.push(`${link.name} (link up)`)
  }
  for (const radio of radios) if (radio.on) up.push(`${radio.type} radio ${radio.name} on`)
  const isolated = up.length === 0
  return { isolated, up, override, maySign: isolated || override }
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.')
}
