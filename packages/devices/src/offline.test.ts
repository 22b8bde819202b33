// The signer is offline: nothing the Ledger adapter calls may reach for the network. Every way out
// of the process (fetch, http, https, raw sockets, DNS) is made to throw and record the attempt.
import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { SafeTxHash } from '@airlock/safe'
import Eth from '@ledgerhq/hw-app-eth'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LedgerDevice } from './LedgerDevice.ts'
import { EthAppSimulator } from './testing/EthAppSimulator.ts'
import { context, owner, PATH, tx } from './testing/fixtures.ts'

const attempts: string[] = []

function trap(name: string) {
  return (...args: unknown[]): never => {
    attempts.push(`${name} ${String(args[0]).slice(0, 80)}`)
    throw new Error(`network access in an offline test: ${name}`)
  }
}

beforeEach(() => {
  attempts.length = 0
  vi.spyOn(globalThis, 'fetch').mockImplementation(trap('fetch'))
  vi.spyOn(http, 'request').mockImplementation(trap('http.request'))
  vi.spyOn(http, 'get').mockImplementation(trap('http.get'))
  vi.spyOn(https, 'request').mockImplementation(trap('https.request'))
  vi.spyOn(https, 'get').mockImplementation(trap('https.get'))
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(trap('net.connect'))
  vi.spyOn(dns, 'lookup').mockImplementation(trap('dns.lookup'))
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('offline', () => {
  it('signs in full and hashed mode, reads addresses and the app, without any network attempt', async () => {
    // 1.13.0 takes the library's newest paths (v2 filters, ERC-20 signature blobs), the ones that fetch.
    for (const eip712 of ['auto', 'hashed'] as const) {
      const device = new LedgerDevice({ transport: new EthAppSimulator({ version: '1.13.0' }), eip712 })
      expect(await device.getAddress({ path: PATH, confirm: true })).toMatchObject({ ok: true })
      expect(await device.plan({ tx, context })).toMatchObject({ ok: true })
      expect(
        await device.signSafeTx({ tx, context, path: PATH, expectedOwner: owner.address }),
      ).toMatchObject({
        ok: true,
        mode: eip712 === 'auto' ? 'eip712-full' : 'eip712-hashed',
      })
    }
    expect(attempts).toEqual([])
  })

  it('catches the attempts the library makes with its default settings (the trap works)', async () => {
    const eth = new Eth(new EthAppSimulator({ version: '1.13.0' }))
    const typed = SafeTxHash.typedData({ tx, context })
    const json = JSON.parse(
      JSON.stringify(typed, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    )
    // The library swallows lookup failures and signs anyway; what matters is that it tried.
    await eth.signEIP712Message("44'/60'/0'/0/0", json)
    expect(attempts.length).toBeGreaterThan(0)
  })
})
