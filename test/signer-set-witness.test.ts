// Witnessed log heads: every response carries the signer's signed tree head and a consistency proof
// from the head the coordinator last saw; the coordinator (Witness) detects a truncated, edited or
// forked signer log at that signer's next response, and signers check their peers' heads.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AuditEntry, AuditKey, AuditLog, TreeHead } from '@airlock/audit-log'
import { Witness } from '@airlock/coordinator-core'
import { Bundle, OrgConfig } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import { SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { type DecisionLog, Signer } from '@airlock/signer-core'
import { SignatureResponse, SignRequest } from '@airlock/transport'
import { parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'

const policyDir = join(import.meta.dirname, '..', 'policies', 'treasury-default')
const owners = [0, 1, 2].map((addressIndex) =>
  mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex }),
)
const admins = [0, 1].map((addressIndex) =>
  mnemonicToAccount(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    {
      addressIndex,
    },
  ),
)
const auditKeys = owners.map(() => AuditKey.signer(AuditKey.generate()))
const safe = '0x00000000000000000000000000000000000a11ce'
const context = SafeTx.context({ chainId: 1, safe, version: '1.4.1' })
const clock = { now: 1_767_225_600 }
const read = () => new Date(clock.now * 1000)
let bundle: Bundle.Bundle
let org: OrgConfig.OrgConfig

beforeAll(async () => {
  const json = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  // A 1-of-3 treasury: one signer's signature executes, so each proof is one response.
  json.safes = json.safes.map((s: object, i: number) => ({
    ...s,
    owners: owners.map((o) => o.address.toLowerCase()),
    threshold: 1,
    ...(i === 0 ? { startNonce: '0' } : {}),
  }))
  json.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  json.allowSoftwareKeys = true
  json.signers = owners.map((o, i) => ({
    owner: o.address,
    auditKey: AuditKey.toHex(auditKeys[i]!.publicKey),
  }))
  const policies = Object.fromEntries(
    ['rules.cedar', 'tiers.cedar'].map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
  )
  bundle = Bundle.create({ version: 1, policies, org: json })
  for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
  org = OrgConfig.parse(json)
})

// A decision log an attacker with the laptop's disk can cut, edit or fork (and re-sign with its key).
function tamperableLog(signer: AuditKey.Signer) {
  let entries: AuditEntry.Entry[] = []
  const append = async (input: AuditEntry.Input, { time }: { time: string }) => {
    const last = entries.at(-1)
    const entry = AuditLog.next({ head: last && AuditLog.headOf(last), input, time, signer })
    entries.push(entry)
    return entry
  }
  void append({ event: 'log-opened' }, { time: read().toISOString() })
  const log: DecisionLog.DecisionLog = {
    get entries() {
      return entries
    },
    append,
  }
  return {
    log,
    truncate: (size: number) => {
      entries = entries.slice(0, size)
    },
    edit: (index: number) => {
      const prev = entries[index - 1]
      entries[index] = AuditLog.next({
        head: prev && AuditLog.headOf(prev),
        input: { event: 'reviewed', decision: 'would-refuse', reasons: ['rewritten'] },
        time: entries[index]!.time,
        signer,
      })
    },
  }
}

async function world() {
  const tamper = tamperableLog(auditKeys[0]!)
  const signer = await Signer.create({ cedar, log: tamper.log, clock: read, auditKey: auditKeys[0]! })
  await signer.installBundle(bundle)
  const history: SignRequest.ProvenTx[] = []
  let heads: Witness.Heads = {}
  let nonce = 0
  /** One release at the next nonce, witnessed by the coordinator. */
  const round = async () => {
    clock.now += 60
    const tx = SafeTx.from({
      to: '0x0000000000000000000000000000000000002001',
      value: parseEther('0.01'),
      nonce,
    })
    const request: SignRequest.SignRequest = {
      requestId: toHex(nonce + 1, { size: 16 }),
      createdAt: clock.now,
      context,
      tx,
      signatures: [],
      attestations: [],
      title: 'Payroll',
      description: '',
      history: [...history],
      heads: Witness.forRequest(heads),
    }
    const result = await signer.approve(SignRequest.decode(SignRequest.encode(request)), {
      key: { kind: 'software', privateKey: toHex(owners[0]!.getHdKey().privateKey!) },
    })
    if (result.status !== 'released') throw new Error(`refused: ${JSON.stringify(result.status)}`)
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    history.push({
      tx,
      signatures: Signature.build({
        signatures: [Signature.parse(result.response.signature)[0]!],
        safeTxHash,
      }),
    })
    nonce += 1
    // Through the wire format, as the QR code carries it.
    const response = SignatureResponse.decode(SignatureResponse.encode(result.response))
    const witnessed = Witness.witness({ heads, response, org })
    heads = witnessed.heads
    return { response, alert: witnessed.alert }
  }
  return { tamper, round, signer, heads: () => heads }
}

