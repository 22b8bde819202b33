import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { SafeTx, SafeTxHash } from '@airlock/safe'
import {
  DisconnectedDevice,
  DisconnectedDeviceDuringOperation,
  TransportOpenUserCancelled,
  TransportRaceCondition,
} from '@ledgerhq/errors'
import { openTransportReplayer, RecordStore } from '@ledgerhq/hw-transport-mocker'
import { bytesToHex, type Hex, hexToBytes, recoverAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import type { Prompt } from './Device.ts'
import { chooseMode, LedgerDevice } from './LedgerDevice.ts'
import * as LedgerStatus from './LedgerStatus.ts'
import { EthAppSimulator, type EthAppSimulatorOptions } from './testing/EthAppSimulator.ts'
import { context, OTHER_MNEMONIC, other, owner, PATH, tx } from './testing/fixtures.ts'

const require = createRequire(import.meta.url)
// The recordings Ledger ships with @ledgerhq/hw-app-eth (tests/ is part of the published package).
const ethPackage = dirname(require.resolve('@ledgerhq/hw-app-eth/package.json'))
const shipped = (file: string) => readFileSync(join(ethPackage, 'tests', file), 'utf8')

/** Speculos's default seed: the emulator Ledger used to record the EIP-712 fixtures. */
const SPECULOS_MNEMONIC =
  'glory promote mansion idle axis finger extra february uncover one trip resource lawn turtle enact monster seven myth punch hobby comfort wild raise skin'

const hashes = SafeTxHash.compute({ tx, context })

function ledger(options: EthAppSimulatorOptions = {}, eip712?: 'auto' | 'full' | 'hashed') {
  const transport = new EthAppSimulator(options)
  return { transport, device: new LedgerDevice({ transport, eip712 }) }
}

const sign = (device: LedgerDevice, extra: { owners?: readonly `0x${string}`[] } = {}) =>
  device.signSafeTx({ tx, context, path: PATH, expectedOwner: owner.address, ...extra })

/** Our own exchange, computed from a real key: GET ADDRESS (no display) for a path. */
function addressExchange(mnemonic: string, path: string): string {
  const account = mnemonicToAccount(mnemonic, { path: path as `m/44'/60'/${string}` })
  const levels = path.replace('m/', '').split('/')
  const pathBytes = levels.map((level) =>
    (Number.parseInt(level, 10) + (level.endsWith("'") ? 0x8000_0000 : 0)).toString(16).padStart(8, '0'),
  )
  const data = `${levels.length.toString(16).padStart(2, '0')}${pathBytes.join('')}`
  const publicKey = account.publicKey.slice(2)
  const address = bytesToHex(new TextEncoder().encode(account.address.slice(2))).slice(2)
  return `=> e0020000${(data.length / 2).toString(16).padStart(2, '0')}${data}\n<= 41${publicKey}28${address}9000\n`
}

describe('LedgerDevice with recordings shipped in @ledgerhq/hw-app-eth', () => {
  it('replays the getAddress recording and checks the address against the public key', async () => {
    const source = shipped('Eth.unit.test.ts')
    const block = /test\("getAddress", async[\s\S]*?RecordStore\.fromString\(`([\s\S]*?)`\)/.exec(source)
    expect(block?.[1]).toContain('=> e002')
    const store = RecordStore.fromString(block?.[1] ?? '')
    const device = new LedgerDevice({ transport: await openTransportReplayer(store) })
    const outcome = await device.getAddress({ path: "m/44'/60'/0'/0'/0" })
    store.ensureQueueEmpty()
    expect(outcome).toMatchObject({
      ok: true,
      address: '0xCbA98362e199c41E1864D0923AF9646d3A648451',
      path: "m/44'/60'/0'/0'/0",
      confirmed: false,
    })
  })

  it('replays the EIP-712 Permit recording (signed by the Speculos seed) through signTypedData', async () => {
    const typedData = JSON.parse(shipped('fixtures/messages/15-permit.json'))
    const store = RecordStore.fromString(
      // Our two exchanges first (app configuration: Ethereum 1.13.0, blind signing on; the key check),
      // then Ledger's recording verbatim: any APDU our adapter sends differently fails the replay.
      `=> e006000000\n<= 01010d009000\n${addressExchange(SPECULOS_MNEMONIC, PATH)}${shipped('fixtures/apdus/version-1.0.0.apdus')}\n${shipped('fixtures/apdus/15.apdus')}`,
    )
    const device = new LedgerDevice({ transport: await openTransportReplayer(store) })
    const speculos = mnemonicToAccount(SPECULOS_MNEMONIC)
    const outcome = await device.signTypedData({ typedData, path: PATH, expectedSigner: speculos.address })
    store.ensureQueueEmpty()
    expect(outcome).toMatchObject({ ok: true, mode: 'eip712-full', signer: speculos.address })
    if (!outcome.ok) return
    expect(await recoverAddress({ hash: outcome.digest, signature: outcome.signature })).toBe(
      speculos.address,
    )
  })

  it('refuses the same recording for another expected signer before the device signs', async () => {
    const typedData = JSON.parse(shipped('fixtures/messages/15-permit.json'))
    const store = RecordStore.fromString(
      `=> e006000000\n<= 01010d009000\n${addressExchange(SPECULOS_MNEMONIC, PATH)}`,
    )
    const device = new LedgerDevice({ transport: await openTransportReplayer(store) })
    const outcome = await device.signTypedData({ typedData, path: PATH, expectedSigner: owner.address })
    expect(outcome).toMatchObject({
      ok: false,
      code: 'wrong-signer',
      recovered: mnemonicToAccount(SPECULOS_MNEMONIC).address,
    })
  })
})

describe('LedgerDevice.signTypedData', () => {
  it('throws a typed error for typed data that is not EIP-712', async () => {
    const { transport, device } = ledger()
    const typedData = {
      domain: {},
      types: { Mail: [{ name: 'to', type: 'address' }] },
      primaryType: 'Mail',
      message: { to: 'nope' },
    }
    await expect(
      device.signTypedData({ typedData, path: PATH, expectedSigner: owner.address }),
    ).rejects.toMatchObject({
      name: 'Devices.InvalidParameterError',
    })
    expect(transport.received).toEqual([])
  })
})

describe('LedgerDevice.signSafeTx against a simulated Ethereum app', () => {
  it('streams the SafeTx as full EIP-712 and returns a signature by the owner over the safeTxHash', async () => {
    const { transport, device } = ledger({ version: '1.13.0', model: 'nanoX' })
    const outcome = await sign(device)
    expect(outcome).toMatchObject({
      ok: true,
      kind: 'ledger',
      mode: 'eip712-full',
      signer: owner.address,
      path: PATH,
    })
    if (!outcome.ok) return
    expect(outcome.hashes).toEqual(hashes)
    expect(await recoverAddress({ hash: hashes.safeTxHash, signature: outcome.signature })).toBe(
      owner.address,
    )
    // The device rebuilt exactly our transaction from the streamed structs.
    const [record] = transport.signed
    expect(record?.mode).toBe('eip712-full')
    if (record?.mode !== 'eip712-full') return
    expect(record.digest).toBe(hashes.safeTxHash)
    expect(record.typedData.domain).toEqual({ chainId: 1n, verifyingContract: context.safe.toLowerCase() })
    expect(record.typedData.message).toMatchObject({
      nonce: 42n,
      data: tx.data,
      to: tx.to.toLowerCase(),
      value: 0n,
    })
  })

  it('signs in hashed mode with the domain and message hashes the UI shows', async () => {
    const { transport, device } = ledger({ version: '1.13.0' }, 'hashed')
    const prompts: Prompt[] = []
    const outcome = await device.signSafeTx({
      tx,
      context,
      path: PATH,
      expectedOwner: owner.address,
      onPrompt: (prompt) => prompts.push(prompt),
    })
    expect(outcome).toMatchObject({ ok: true, mode: 'eip712-hashed', signer: owner.address })
    expect(transport.signed).toEqual([
      {
        mode: 'eip712-hashed',
        path: PATH,
        domainHash: hashes.domainHash,
        messageHash: hashes.messageHash,
        digest: hashes.safeTxHash,
      },
    ])
    expect(prompts).toHaveLength(1)
    expect(prompts[0]?.display.domainHash).toBe(`0x${hashes.domainHash.slice(2).toUpperCase()}`)
    expect(prompts[0]?.display.messageHash).toBe(`0x${hashes.messageHash.slice(2).toUpperCase()}`)
  })

  it('uses hashed mode on a Nano S and on apps older than 1.9.19', async () => {
    for (const options of [
      { version: '1.13.0', model: 'nanoS' },
      { version: '1.9.18', model: 'nanoX' },
    ]) {
      const { transport, device } = ledger(options)
      expect(await sign(device)).toMatchObject({ ok: true, mode: 'eip712-hashed' })
      expect(transport.received.some((apdu) => apdu.startsWith('0xe01a'))).toBe(false)
    }
  })

  it('falls back to hashed mode when the app does not know the EIP-712 struct instructions', async () => {
    const { transport, device } = ledger({ version: '1.10.0', fullEip712: false })
    expect(await sign(device)).toMatchObject({ ok: true, mode: 'eip712-hashed', signer: owner.address })
    expect(transport.signed.map((record) => record.mode)).toEqual(['eip712-hashed'])
  })

  it('does not fall back when full mode is forced, and refuses apps too old for either mode', async () => {
    expect(await sign(ledger({ version: '1.10.0', fullEip712: false }, 'full').device)).toMatchObject({
      ok: false,
      code: 'wrong-app',
      statusWord: 0x6d00,
    })
    expect(await sign(ledger({ version: '1.13.0', model: 'nanoS' }, 'full').device)).toMatchObject({
      ok: false,
      code: 'unsupported',
    })
    expect(await sign(ledger({ version: '1.4.0' }).device)).toMatchObject({ ok: false, code: 'unsupported' })
  })

  it('never retries after a refusal on the device', async () => {
    const { transport, device } = ledger({
      version: '1.13.0',
      intercept: ({ ins }) => (ins === 0x0c ? 0x6985 : undefined),
    })
    expect(await sign(device)).toMatchObject({
      ok: false,
      code: 'rejected',
      severity: 'info',
      statusWord: 0x6985,
    })
    expect(transport.received.filter((apdu) => apdu.startsWith('0xe00c'))).toHaveLength(1)
  })

  it('reports hashed mode refused for blind signing off', async () => {
    const outcome = await sign(ledger({ version: '1.13.0', blindSigning: false }, 'hashed').device)
    expect(outcome).toMatchObject({ ok: false, code: 'blind-signing-disabled', statusWord: 0x6a80 })
  })

  it('reports 0x6A80 as invalid data, not blind signing, when the app says blind signing is on', async () => {
    const { device } = ledger(
      { version: '1.13.0', blindSigning: true, intercept: ({ ins }) => (ins === 0x0c ? 0x6a80 : undefined) },
      'hashed',
    )
    const outcome = await sign(device)
    expect(outcome).toMatchObject({ ok: false, code: 'invalid-data', statusWord: 0x6a80 })
    if (!outcome.ok) expect(outcome.userMessage).not.toMatch(/blind/)
  })

  it.each([
    [0x6985, 'rejected'],
    [0x6982, 'rejected'],
    [0x5501, 'rejected'],
    [0x5515, 'locked'],
    [0x6a80, 'invalid-data'],
    [0x6a84, 'unsupported'],
    [0x6b00, 'unsupported'],
    [0x6e00, 'wrong-app'],
    [0x6e01, 'wrong-app'],
    [0x6d00, 'wrong-app'],
    [0x6d02, 'wrong-app'],
    [0x6511, 'wrong-app'],
    [0x6f42, 'device-error'],
    [0x6a88, 'device-error'],
  ] as const)('maps status 0x%s on the signing request to %s', async (status, code) => {
    const { device } = ledger(
      { version: '1.13.0', intercept: ({ ins }) => (ins === 0x0c ? status : undefined) },
      'hashed',
    )
    const outcome = await sign(device)
    expect(outcome).toMatchObject({ ok: false, kind: 'ledger', code, statusWord: status })
    if (outcome.ok) return
    expect(outcome.details).toContain(status.toString(16))
    expect(outcome.userMessage).toBe(LedgerStatus.describe(status).userMessage)
  })

  it.each([
    [0x5515, 'locked'],
    [0x6e01, 'wrong-app'],
    [0x6511, 'wrong-app'],
  ] as const)('maps status 0x%s before signing (app configuration) to %s', async (status, code) => {
    const { transport, device } = ledger({ intercept: ({ ins }) => (ins === 0x06 ? status : undefined) })
    expect(await sign(device)).toMatchObject({ ok: false, code, statusWord: status })
    expect(transport.signed).toEqual([])
  })

  it.each([
    [
      'DisconnectedDeviceDuringOperation',
      () => new DisconnectedDeviceDuringOperation('write failed'),
      'disconnected',
    ],
    ['DisconnectedDevice', () => new DisconnectedDevice(), 'disconnected'],
    ['TransportOpenUserCancelled', () => new TransportOpenUserCancelled(), 'disconnected'],
    ['TransportRaceCondition', () => new TransportRaceCondition(), 'busy'],
  ] as const)('maps a %s transport error to %s', async (_name, make, code) => {
    const { device } = ledger({ intercept: ({ ins }) => (ins === 0x0c ? make() : undefined) })
    expect(await sign(device)).toMatchObject({ ok: false, code })
  })

  it('rethrows errors that are not device outcomes (bugs)', async () => {
    const { device } = ledger({ intercept: () => new TypeError('boom') })
    await expect(sign(device)).rejects.toThrow('boom')
  })

  it('refuses before signing when the device holds another key at the path', async () => {
    const { transport, device } = ledger({ mnemonic: OTHER_MNEMONIC })
    const outcome = await sign(device)
    expect(outcome).toMatchObject({
      ok: false,
      code: 'wrong-signer',
      severity: 'error',
      recovered: other.address,
    })
    expect(transport.signed).toEqual([])
  })

  it('refuses a signature by another key than the one the device reported', async () => {
    // The device reports the owner's address but signs with another key.
    const named = await sign(ledger({ signingMnemonic: OTHER_MNEMONIC }).device, { owners: [other.address] })
    expect(named).toMatchObject({ ok: false, code: 'wrong-signer', recovered: other.address })
    const unnamed = await sign(ledger({ signingMnemonic: OTHER_MNEMONIC }).device)
    expect(unnamed).toMatchObject({
      ok: false,
      code: 'wrong-hash',
      severity: 'critical',
      recovered: other.address,
    })
  })

  it('refuses a signature over another hash', async () => {
    for (const eip712 of ['full', 'hashed'] as const) {
      const outcome = await sign(ledger({ tamper: 'other-hash' }, eip712).device)
      expect(outcome).toMatchObject({ ok: false, code: 'wrong-hash', severity: 'critical' })
      if (outcome.ok) continue
      expect(outcome.recovered).not.toBe(owner.address)
    }
    const personal = await sign(ledger({ tamper: 'personal' }).device)
    expect(personal).toMatchObject({ ok: false, code: 'wrong-hash' })
    if (!personal.ok) expect(personal.details).toContain('personal message')
  })

  it('refuses a high-s signature', async () => {
    const outcome = await sign(ledger({ tamper: 'high-s' }).device)
    expect(outcome).toMatchObject({ ok: false, code: 'invalid-signature' })
    if (!outcome.ok) expect(outcome.details).toContain('MalleableSignatureError')
  })

  it('throws typed errors for a bad path or owner (caller bugs, not device outcomes)', async () => {
    const { device } = ledger()
    await expect(
      device.signSafeTx({ tx, context, path: "m/44'/60'/x", expectedOwner: owner.address }),
    ).rejects.toMatchObject({
      name: 'Devices.InvalidPathError',
    })
    await expect(
      device.signSafeTx({ tx, context, path: PATH, expectedOwner: '0x1234' as `0x${string}` }),
    ).rejects.toMatchObject({ name: 'Devices.InvalidParameterError' })
  })

  it('signs every Safe version and chain with the right domain', async () => {
    for (const version of ['1.0.0', '1.1.1', '1.2.0', '1.3.0', '1.4.1'] as const) {
      const ctx = { ...context, chainId: 8453n, version }
      const outcome = await ledger().device.signSafeTx({
        tx,
        context: ctx,
        path: PATH,
        expectedOwner: owner.address,
      })
      expect(outcome).toMatchObject({ ok: true, hashes: SafeTxHash.compute({ tx, context: ctx }) })
    }
  })

  it('streams large calldata in chunks and still signs the right hash', async () => {
    const big = SafeTx.from({ ...tx, data: `0x${'ab'.repeat(1500)}` })
    const { transport, device } = ledger()
    const outcome = await device.signSafeTx({ tx: big, context, path: PATH, expectedOwner: owner.address })
    expect(outcome).toMatchObject({ ok: true, mode: 'eip712-full' })
    expect(transport.signed[0]?.digest).toBe(SafeTxHash.compute({ tx: big, context }).safeTxHash)
  })
})

describe('LedgerDevice.getAddress', () => {
  it('returns the owner address, confirmed on the device when asked', async () => {
    const { transport, device } = ledger()
    const outcome = await device.getAddress({ path: "44'/60'/0'/0/0", confirm: true })
    expect(outcome).toMatchObject({
      ok: true,
      address: owner.address,
      publicKey: owner.publicKey,
      confirmed: true,
      path: PATH,
    })
    expect(transport.received[0]?.startsWith('0xe0020100')).toBe(true)
  })

  it('maps a refusal of the address screen to rejected', async () => {
    const { device } = ledger({ intercept: ({ ins, p1 }) => (ins === 0x02 && p1 === 1 ? 0x6985 : undefined) })
    expect(await device.getAddress({ path: PATH, confirm: true })).toMatchObject({
      ok: false,
      code: 'rejected',
    })
  })

  it('refuses an address that does not belong to the returned public key', async () => {
    class LyingDevice extends EthAppSimulator {
      override async exchange(apdu: Buffer): Promise<Buffer> {
        const response = await super.exchange(apdu)
        if (apdu[1] !== 0x02) return response
        const bytes = new Uint8Array(response)
        // Swap one character of the ASCII address for another hex digit.
        const at = bytes.length - 3
        bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30
        return Buffer.from(bytes)
      }
    }
    const device = new LedgerDevice({ transport: new LyingDevice() })
    expect(await device.getAddress({ path: PATH })).toMatchObject({ ok: false, code: 'invalid-response' })
    // And a signing request stops there, before any signature.
    expect(await sign(device)).toMatchObject({ ok: false, code: 'invalid-response' })
  })
})

describe('chooseMode', () => {
  it('picks full from 1.9.19 except on a Nano S, hashed from 1.5.0, nothing below', () => {
    expect(chooseMode({ version: '1.9.19', model: 'nanoSP' })).toBe('eip712-full')
    expect(chooseMode({ version: '1.9.18', model: 'nanoSP' })).toBe('eip712-hashed')
    expect(chooseMode({ version: '1.10.0', model: 'nanoS' })).toBe('eip712-hashed')
    expect(chooseMode({ version: '1.10.0' })).toBe('eip712-full')
    expect(chooseMode({ version: '1.5.0' })).toBe('eip712-hashed')
    expect(chooseMode({ version: '1.4.9' })).toBeUndefined()
    expect(chooseMode({ version: '1.13.0', preference: 'hashed' })).toBe('eip712-hashed')
    expect(chooseMode({ version: '1.9.0', preference: 'full' })).toBeUndefined()
  })
})

// Keep the helper honest: the replayed exchange is the same bytes the simulator would answer.
describe('addressExchange helper', () => {
  it('builds the GET ADDRESS exchange the simulator answers', async () => {
    const simulator = new EthAppSimulator()
    const [request, response] = addressExchange(
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
      PATH,
    )
      .trim()
      .split('\n')
      .map((line) => line.slice(3))
    const answer = await simulator.exchange(Buffer.from(hexToBytes(`0x${request}` as Hex)))
    expect(bytesToHex(new Uint8Array(answer)).slice(2)).toBe(response)
  })
})
