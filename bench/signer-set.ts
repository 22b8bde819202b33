// Limits for the whole signer set: what receipts, log heads and consistency proofs add to a response
// QR code, how long one proof takes to verify, and a signer's whole decision for a request that
// proves 50 earlier nonces (target ≤ 50 ms).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AuditKey } from '@airlock/audit-log'
import { nodeEd25519 } from '@airlock/audit-log/node'
import { Bundle, OrgConfig } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import { analyze, Effects, SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { DecisionLog, Receipt, Signer, SignerSet } from '@airlock/signer-core'
import { SignatureResponse, type SignRequest } from '@airlock/transport'
import { parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { type BenchTable, median, sample } from './table.ts'

const policyDir = join(import.meta.dirname, '..', 'policies', 'treasury-default')
const owners = [0, 1, 2, 3, 4].map((addressIndex) =>
  mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex }),
)
const admins = [0, 1].map((addressIndex) =>
  mnemonicToAccount(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    { addressIndex },
  ),
)
// Native Ed25519, as the signer's state directory uses on Node.
const auditKeys = owners.map(() => AuditKey.signer(AuditKey.generate(), { ed25519: nodeEd25519 }))
const TREASURY = '0x00000000000000000000000000000000000a11ce'
const PAYROLL = '0x0000000000000000000000000000000000002001'
const context = SafeTx.context({ chainId: 1, safe: TREASURY, version: '1.4.1' })
const NOW = 1_767_225_600
const HISTORY = 50

