// The signer set's limits through the coordinator's real flow, on anvil with the official Safe 1.4.1
// contracts: a bundle enrolling three signers' audit keys; `action new` → `action qr` → `sign approve`
// from two signer state directories → `sig add` (log heads witnessed, receipts kept) → `action exec`.
// The next request carries the receipts, the continuity proof and the witnessed heads, and the signers
// accept it; nonces executed outside Airlock are proven from chain; a signer whose log was cut between
// two answers is caught by `sig add`.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AuditKey } from '@airlock/audit-log'
import { runCli } from '@airlock/cli/testing'
import { SetLimits } from '@airlock/coordinator-core'
import { type Anvil, createSafe, execTransaction } from '@airlock/devnet'
import { openPgliteStore } from '@airlock/queue'
import { SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { type Address, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as World from './support/cliWorld.ts'

const CHAIN_ID = 31337
const {
  deployer,
  owners,
  admins: [admin1, admin2],
  executor,
} = World.worldAccounts()
const [o1, o2, o3] = owners
const payroll = World.PAYROLL

let anvil: Anvil
let treasury: Address
let dir: string
let home: string

const cli = (...argv: string[]) => runCli(argv, { cwd: dir })
const coordinator = async (...argv: string[]) => (await World.coordinatorJson({ dir, home, argv })).json

beforeAll(async () => {
  const world = await World.startWorldChain({
    prefix: 'airlock-signer-set-cli-',
    chainId: CHAIN_ID,
    deployer,
  })
  ;({ dir, home, anvil } = world)
  const deployment = world.deployment
  treasury = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: owners.map((o) => o.address),
    threshold: 2,
    balance: parseEther('10'),
  })
  const admins = [admin1, admin2]
  const org = World.anvilOrg({
    chainId: CHAIN_ID,
    safes: [
      {
        name: 'treasury',
        address: treasury,
        owners: owners.map((o) => o.address),
        threshold: 2,
        startNonce: '0',
      },
    ],
    deployment,
    payroll,
    admins,
  })
  // Each signer's audit key, made before its state directory so the bundle can enrol it.
  const auditKeys = owners.map(() => AuditKey.generate())
  org.signers = owners.map((o, i) => ({
    owner: o.address.toLowerCase(),
    auditKey: AuditKey.toHex(AuditKey.publicKey(auditKeys[i]!)),
  }))
  await World.writeOrgAndBundle({ dir, org, admins })
  for (const [i, owner] of owners.entries())
    await World.initSigner({ dir, state: `s${i + 1}`, owner, auditKey: auditKeys[i] })
  await World.initCoordinator({ dir, home, anvil, chainId: CHAIN_ID, treasury, deployment, executor })
}, 180_000)

