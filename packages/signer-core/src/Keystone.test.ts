import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Bundle } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import { SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { EthSignRequest, type SignRequest } from '@airlock/transport'
import {
  ETHSignature,
  EthSignRequest as KeystoneRequest,
  URRegistryDecoder,
} from '@keystonehq/bc-ur-registry-eth'
import { encodeFunctionData, hexToBytes, parseAbi, type TypedDataDefinition, toHex } from 'viem'
import { type HDAccount, mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import * as Attestation from './Attestation.ts'
import * as DecisionLog from './DecisionLog.ts'
import * as Keystone from './Keystone.ts'
import { Signer } from './Signer.ts'

const policyDir = join(import.meta.dirname, '..', '..', '..', 'policies', 'treasury-default')
const owners = [0, 1, 2, 3, 4].map((addressIndex) =>
  mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex }),
)
const admins = [0, 1].map((addressIndex) =>
  mnemonicToAccount(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    { addressIndex },
  ),
)
const keystoneKey = owners[0] as HDAccount
const account: Keystone.Account = {
  address: keystoneKey.address,
  sourceFingerprint: '73C5DA0A',
  path: 'm/44h/60h/0h/0/0',
}
const context = SafeTx.context({
  chainId: 1,
  safe: '0x00000000000000000000000000000000000a11ce',
  version: '1.4.1',
})

async function signer(clock: { now: number }) {
  const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  org.safes = org.safes.map((s: object) => ({ ...s, owners: owners.map((o) => o.address.toLowerCase()) }))
  org.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  const policies = Object.fromEntries(
    ['rules.cedar', 'tiers.cedar'].map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
  )
  let bundle = Bundle.create({ version: 1, policies, org })
  for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
  const read = () => new Date(clock.now * 1000)
  const s = await Signer.create({ cedar, log: DecisionLog.memory({ clock: read }), clock: read })
  await s.installBundle(bundle)
  return s
}

/** The Keystone, with Keystone's own registry: decodes the request CBOR, signs its typed data, answers. */
async function keystone(request: EthSignRequest.EthSignRequest, key: HDAccount = keystoneKey) {
  const decoder = new URRegistryDecoder()
  decoder.receivePart(EthSignRequest.toUr(request).toLowerCase())
  const scanned = KeystoneRequest.fromCBOR(decoder.resultUR().cbor)
  const typed = JSON.parse(scanned.getSignData().toString('utf8')) as TypedDataDefinition
  const signature = await key.signTypedData(typed)
  const answer = new ETHSignature(Buffer.from(hexToBytes(signature)), scanned.getRequestId(), 'Keystone')
  return { type: 'eth-signature', payload: new Uint8Array(answer.toCBOR()), primaryType: typed.primaryType }
}

const upgrade: SignRequest.SignRequest = {
  requestId: toHex(1, { size: 16 }),
  createdAt: 0,
  context,
  tx: SafeTx.from({
    to: '0x0000000000000000000000000000000000001001',
    nonce: 0,
    data: encodeFunctionData({
      abi: parseAbi(['function upgradeTo(address newImplementation)']),
      functionName: 'upgradeTo',
      args: ['0x0000000000000000000000000000000000003333'],
    }),
  }),
  signatures: [],
  attestations: [],
  title: 'Upgrade',
  description: '',
}