export async function runSignerSetBench(): Promise<BenchTable[]> {
  const json = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  json.safes = json.safes.map((s: object, i: number) => ({
    ...s,
    owners: owners.map((o) => o.address.toLowerCase()),
    ...(i === 0 ? { startNonce: '0' } : {}),
  }))
  json.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  json.allowSoftwareKeys = true
  json.signers = owners.map((o, i) => ({
    owner: o.address,
    auditKey: AuditKey.toHex(auditKeys[i]!.publicKey),
  }))
  const policies = Object.fromEntries(
    readdirSync(policyDir)
      .filter((f) => f.endsWith('.cedar'))
      .map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
  )
  let bundle = Bundle.create({ version: 1, policies, org: json })
  for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
  const org = OrgConfig.parse(json)
  const clock = () => new Date(NOW * 1000)
  const fresh = async (i: number) => {
    // Signed with native Ed25519, as the signer's state directory signs its log on Node.
    const log = DecisionLog.memory({ clock, privateKey: auditKeys[i]!.privateKey, ed25519: nodeEd25519 })
    const signer = await Signer.create({ cedar, log, clock, auditKey: auditKeys[i]! })
    await signer.installBundle(bundle)
    return signer
  }

  // 50 executed nonces, each with three owners' signatures.
  const history: SignRequest.ProvenTx[] = []
  for (let nonce = 0; nonce < HISTORY; nonce++) {
    const tx = SafeTx.from({ to: PAYROLL, value: parseEther('0.001'), nonce })
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    const parts = []
    for (const o of owners.slice(0, 3)) parts.push(Signature.parse(await o.sign({ hash: safeTxHash }))[0]!)
    history.push({ tx, signatures: Signature.build({ signatures: parts, safeTxHash }) })
  }
  const request = (nonce: number, extra: Partial<SignRequest.SignRequest> = {}): SignRequest.SignRequest => ({
    requestId: toHex(nonce + 1, { size: 16 }),
    createdAt: NOW,
    context,
    tx: SafeTx.from({ to: PAYROLL, value: parseEther('0.001'), nonce }),
    signatures: [],
    attestations: [],
    title: 'Payroll',
    description: '',
    ...extra,
  })
  const key = (i: number) => ({
    kind: 'software' as const,
    privateKey: toHex(owners[i]!.getHdKey().privateKey!),
  })

  // Response size: a signer without an audit key (no receipt, head or proof) and one with them.
  const plain = await Signer.create({
    cedar,
    log: DecisionLog.memory({ clock, ed25519: nodeEd25519 }),
    clock,
  })
  await plain.installBundle(bundle)
  const first = await fresh(0)
  const released = async (s: Signer, req: SignRequest.SignRequest, i: number) => {
    const r = await s.approve(req, { key: key(i) })
    if (r.status !== 'released') throw new Error(`bench: the signer refused (${r.status})`)
    return r.response
  }
  const without = await released(plain, request(0), 0)
  const r0 = await released(first, request(0), 0)
  const r1 = await released(first, request(1, { history: history.slice(0, 1), heads: [r0.head!] }), 0)
  const bytes = (r: SignatureResponse.SignatureResponse) => SignatureResponse.encode(r).length
  const sizeRows = [
    { response: 'signature only (no set limits)', bytes: bytes(without), added: 0 },
    {
      response: '+ receipt',
      bytes: bytes({ ...without, receipt: r1.receipt }),
      added: bytes({ ...without, receipt: r1.receipt }) - bytes(without),
    },
    { response: '+ receipt + head + consistency proof', bytes: bytes(r1), added: bytes(r1) - bytes(without) },
  ]

  // One proof of each kind, verified.
  const proven = history[0]!
  const proofTimes = sample(
    () => {
      const { safeTxHash } = SafeTxHash.compute({ tx: proven.tx, context })
      Signature.verify({
        safeTxHash,
        signatures: proven.signatures,
        owners: [...org.safes[0]!.owners],
        threshold: 3,
      })
      Effects.outflowFacts(analyze({ tx: proven.tx, context }))
    },
    { ms: 500 },
  )
  const receiptTimes = sample(
    () =>
      Receipt.verify(r1.receipt!, {
        signers: org.signers!,
        chainId: 1,
        safe: TREASURY,
        nowSeconds: NOW,
        windowSeconds: 86400,
        ed25519: nodeEd25519,
      }),
    { ms: 500 },
  )
  const headTimes = sample(
    () =>
      SignerSet.checkHeadUpdate({
        previous: r0.head,
        next: r1.head!,
        consistency: r1.consistency,
        auditKey: org.signers![0]!.auditKey,
      }),
    { ms: 500 },
  )

  // A whole decision (review, policy, logging, signing, receipt and head) proving 50 nonces, with
  // ten peers' receipts; a fresh signer each time, since what it verified once it remembers.
  const receipts: `0x${string}`[] = []
  const peer = await fresh(1)
  for (let n = 0; n < 10; n++) {
    const r = await released(peer, request(n, { history: history.slice(0, n) }), 1)
    receipts.push(r.receipt!)
  }
  const decision: number[] = []
  for (let run = 0; run < 3; run++) {
    const s = await fresh(2)
    const start = performance.now()
    await released(s, request(HISTORY, { history, receipts }), 2)
    decision.push(performance.now() - start)
  }
  // The same request again after a refusal (here: one damaged receipt): the 50 proofs were verified
  // by this signer already and are not verified twice.
  const retried: number[] = []
  const damaged = `${receipts[0]!.slice(0, -2)}00` as `0x${string}`
  for (let run = 0; run < 3; run++) {
    const s = await fresh(2)
    const refused = await s.approve(
      request(HISTORY, { history, receipts: [damaged, ...receipts.slice(1)] }),
      {
        key: key(2),
      },
    )
    if (refused.status !== 'refused') throw new Error('bench: a damaged receipt was not refused')
    const start = performance.now()
    await released(s, request(HISTORY, { history, receipts }), 2)
    retried.push(performance.now() - start)
  }
  // The usual case: 50 nonces already proven and logged, this request proves the last one.
  const steady: number[] = []
  for (let run = 0; run < 5; run++) {
    const s = await fresh(2)
    await released(s, request(HISTORY - 1, { history: history.slice(0, HISTORY - 1) }), 2)
    const start = performance.now()
    await released(s, request(HISTORY, { history: history.slice(HISTORY - 1), receipts }), 2)
    steady.push(performance.now() - start)
  }
  // The same decision without the set's limits (no enrolled keys, no proofs, no receipt).
  const unset: number[] = []
  for (let run = 0; run < 5; run++) {
    const s = await Signer.create({ cedar, log: DecisionLog.memory({ clock, ed25519: nodeEd25519 }), clock })
    await s.installBundle(bundle)
    const start = performance.now()
    await s.approve(request(HISTORY), { key: key(2) })
    unset.push(performance.now() - start)
  }

  return [
    {
      title: 'Signer set: bytes a response QR code carries',
      rows: sizeRows,
      notes: [
        'Canonical CBOR of the signature response (the UR payload); the proof is from the previous head.',
      ],
    },
    {
      title: 'Signer set: verifying one proof',
      rows: [
        { proof: 'executed nonce (3 owner signatures + decode)', medianMs: median(proofTimes) },
        { proof: 'peer receipt (Ed25519)', medianMs: median(receiptTimes) },
        { proof: 'log head + consistency proof (Ed25519 + RFC 9162)', medianMs: median(headTimes) },
      ],
    },
    {
      title: `Signer set: one decision with ${HISTORY} nonces of history (target ≤ 50 ms)`,
      rows: [
        {
          request: `${HISTORY} nonces in the log, 1 proven now + 10 peer receipts`,
          medianMs: median(steady),
          meetsTarget: median(steady) <= 50,
        },
        {
          request: `${HISTORY} nonces proven in this one request + 10 peer receipts`,
          medianMs: median(decision),
          meetsTarget: median(decision) <= 50,
        },
        {
          request: `the same, sent again after a refusal (${HISTORY} proofs verified before)`,
          medianMs: median(retried),
          meetsTarget: median(retried) <= 50,
        },
        {
          request: 'baseline: the same approve() without the set limits',
          medianMs: median(unset),
          meetsTarget: median(unset) <= 50,
        },
      ],
      notes: [
        'The whole approve(): set checks, review, Cedar policy, log appends, signature, receipt and head.',
        `Proving ${HISTORY} nonces at once is ${HISTORY * 3} secp256k1 recoveries in pure JS (noble): the set's first request after a long absence; each proof is verified once per signer process.`,
      ],
    },
  ]
}
