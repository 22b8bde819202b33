// `airlock sign address|approve --device ledger` end to end, with a simulated Ledger Ethereum app
// behind the real LedgerDevice adapter (the CLI's Io hands it in where USB HID would be opened).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LedgerDevice } from '@airlock/devices/ledger'
import { EthAppSimulator, type EthAppSimulatorOptions } from '@airlock/devices/testing'
import { SafeTxHash, Signature } from '@airlock/safe'
import { SignatureResponse, SignRequest, Ur, UrDecoder } from '@airlock/transport'
import { mnemonicToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../testing.ts'
import {
  bundle as bundleOf,
  initSigner,
  OWNER_MNEMONIC,
  signRequest,
  transfer,
} from './signFixtures.test-helpers.ts'

const owner = mnemonicToAccount(OWNER_MNEMONIC)
// Hardware only: the Ledger path must not depend on software keys being allowed.
const bundle = () =>
  bundleOf({
    owners: (example) => [owner.address.toLowerCase(), ...example.slice(1)],
    allowSoftwareKeys: false,
  })
const request = (nonce: number) => signRequest(transfer(nonce), { id: nonce + 1, claimedTier: 'routine' })

describe('airlock sign with a Ledger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-sign-ledger-'))
  const state = join(dir, 'state')
  const file = (name: string, content: string) => {
    const path = join(dir, name)
    writeFileSync(path, content)
    return path
  }
  const log = () =>
    readFileSync(join(state, 'decisions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; device?: string; reasons?: string[] })
  // A fresh simulated device per command, as plugging it in again would give.
  const withLedger = (options: EthAppSimulatorOptions = {}) => {
    const simulator = new EthAppSimulator({ mnemonic: OWNER_MNEMONIC, ...options })
    return {
      simulator,
      openLedger: async () => new LedgerDevice({ transport: simulator }),
    }
  }

  beforeAll(async () => initSigner(state, await bundle()))

  it('shows the owner address on the device for confirmation and names the Safes it owns', async () => {
    const { simulator, openLedger } = withLedger()
    const shown = await runCli(['sign', 'address', '--state', state, '--json'], { openLedger })
    expect(shown.code, shown.stderr).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({
      address: owner.address,
      path: "m/44'/60'/0'/0/0",
      confirmedOnDevice: true,
    })
    expect(JSON.parse(shown.stdout).owns).toContainEqual({
      name: 'treasury',
      address: '0x00000000000000000000000000000000000A11cE',
      chainId: 1,
    })
    // GET ETH PUBLIC ADDRESS with P1 = 01: the app displays the address and waits for approval.
    expect(simulator.received.some((apdu) => apdu.startsWith('0xe0020100'))).toBe(true)

    const quiet = withLedger()
    const read = await runCli(
      ['sign', 'address', '--state', state, '--skip-confirm', '--path', "m/44'/60'/0'/0/1"],
      {
        openLedger: quiet.openLedger,
      },
    )
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout.trim()).toBe(mnemonicToAccount(OWNER_MNEMONIC, { addressIndex: 1 }).address)
    expect(read.stderr).toContain('owns none of the Safes')
    expect(quiet.simulator.received.some((apdu) => apdu.startsWith('0xe0020000'))).toBe(true)
  })

  it('reports a rejected confirmation and an unplugged device as typed device errors', async () => {
    const rejected = withLedger({ intercept: (apdu) => (apdu.ins === 0x02 ? 0x6985 : undefined) })
    const refused = await runCli(['sign', 'address', '--state', state], { openLedger: rejected.openLedger })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("Check the address on the Ledger's screen")
    expect(refused.stderr).toMatch(/\nairlock: device error \(rejected\)/)
    const unplugged = await runCli(['sign', 'address', '--state', state, '--json'], {
      openLedger: async () =>
        ({
          ok: false,
          kind: 'ledger',
          code: 'disconnected',
          userMessage: 'No Ledger is connected.',
          hint: 'Plug in the Ledger.',
        }) as never,
    })
    expect(unplugged.code).toBe(1)
    expect(JSON.parse(unplugged.stdout)).toMatchObject({
      status: 'device-error',
      failure: { code: 'disconnected' },
    })
  })

  it('approves a routine transfer on the Ledger: the signature recovers to the owner over our hash, and is logged', async () => {
    const req = request(0)
    const path = file('request-0.ur', `${Ur.encodeSingle(SignRequest.toUr(req))}\n`)
    const { simulator, openLedger } = withLedger()
    const approved = await runCli(['sign', 'approve', path, '--state', state, '--device', 'ledger'], {
      openLedger,
    })
    expect(approved.code, approved.stderr).toBe(0)
    const decoder = new UrDecoder({ expectedTypes: [SignatureResponse.urType] })
    const status = decoder.receive(approved.stdout.trim())
    if (status.status !== 'complete') throw new Error(`not a response: ${status.status}`)
    const response = SignatureResponse.fromUr(status.result)
    const { safeTxHash } = SafeTxHash.compute({ tx: req.tx, context: req.context })
    expect(response).toMatchObject({ kind: 'safe-signature', safeTxHash, signer: owner.address })
    const [entry] = Signature.parse(response.signature)
    expect(Signature.recover({ signature: entry as never, safeTxHash })).toBe(owner.address)
    // The app was given the full typed data and signed exactly our digest.
    expect(simulator.signed).toMatchObject([{ mode: 'eip712-full', digest: safeTxHash }])
    expect(log().at(-1)).toMatchObject({ event: 'signed' })
    expect(log().at(-1)?.device).toMatch(/^ledger:/)
  })

  it('refuses and logs a Ledger whose signature is another key’s', async () => {
    const path = file('request-1.ur', `${Ur.encodeSingle(SignRequest.toUr(request(1)))}\n`)
    const { openLedger } = withLedger({
      signingMnemonic: 'legal winner thank year wave sausage worth useful legal winner thank yellow',
    })
    const result = await runCli(['sign', 'approve', path, '--state', state, '--device', 'ledger'], {
      openLedger,
    })
    expect(result.code).toBe(1)
    // It recovers to a key nobody knows: the device did not sign this transaction as this owner.
    expect(result.stderr).toMatch(
      /device error \(wrong-hash\): The device’s signature does not cover this transaction/,
    )
    expect(log().at(-1)?.event).toBe('device-error')
  })
})