describe('Keystone signing through the engine', () => {
  it('runs both rounds of a Critical upgrade: attestation typed data, then the Safe transaction', async () => {
    const clock = { now: 1_767_225_600 }
    const s = await signer(clock)
    const safeTxHash = SafeTxHash.compute({ tx: upgrade.tx, context }).safeTxHash

    const round1 = await s.requestKeystone(upgrade, { account })
    if (round1.status !== 'keystone-requested') throw new Error(`not requested: ${round1.status}`)
    expect(round1.pending).toMatchObject({ kind: 'approval-attestation', tier: 'critical', safeTxHash })
    expect(round1.pending.path).toBe("m/44'/60'/0'/0/0")
    const answer1 = await keystone(round1.signRequest)
    expect(answer1.primaryType).toBe('AirlockApproval')
    const attested = await s.completeKeystone(upgrade, {
      account,
      pending: [round1.pending],
      answer: answer1,
    })
    expect(attested).toMatchObject({ status: 'released', kind: 'approval-attestation' })
    if (attested.status !== 'released') return
    const attestation = Attestation.forRequest({ context, safeTxHash, tier: 'critical' })
    expect(await Attestation.recover(attestation, attested.response.signature)).toBe(keystoneKey.address)

    const attestations = await Promise.all(
      owners.slice(1, 4).map(async (o) => ({
        signer: o.address,
        signature: await Attestation.sign(attestation, o),
        tier: 'critical',
      })),
    )
    const round2Request = { ...upgrade, attestations }
    // Early: refused before anything is shown to the Keystone, and not counted by the breaker.
    const early = await s.requestKeystone(round2Request, { account })
    expect(early.status).toBe('refused')
    if (early.status === 'refused') expect(early.review?.notYet).toBe(true)

    clock.now += 49 * 3600
    const round2 = await s.requestKeystone(round2Request, { account })
    if (round2.status !== 'keystone-requested') throw new Error(`not requested: ${round2.status}`)
    expect(round2.pending.kind).toBe('safe-signature')
    const answer2 = await keystone(round2.signRequest)
    expect(answer2.primaryType).toBe('SafeTx')
    // The attestation's answer does not answer this request.
    const stale = await s.completeKeystone(round2Request, {
      account,
      pending: [round2.pending],
      answer: answer1,
    })
    expect(stale.status === 'refused' && stale.refusals.map((r) => r.code)).toEqual([
      'keystone-unknown-request',
    ])
    const signed = await s.completeKeystone(round2Request, {
      account,
      pending: [round1.pending, round2.pending],
      answer: answer2,
    })
    expect(signed).toMatchObject({ status: 'released', kind: 'safe-signature', answered: round2.pending })
    if (signed.status !== 'released') return
    const [entry] = Signature.parse(signed.response.signature)
    expect(Signature.recover({ signature: entry as never, safeTxHash })).toBe(keystoneKey.address)
    expect(s.log.entries.at(-1)?.device).toBe(`keystone:73c5da0a:m/44'/60'/0'/0/0:${keystoneKey.address}`)
  })
})

