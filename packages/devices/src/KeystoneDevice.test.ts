import { SafeTxHash } from '@airlock/safe'
import { EthSignature, UrDecoder, type UrResult } from '@airlock/transport'
import {
  ETHSignature,
  EthSignRequest as KeystoneRequest,
  URRegistryDecoder,
} from '@keystonehq/bc-ur-registry-eth'
import { type Hex, hexToBytes, recoverAddress, type TypedDataDefinition } from 'viem'
import type { HDAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import type { Prompt } from './Device.ts'
import { KeystoneDevice, type KeystonePrepared } from './KeystoneDevice.ts'
import { context, other, owner, PATH, tx } from './testing/fixtures.ts'

/** BIP-32 master fingerprint of the "abandon … about" seed, as a Keystone holding it reports it. */
const FINGERPRINT = '73c5da0a'
const REQUEST_ID = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'

type KeystoneBehaviour = {
  key?: HDAccount | undefined
  /** Sign this typed data instead of the one in the request (a device that signs something else). */
  sign?: ((typed: TypedDataDefinition) => TypedDataDefinition) | undefined
  /** Answer another request id than the one scanned. */
  requestId?: Buffer | undefined
}

/**
 * Stands in for the Keystone with Keystone's own registry: reads the animated request parts, signs
 * the typed data JSON it carries with a test key, and shows its `eth-signature` as animated parts,
 * which Airlock's UR decoder reads back.
 */
async function keystone(prepared: KeystonePrepared, behaviour: KeystoneBehaviour = {}): Promise<UrResult> {
  const decoder = new URRegistryDecoder()
  for (const part of prepared.parts) decoder.receivePart(part)
  expect(decoder.isSuccess()).toBe(true)
  const request = KeystoneRequest.fromCBOR(decoder.resultUR().cbor)
  expect(request.getRequestId()?.toString('hex')).toBe(prepared.requestId.replaceAll('-', ''))
  expect(request.getDerivationPath()).toBe(PATH.slice(2))
  const typed = JSON.parse(request.getSignData().toString('utf8')) as TypedDataDefinition
  const signer = behaviour.key ?? owner
  const signature = await signer.signTypedData(behaviour.sign ? behaviour.sign(typed) : typed)
  const answer = new ETHSignature(
    Buffer.from(hexToBytes(signature)),
    behaviour.requestId ?? request.getRequestId(),
    'Keystone 3 Pro',
  )
  const encoder = answer.toUREncoder(60)
  const reader = new UrDecoder({ expectedTypes: ['eth-signature'] })
  for (let i = 0; i < 4 * encoder.fragmentsLength && !reader.isComplete; i++)
    reader.receive(encoder.nextPart())
  const result = reader.result()
  if (!result) throw new Error('the signature QR codes did not decode')
  return result
}

const device = (extra: Partial<ConstructorParameters<typeof KeystoneDevice>[0]> = {}) =>
  new KeystoneDevice({
    sourceFingerprint: FINGERPRINT,
    accounts: [{ path: PATH, address: owner.address }],
    ...extra,
  })

function prepare(keystoneDevice: KeystoneDevice, requestId?: string): KeystonePrepared {
  const prepared = keystoneDevice.prepare({
    tx,
    context,
    path: PATH,
    expectedOwner: owner.address,
    requestId,
  })
  if (!prepared.ok) throw new Error(`prepare failed: ${prepared.code}`)
  return prepared
}

describe('KeystoneDevice round trip with Keystone’s UR registry', () => {
  it('shows an eth-sign-request and accepts the owner’s eth-signature for it', async () => {
    const ks = device({ maxFragmentLength: 100 })
    const prepared = prepare(ks)
    expect(prepared.parts.length).toBeGreaterThan(1)
    expect(prepared.parts[0]).toMatch(/^ur:eth-sign-request\/1-\d+\//i)
    const outcome = ks.complete(await keystone(prepared))
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    expect(outcome).toMatchObject({
      ok: true,
      kind: 'keystone',
      mode: 'keystone-qr',
      signer: owner.address,
      path: PATH,
    })
    if (!outcome.ok) return
    expect(outcome.hashes.safeTxHash).toBe(safeTxHash)
    expect(await recoverAddress({ hash: safeTxHash, signature: outcome.signature })).toBe(owner.address)
  })

  it('signs through a QR channel with signSafeTx', async () => {
    const prompts: Prompt[] = []
    const ks = device({ channel: { exchange: (prepared) => keystone(prepared) } })
    const outcome = await ks.signSafeTx({
      tx,
      context,
      path: PATH,
      expectedOwner: owner.address,
      onPrompt: (prompt) => prompts.push(prompt),
    })
    expect(outcome).toMatchObject({ ok: true, signer: owner.address })
    expect(prompts.map((prompt) => prompt.mode)).toEqual(['keystone-qr'])
  })

  it('binds the signature to the request: another id, a replay or a cancelled request is refused', async () => {
    const ks = device()
    const prepared = prepare(ks, REQUEST_ID)
    const foreign = await keystone(prepared, {
      requestId: Buffer.from('00112233445566778899aabbccddeeff', 'hex'),
    })
    expect(ks.complete(foreign)).toMatchObject({ ok: false, code: 'wrong-request', severity: 'warning' })
    // The request is still open after a foreign answer; its own answer is accepted once.
    const answer = await keystone(prepared)
    expect(ks.complete(answer)).toMatchObject({ ok: true })
    expect(ks.complete(answer)).toMatchObject({ ok: false, code: 'wrong-request' })
    const cancelled = prepare(ks)
    ks.cancel(cancelled.requestId)
    expect(ks.complete(await keystone(cancelled))).toMatchObject({ ok: false, code: 'wrong-request' })
  })

  it('refuses a QR code that is not a signature', () => {
    const ks = device()
    const prepared = prepare(ks)
    expect(ks.complete({ type: 'eth-sign-request', payload: new Uint8Array([0xa0]) })).toMatchObject({
      ok: false,
      code: 'wrong-qr',
    })
    expect(ks.complete({ type: 'eth-signature', payload: new Uint8Array([0xff, 0x00]) })).toMatchObject({
      ok: false,
      code: 'wrong-qr',
    })
    void prepared
  })

  it('refuses another key’s signature, naming it when it is a known owner', async () => {
    const ks = device()
    const named = prepare(ks)
    const outcome = ks.complete(await keystone(named, { key: other }))
    expect(outcome).toMatchObject({ ok: false, code: 'wrong-hash', recovered: other.address })
    const withOwners = ks.prepare({
      tx,
      context,
      path: PATH,
      expectedOwner: owner.address,
      owners: [other.address],
    })
    if (!withOwners.ok) throw new Error('prepare failed')
    expect(ks.complete(await keystone(withOwners, { key: other }))).toMatchObject({
      ok: false,
      code: 'wrong-signer',
      recovered: other.address,
    })
  })

  it('refuses a signature over another transaction', async () => {
    const ks = device()
    const prepared = prepare(ks)
    const ur = await keystone(prepared, {
      sign: (typed) =>
        ({ ...typed, message: { ...(typed.message as object), nonce: '43' } }) as TypedDataDefinition,
    })
    expect(ks.complete(ur)).toMatchObject({ ok: false, code: 'wrong-hash', severity: 'critical' })
  })

  it('refuses a malformed or high-s signature', async () => {
    const ks = device()
    const short = prepare(ks)
    const cbor = EthSignature.encode({ requestId: short.requestId, signature: new Uint8Array(64).fill(1) })
    expect(ks.complete({ type: 'eth-signature', payload: cbor })).toMatchObject({
      ok: false,
      code: 'invalid-signature',
    })
    const high = prepare(ks)
    const good = await owner.signTypedData(SafeTxHash.typedData({ tx, context }))
    const bytes = hexToBytes(good)
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const s = n - BigInt(`0x${Buffer.from(bytes.subarray(32, 64)).toString('hex')}`)
    bytes.set(hexToBytes(`0x${s.toString(16).padStart(64, '0')}` as Hex), 32)
    bytes[64] = 55 - (bytes[64] ?? 27)
    const twin = EthSignature.encode({ requestId: high.requestId, signature: bytes })
    expect(ks.complete({ type: 'eth-signature', payload: twin })).toMatchObject({
      ok: false,
      code: 'invalid-signature',
    })
  })

  it('refuses before showing anything when the synced key at the path is not the owner', () => {
    const ks = new KeystoneDevice({
      sourceFingerprint: FINGERPRINT,
      accounts: [{ path: PATH, address: other.address }],
    })
    expect(ks.prepare({ tx, context, path: PATH, expectedOwner: owner.address })).toMatchObject({
      ok: false,
      code: 'wrong-signer',
      recovered: other.address,
    })
  })

  it('answers getAddress from the synced accounts only', async () => {
    const ks = device()
    expect(await ks.getAddress({ path: "44'/60'/0'/0/0" })).toMatchObject({
      ok: true,
      address: owner.address,
      confirmed: false,
    })
    expect(await ks.getAddress({ path: "m/44'/60'/0'/0/1" })).toMatchObject({
      ok: false,
      code: 'unknown-account',
    })
  })

  it('throws typed errors for caller mistakes', async () => {
    expect(() => new KeystoneDevice({ sourceFingerprint: 'nothex!!' })).toThrow(
      expect.objectContaining({ name: 'Devices.InvalidParameterError' }),
    )
    await expect(
      device().signSafeTx({ tx, context, path: PATH, expectedOwner: owner.address }),
    ).rejects.toMatchObject({
      name: 'Devices.KeystoneStateError',
    })
  })
})