afterAll(async () => {
  await anvil?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const requestOf = (id: string) => World.requestOf({ dir, home, id })
const approve = (requestPath: string, state: string) => World.approve({ dir, requestPath, state })
const sigAdd = async (path: string) => {
  const result = await cli('sig', 'add', path, '--home', home, '--json')
  const parsed = JSON.parse(result.stdout)
  // Stored either way; exit 3 exactly when the answer raised an alert about its signer's log.
  expect(result.code, result.stderr).toBe(parsed.alerts.length > 0 ? 3 : 0)
  return { ...parsed, stderr: result.stderr, code: result.code }
}

const transfer = (amount: string) =>
  coordinator('action', 'new', 'transfer', '--to', payroll, '--amount', amount)

describe('the coordinator carries the signer set’s limits (CLI, anvil)', () => {
  it('witnesses answers, attaches receipts, proofs (queue and chain) and heads, and catches a cut log', async () => {
    await coordinator('safe', 'add', treasury, '--name', 'treasury')

    // Nonce 0 (the bundle's start): nothing to prove yet; two signers answer, each with a receipt.
    const a = await transfer('0.1')
    expect(a.nonce).toBe('0')
    const ra = await requestOf(a.id)
    expect(ra.request.history ?? []).toEqual([])
    for (const state of ['s1', 's2']) {
      const added = await sigAdd(await approve(ra.path, state))
      expect(added).toMatchObject({ status: 'added', alerts: [] })
    }
    expect((await coordinator('action', 'exec', a.id)).status).toBe('executed')

    // Nonce 1: the request carries a's two receipts, the proof of nonce 0 and both witnessed heads.
    // s3 never saw nonce 0: it accepts the proof and signs.
    const b = await transfer('0.2')
    const rb = await requestOf(b.id)
    expect(rb.request.receipts).toHaveLength(2)
    expect(rb.request.history?.map((h) => h.tx.nonce)).toEqual([0n])
    expect(rb.request.history?.[0]?.tx.value).toBe(parseEther('0.1'))
    expect(rb.request.heads).toHaveLength(2)
    const s1b = await approve(rb.path, 's1')
    const s3b = await approve(rb.path, 's3')
    expect((await sigAdd(s1b)).alerts).toEqual([])
    expect((await sigAdd(s3b)).alerts).toEqual([])
    expect((await coordinator('action', 'exec', b.id)).status).toBe('executed')
    const proven = readFileSync(join(dir, 's3', 'decisions.jsonl'), 'utf8')
    expect(proven).toMatch(/"decision":"nonce-proven"/)

    // Nonces 2 and 3 executed outside Airlock: an on-chain rejection, then a transfer.
    const context = SafeTx.context({ chainId: CHAIN_ID, safe: treasury, version: '1.4.1' })
    const outside = [
      SafeTx.from({ to: treasury, value: 0n, data: '0x', nonce: 2 }),
      SafeTx.from({ to: payroll, value: parseEther('0.3'), nonce: 3 }),
    ]
    for (const tx of outside) {
      const { safeTxHash } = SafeTxHash.compute({ tx, context })
      const signed = await Promise.all([o2, o3].map((o) => o.sign({ hash: safeTxHash })))
      const signatures = Signature.build({
        signatures: signed.map((s) => Signature.parse(s)[0]!),
        safeTxHash,
      })
      const { success } = await execTransaction({
        anvil,
        version: '1.4.1',
        safe: treasury,
        tx,
        signatures,
        sender: deployer,
      })
      expect(success).toBe(true)
    }

    // s1's log loses its last entry between two answers (what a thief with the disk could do).
    const logPath = join(dir, 's1', 'decisions.jsonl')
    const lines = readFileSync(logPath, 'utf8').trimEnd().split('\n')
    writeFileSync(logPath, `${lines.slice(0, -1).join('\n')}\n`)

    // Nonce 4: the proof runs from nonce 0 (s2 last answered there): 0 and 1 from the queue, 2 and 3
    // from chain (the ExecutionSuccess events and the execTransaction calldata).
    const c = await transfer('0.05')
    expect(c.nonce).toBe('4')
    const rc = await requestOf(c.id)
    expect(rc.request.history?.map((h) => h.tx.nonce)).toEqual([0n, 1n, 2n, 3n])
    expect(rc.request.history?.[2]?.tx).toMatchObject({ to: treasury, value: 0n, data: '0x' })
    expect(rc.request.history?.[3]?.tx.value).toBe(parseEther('0.3'))
    expect(rc.request.receipts).toHaveLength(4)
    expect(rc.request.heads).toHaveLength(3)
    const s2c = await approve(rc.path, 's2')
    expect((await sigAdd(s2c)).alerts).toEqual([])
    // s1 still answers, but its new head does not extend the one witnessed: an alert, kept with the action.
    const s1c = await approve(rc.path, 's1')
    const cut = await sigAdd(s1c)
    expect(cut.status).toBe('added')
    expect(cut.code).toBe(3)
    expect(cut.alerts).toHaveLength(1)
    expect(cut.alerts[0]).toMatchObject({ owner: o1.address })
    expect(cut.alerts[0].code).toMatch(/^log-(rollback|fork)$/)
    expect(cut.stderr).toMatch(/ALERT log-(rollback|fork): The log of 0x/)
    const shown = await cli('action', 'show', c.id, '--home', home)
    expect(shown.stdout).toMatch(/ALERT log-(rollback|fork)/)
    expect((await coordinator('action', 'show', c.id)).alerts).toHaveLength(1)
    expect((await coordinator('action', 'exec', c.id)).status).toBe('executed')
    // The same answer once more: refused (the action is executed), and the alert is said with it.
    const late = await cli('sig', 'add', s1c, '--action', c.id, '--home', home)
    expect(late.code).toBe(1)
    expect(late.stderr).toMatch(/is executed: it takes no more signatures/)
    expect(late.stderr).toMatch(/ALERT log-(rollback|fork)/)
  }, 240_000)

  it('refuses to build a proof that cannot fit one request, rather than cut it', async () => {
    const store = await openPgliteStore({ dataDir: 'memory' })
    try {
      const continuity = (from: bigint, to: bigint) =>
        SetLimits.continuity({
          store,
          client: anvil.publicClient,
          safe: { chainId: BigInt(CHAIN_ID), address: treasury, version: '1.4.1' },
          from,
          to,
        })
      await expect(continuity(0n, BigInt(SetLimits.maxProofs) + 1n)).rejects.toMatchObject({
        name: 'Coordinator.SetLimitsTooLargeError',
      })
      // Nonces nobody executed cannot be proven: named, not attached half.
      await expect(continuity(5n, 7n)).rejects.toMatchObject({
        name: 'Coordinator.ContinuityUnavailableError',
        missing: [5n, 6n],
      })
    } finally {
      await store.close()
    }
  })
})