describe('witnessed signer log heads', () => {
  it('accepts a growing log: each head extends the last one witnessed (consistency proof)', async () => {
    const w = await world()
    const first = await w.round()
    expect(first.alert).toBeUndefined()
    const second = await w.round()
    expect(second.alert).toBeUndefined()
    expect(second.response.consistency?.from).toBe(first.response.head!.size)
    expect(second.response.consistency?.to).toBe(second.response.head!.size)
    expect(w.signer.log.entries.length).toBe(second.response.head!.size)
  })

  it('detects a truncated log at the signer’s next response', async () => {
    const w = await world()
    for (let i = 0; i < 4; i++) await w.round()
    // Cut to the first two entries: what the signer answers next is shorter than what was witnessed.
    w.tamper.truncate(2)
    const next = await w.round()
    expect(next.alert?.code).toBe('log-rollback')
    // The kept heads survive the coordinator home's file, and `audit verify --heads` names the cut.
    const kept = Witness.fromJson(Witness.toJson(w.heads()))
    expect(kept).toEqual(w.heads())
    const logText = w.signer.log.entries.map((e) => `${AuditEntry.toLine(e)}\n`).join('')
    const checks = TreeHead.check({
      log: logText,
      heads: TreeHead.parseList(Witness.headsFile(kept, owners[0]!.address)),
      publicKey: auditKeys[0]!.publicKey,
    })
    expect(checks.map((c) => c.status)).toEqual(['truncated'])
    expect(() => Witness.fromJson('{"0xabc": 1}')).toThrowError(
      expect.objectContaining({ name: 'Coordinator.InvalidWitnessedHeadsError' }),
    )
    expect(() => Witness.assertConsistent({ heads: w.heads(), response: next.response, org })).toThrowError(
      expect.objectContaining({ name: 'Coordinator.SignerLogAlertError' }),
    )
  })

  it('detects an edited entry and a forked log', async () => {
    const edited = await world()
    await edited.round()
    edited.tamper.edit(1)
    expect((await edited.round()).alert?.code).toBe('log-fork')

    const forked = await world()
    await forked.round()
    const size = forked.heads()[owners[0]!.address.toLowerCase()]!.size
    forked.tamper.truncate(size - 1)
    const next = await forked.round()
    expect(next.response.head!.size).toBeGreaterThan(size)
    expect(next.alert?.code).toBe('log-fork')
  })

  it('signers keep their peers’ latest heads and refuse one that went back', async () => {
    const w = await world()
    const first = await w.round()
    const second = await w.round()
    const peer = await Signer.create({
      cedar,
      log: tamperableLog(auditKeys[1]!).log,
      clock: read,
      auditKey: auditKeys[1]!,
    })
    await peer.installBundle(bundle)
    const ask = (heads: SignatureResponse.WireHead[], n: number) =>
      peer.approve(
        {
          requestId: toHex(100 + n, { size: 16 }),
          createdAt: clock.now,
          context,
          tx: SafeTx.from({ to: '0x0000000000000000000000000000000000002001', value: 1n, nonce: 0 }),
          signatures: [],
          attestations: [],
          title: 'Payroll',
          description: '',
          heads,
        },
        { key: { kind: 'software', privateKey: toHex(owners[1]!.getHdKey().privateKey!) } },
      )
    const codes = (r: Awaited<ReturnType<typeof ask>>) =>
      r.status === 'refused' ? r.refusals.map((x) => x.code) : []
    expect(codes(await ask([second.response.head!], 1))).toEqual([])
    expect(peer.log.entries.some((e) => e.decision === 'peer-head')).toBe(true)
    expect(codes(await ask([first.response.head!], 2))).toContain('peer-log-inconsistent')
    const forged = { ...second.response.head!, size: second.response.head!.size + 1 }
    expect(codes(await ask([forged], 3))).toContain('receipt-invalid')
  })
})
