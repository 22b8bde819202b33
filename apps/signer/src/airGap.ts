// Air-gap status from the interface list (os.networkInterfaces() in main; injected in tests).
import type { AirGapView } from './api.ts'

/** One interface address, as `os.networkInterfaces()` reports it. */
export type InterfaceAddress = { address: string; family: string | number; internal: boolean }

/** `os.networkInterfaces()`'s shape: only interfaces that are up and have an address are listed. */
export type Interfaces = Readonly<Record<string, readonly InterfaceAddress[] | undefined>>

/**
 * Whether this machine is off every network: no interface other than loopback is up. The override is
 * the operator's explicit choice at start (logged by main and shown on every screen).
 *
 * @example
 * airGapStatus({ interfaces: os.networkInterfaces(), override: false }).maySign
 */
export function airGapStatus({
  interfaces,
  override,
}: {
  interfaces: Interfaces
  override: boolean
}): AirGapView {
  const up: string[] = []
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const a of addresses ?? []) {
      if (!a.internal && !isLoopback(a.address)) up.push(`${name} ${a.address}`)
    }
  }
  const isolated = up.length === 0
  return { isolated, up, override, maySign: isolated || override }
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.')
}
