import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AuditKey } from '@airlock/audit-log'
import { Bundle, OrgConfig } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import { SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { SignatureResponse, SignRequest } from '@airlock/transport'
import { type Hex, parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import * as DecisionLog from './DecisionLog.ts'
import * as Receipt from './Receipt.ts'
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
const auditKeys = owners.map(() => AuditKey.signer(AuditKey.generate()))
const safe = '0x00000000000000000000000000000000000a11ce'
const payroll = '0x0000000000000000000000000000000000002001'
const context = SafeTx.context({ chainId: 1, safe, version: '1.4.1' })
const clock = { now: 1_767_225_600 }
const read = () => new Date(clock.now * 1000)
let bundle: Bundle.Bundle

beforeAll(async () => {
  const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  org.safes = org.safes.map((s: object, i: number) => ({
    ...s,
    owners: owners.map((o) => o.address.toLowerCase()),
    ...(i === 0 ? { startNonce: '0' } : {}),
  }))
  org.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  org.allowSoftwareKeys = true
  // 10 ETH a day per signer, and (with the set enrolled) for the whole set.
  org.assets = org.assets.map((a: { id: string }) =>
    a.id === 'ETH'
      ? { ...a, epoch: { seconds: 86400, cap: parseEther('10').toString() }, bucket: undefined }
      : a,
  )
  org.signers = owners.map((o, i) => ({
    owner: o.address,
    auditKey: AuditKey.toHex(auditKeys[i]!.publicKey),
  }))
  const policies = Object.fromEntries(
    ['rules.cedar', 'tiers.cedar'].map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
  )
  bundle = Bundle.create({ version: 1, policies, org })
  for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
})

async function signerOf(i: number) {
  const s = await Signer.create({
    cedar,
    log: DecisionLog.memory({ clock: read, privateKey: auditKeys[i]!.privateKey }),
    clock: read,
    auditKey: auditKeys[i]!,
  })
  await s.installBundle(bundle)
  return s
}

let counter = 0
function request(
  tx: SafeTx.SafeTx,
  extra: Pick<SignRequest.SignRequest, 'receipts' | 'history'> = {},
): SignRequest.SignRequest {
  counter += 1
  return {
    requestId: toHex(counter, { size: 16 }),
    createdAt: clock.now,
    context,
    tx,
    signatures: [],
    attestations: [],
    title: 'Payroll',
    description: '',
    ...extra,
  }
}

const key = (i: number) => ({
  kind: 'software' as const,
  privateKey: toHex(owners[i]!.getHdKey().privateKey!),
})
const pay = (eth: string, nonce: number) => SafeTx.from({ to: payroll, value: parseEther(eth), nonce })

async function approveAll(signers: Signer[], req: SignRequest.SignRequest, who: number[]) {
  const responses: SignatureResponse.SignatureResponse[] = []
  for (const i of who) {
    const result = await signers[i]!.approve(req, { key: key(i) })
    if (result.status !== 'released') throw new Error(`signer ${i} refused: ${JSON.stringify(result)}`)
    responses.push(result.response)
  }
  return responses
}

function proof(tx: SafeTx.SafeTx, responses: SignatureResponse.SignatureResponse[]): SignRequest.ProvenTx {
  const { safeTxHash } = SafeTxHash.compute({ tx, context })
  return {
    tx,
    signatures: Signature.build({
      signatures: responses.map((r) => Signature.parse(r.signature)[0]!),
      safeTxHash,
    }),
  }
}

const codes = (result: Awaited<ReturnType<Signer['approve']>>) =>
  result.status === 'refused' ? result.refusals.map((r) => r.code) : []

describe('limits for the whole signer set', () => {
  it('signs receipts, demands nonce continuity, counts peers once, and refuses bad receipts', async () => {
    const signers = await Promise.all(owners.map((_, i) => signerOf(i)))

    // Nonce 0 (the bundle's start): three owners release; each response carries a signed receipt.
    const tx0 = pay('4', 0)
    const r0 = await approveAll(signers, request(tx0), [0, 1, 2])
    const wire = r0[0]!.receipt as Hex
    expect(wire).toMatch(/^0x/)
    const decoded = SignatureResponse.decode(SignatureResponse.encode(r0[0]!))
    expect(decoded.receipt).toBe(wire)
    const receipt = Receipt.decode(wire)
    expect(receipt).toMatchObject({ nonce: 0n, kind: 'safe-signature', owner: owners[0]!.address })
    expect(receipt.outflows[0]!.amount).toBe(parseEther('4'))
    expect(receipt.head.size).toBe(signers[0]!.log.entries.length)

    // Nonce 1000 with nothing in between: a gap, named.
    const far = await signers[3]!.approve(request(pay('1', 1000)), { key: key(3) })
    expect(codes(far)).toContain('nonce-gap')
    expect(far.status === 'refused' && far.refusals[0]!.message).toMatch(/0–999/)

    // Nonce 1 with a proof of nonce 0 that has one owner signature too few: a gap, saying why.
    const short = await signers[3]!.approve(request(pay('1', 1), { history: [proof(tx0, r0.slice(0, 2))] }), {
      key: key(3),
    })
    expect(codes(short)).toEqual(['nonce-gap'])
    expect(short.status === 'refused' && short.refusals[0]!.message).toMatch(
      /nonce 0: 2 owner signature\(s\) for a threshold of 3/,
    )

    // Receipts: tampered amount, and one signed by a key the bundle does not enroll.
    const tampered = Receipt.encode({ ...receipt, outflows: [{ ...receipt.outflows[0]!, amount: 1n }] })
    const stranger = Receipt.encode(
      Receipt.sign({ body: { ...receipt }, signer: AuditKey.signer(AuditKey.generate()) }),
    )
    const history = [proof(tx0, r0)]
    const forged = await signers[3]!.approve(request(pay('1', 1), { history, receipts: [tampered] }), {
      key: key(3),
    })
    expect(codes(forged)).toEqual(['receipt-invalid'])
    const unknown = await signers[3]!.approve(request(pay('1', 1), { history, receipts: [stranger] }), {
      key: key(3),
    })
    expect(codes(unknown)).toEqual(['receipt-unknown-key'])

    // Nonce 1: owners 0, 1, 2 released 4 ETH (pending). Owner 3 is asked for another 4 ETH at nonce 1
    // with nonce 0 proven (4 ETH) and the three receipts (4 ETH, counted once): 12 > 10, refused.
    const tx1 = pay('4', 1)
    clock.now += 60
    const r1 = await approveAll(signers, request(tx1, { history }), [0, 1, 2])
    const receipts = r1.map((r) => r.receipt as Hex)
    const over = await signers[3]!.approve(request(pay('4', 1), { history, receipts }), { key: key(3) })
    expect(over.status).toBe('refused')
    expect(codes(over).some((c) => c.startsWith('receipt') || c === 'nonce-gap')).toBe(false)
    // 2 ETH fits (4 + 4 + 2 = 10): the peers' three receipts for one transaction count once.
    const fits = await signers[3]!.approve(request(pay('2', 1), { history, receipts }), { key: key(3) })
    expect(fits.status).toBe('released')
    // Without the receipts the same signer would see only 4 ETH gone: 4 more fits (per-signer view).
    const alone = await signers[4]!.approve(request(pay('4', 1), { history }), { key: key(4) })
    expect(alone.status).toBe('released')

    // The log remembers what was proven: the next request (a day later, a fresh epoch) needs only
    // nonce 1's execution, which is charged now (4 + 0.5 of 10).
    clock.now += 86400
    const next = await signers[3]!.approve(request(pay('0.5', 2), { history: [proof(tx1, r1)] }), {
      key: key(3),
    })
    expect(next.status).toBe('released')
    const proven = signers[3]!.log.entries.filter((e) => e.decision === DecisionLog.nonceProvenDecision)
    expect(proven.map((e) => (e.data as { nonce: string }).nonce)).toEqual(['0', '1'])
  })

  it('carries receipts and proofs in the request wire format, and refuses a bad enrolled key', () => {
    const tx = pay('1', 3)
    const signatures = `0x${'11'.repeat(65)}` as Hex
    const req = request(tx, { receipts: ['0x7b7d'], history: [{ tx: pay('2', 2), signatures }] })
    const back = SignRequest.decode(SignRequest.encode(req))
    expect(back.receipts).toEqual(['0x7b7d'])
    expect(back.history?.[0]?.tx.value).toBe(parseEther('2'))
    expect(back.history?.[0]?.signatures).toBe(signatures)
    const org = {
      ...(bundle.org as Record<string, unknown>),
      signers: [{ owner: owners[0]!.address, auditKey: 'abc' }],
    }
    expect(() => OrgConfig.parse(org)).toThrow(/signers\[0\]\.auditKey/)
  })

  it('adds nothing to the answer when the bundle enrolls no signer set', async () => {
    const { signers: _, ...org } = bundle.org as Record<string, unknown>
    let plain = Bundle.create({ version: 1, policies: bundle.policies, org: org as Bundle.Json })
    for (const admin of admins) plain = await Bundle.sign(plain, admin)
    const s = await Signer.create({
      cedar,
      log: DecisionLog.memory({ clock: read }),
      clock: read,
      auditKey: auditKeys[0]!,
    })
    await s.installBundle(plain)
    const result = await s.approve(request(pay('1', 5)), { key: key(0) })
    expect(result.status).toBe('released')
    expect(result.status === 'released' && Object.keys(result.response).sort()).toEqual([
      'kind',
      'requestId',
      'safeTxHash',
      'signature',
      'signer',
    ])
  })

  it('takes the first nonce when neither log nor bundle gives a start, and logs it', async () => {
    const s = await signerOf(0)
    const guardian = SafeTx.context({
      chainId: 1,
      safe: '0x000000000000000000000000000000000000beef',
      version: '1.4.1',
    })
    const first = await s.approve({ ...request(pay('0', 7)), context: guardian }, { key: key(0) })
    const start = s.log.entries.find((e) => e.decision === DecisionLog.nonceStartDecision)
    expect((start?.data as { nonce: string } | undefined)?.nonce).toBe('7')
    expect(codes(first)).not.toContain('nonce-gap')
    const gap = await s.approve({ ...request(pay('0', 8)), context: guardian }, { key: key(0) })
    expect(codes(gap)).toContain('nonce-gap')
  })
})

describe('nonce continuity beyond Safe signatures', () => {
  const addOwner = (nonce: number) =>
    SafeTx.from({
      to: safe,
      // addOwnerWithThreshold(0x…dead, 1): an authority change, approved in round 1 first.
      data: `0x0d582f13${'000000000000000000000000000000000000000000000000000000000000dead'.padStart(64, '0')}${'1'.padStart(64, '0')}`,
      nonce,
    })

  it('refuses an attestation (round 1 of an authority change) across a nonce gap', async () => {
    const s = await signerOf(1)
    const far = await s.approve(request(addOwner(1000)), { key: key(1) })
    expect(codes(far)).toContain('nonce-gap')
    // At the bundle's start nonce nothing is missing: round 1 is answered with an attestation.
    const here = await s.approve(request(addOwner(0)), { key: key(1) })
    expect(here.status === 'released' && here.kind).toBe('approval-attestation')
  })

  it('takes an on-chain rejection with threshold signatures as the proof of its nonce', async () => {
    const s = await signerOf(2)
    // Nonce 0 was burnt by a rejection: an empty call of the Safe to itself, signed by three owners.
    const rejection = SafeTx.from({ to: safe, value: 0n, data: '0x', nonce: 0 })
    const { safeTxHash } = SafeTxHash.compute({ tx: rejection, context })
    const signed = await Promise.all([0, 1, 3].map((i) => owners[i]!.sign({ hash: safeTxHash })))
    const signatures = Signature.build({
      signatures: signed.map((sig) => Signature.parse(sig)[0]!),
      safeTxHash,
    })
    const short = Signature.build({
      signatures: signed.slice(0, 2).map((sig) => Signature.parse(sig)[0]!),
      safeTxHash,
    })
    const refused = await s.approve(
      request(pay('1', 1), { history: [{ tx: rejection, signatures: short }] }),
      {
        key: key(2),
      },
    )
    expect(codes(refused)).toEqual(['nonce-gap'])
    // A valid proof in a request refused for another reason (a damaged receipt) is remembered as
    // verified, keyed by its signatures: the short one stays a gap, the full one is taken again.
    const damaged = await s.approve(
      request(pay('1', 1), { history: [{ tx: rejection, signatures }], receipts: ['0x7b7d'] }),
      { key: key(2) },
    )
    expect(codes(damaged)).toEqual(['receipt-invalid'])
    const again = await s.approve(request(pay('1', 1), { history: [{ tx: rejection, signatures: short }] }), {
      key: key(2),
    })
    expect(codes(again)).toEqual(['nonce-gap'])
    const released = await s.approve(request(pay('1', 1), { history: [{ tx: rejection, signatures }] }), {
      key: key(2),
    })
    expect(released.status).toBe('released')
    const proven = s.log.entries.filter((e) => e.decision === DecisionLog.nonceProvenDecision)
    expect(proven.map((e) => [e.safeTxHash, (e.data as { nonce: string }).nonce])).toEqual([
      [safeTxHash, '0'],
    ])
  })
})