describe('Keystone requests that are old or from another device', () => {
  const transfer: SignRequest.SignRequest = {
    ...upgrade,
    requestId: toHex(2, { size: 16 }),
    tx: SafeTx.from({
      to: '0x0000000000000000000000000000000000002002',
      nonce: 0,
      value: 1n,
    }),
    title: 'Small transfer',
  }

  async function asked(clock: { now: number }) {
    const s = await signer(clock)
    const request = await s.requestKeystone(transfer, { account })
    if (request.status !== 'keystone-requested') throw new Error(`not requested: ${request.status}`)
    expect(request.pending.kind).toBe('safe-signature')
    return { s, pending: request.pending, answer: await keystone(request.signRequest) }
  }

  it('accepts an answer within the hour and refuses and logs one that comes later', async () => {
    const clock = { now: 1_767_225_600 }
    const late = await asked(clock)
    clock.now += 3600 + 1
    const refused = await late.s.completeKeystone(transfer, {
      account,
      pending: [late.pending],
      answer: late.answer,
    })
    expect(refused.status === 'refused' && refused.refusals.map((r) => r.code)).toEqual([
      'keystone-expired-request',
    ])
    expect(late.s.log.entries.at(-1)).toMatchObject({ event: 'refused' })
    expect(late.s.log.entries.at(-1)?.reasons?.join(' ')).toContain('expire after 60 min')

    const onTime = await asked({ now: 1_767_225_600 })
    const released = await onTime.s.completeKeystone(transfer, {
      account,
      pending: [onTime.pending],
      answer: onTime.answer,
    })
    expect(released).toMatchObject({ status: 'released', kind: 'safe-signature' })
  })

  it('refuses the answer when the pending request names another Keystone (fingerprint)', async () => {
    const { s, pending, answer } = await asked({ now: 1_767_225_600 })
    const other = { ...account, sourceFingerprint: '0badf00d' }
    const refused = await s.completeKeystone(transfer, { account: other, pending: [pending], answer })
    expect(refused.status === 'refused' && refused.refusals.map((r) => r.code)).toEqual([
      'keystone-stale-request',
    ])
  })

  it('takes a shorter expiry from its creator and refuses a nonsensical one', async () => {
    const pending = { requestedAt: '2026-01-01T00:00:00.000Z' } as Keystone.Pending
    const at = Date.parse(pending.requestedAt)
    expect(Keystone.isExpired(pending, { nowMs: at + Keystone.defaultRequestTtlMs })).toBe(false)
    expect(Keystone.isExpired(pending, { nowMs: at + Keystone.defaultRequestTtlMs + 1 })).toBe(true)
    expect(Keystone.isExpired(pending, { nowMs: at + 60_001, ttlMs: 60_000 })).toBe(true)
    // Stamped after now: the clock moved back since the request.
    expect(Keystone.isExpired(pending, { nowMs: at - 1 })).toBe(true)
    expect(Keystone.isExpired({ ...pending, requestedAt: 'soon' }, { nowMs: at })).toBe(true)
    await expect(
      Signer.create({ cedar, log: DecisionLog.memory(), keystoneRequestTtlMs: 0 }),
    ).rejects.toMatchObject({ name: 'Signer.InvalidKeystoneStateError' })
  })
})

describe('Keystone pending records', () => {
  const pending: Keystone.Pending = {
    requestId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
    kind: 'approval-attestation',
    safeTxHash: `0x${'ab'.repeat(32)}`,
    chainId: 10n ** 12n,
    safe: context.safe,
    tier: 'existential',
    expectedOwner: keystoneKey.address,
    path: "m/44'/60'/0'/0/0",
    sourceFingerprint: '73c5da0a',
    requestedAt: '2026-01-01T00:00:00.000Z',
  }

  it('round-trip through JSON, and anything malformed is a typed error', () => {
    expect(Keystone.pendingFromJson(JSON.parse(JSON.stringify(Keystone.pendingToJson(pending))))).toEqual(
      pending,
    )
    for (const broken of [
      null,
      [],
      { ...Keystone.pendingToJson(pending), requestId: 'nope' },
      { ...Keystone.pendingToJson(pending), tier: undefined },
      { ...Keystone.pendingToJson(pending), kind: 'safe-signature' },
      { ...Keystone.pendingToJson(pending), chainId: '-1' },
    ]) {
      expect(() => Keystone.pendingFromJson(broken)).toThrow(
        expect.objectContaining({ name: 'Signer.InvalidKeystoneStateError' }),
      )
    }
  })

  it('canonicalizes an account and refuses a bad one with a typed error', () => {
    expect(Keystone.account(account)).toEqual({
      address: keystoneKey.address,
      sourceFingerprint: '73c5da0a',
      path: "m/44'/60'/0'/0/0",
    })
    expect(Keystone.account({ ...account, sourceFingerprint: 0x73c5da0a }).sourceFingerprint).toBe('73c5da0a')
    for (const bad of [
      { ...account, address: '0x1234' as never },
      { ...account, sourceFingerprint: 'xyz' },
      { ...account, path: 'not a path' },
    ]) {
      expect(() => Keystone.account(bad)).toThrow(
        expect.objectContaining({ name: 'Signer.InvalidKeystoneStateError' }),
      )
    }
  })
})
