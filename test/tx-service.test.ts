// The Safe Transaction Service as a source and a sink, with Safe's own client (api-kit) against a local
// stand-in that follows shared/reference/safe-transaction-service.md, on anvil with the official Safe
// 1.4.1 contracts: a proposal made the Safe{Wallet} way is imported after its hash is recomputed, signed
// by two Airlock signers through QR frames, confirmed back to the service, and executed. A service that
// lies (fields that do not hash to the claimed hash, a false dataDecoded, a forged confirmation, another
// payload at a queued nonce) is caught.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import {
  Execution,
  ServiceRequestError,
  ServiceTransactionRefusedError,
  TransactionService,
} from '@airlock/coordinator-core'
import {
  type Anvil,
  anvilAccounts,
  createSafe,
  deploySafeContracts,
  execTransaction,
  startAnvil,
} from '@airlock/devnet'
import { openPgliteStore, type Store } from '@airlock/queue'
import { SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { DecisionLog, Signer } from '@airlock/signer-core'
import { SignatureResponse, SignRequest, type TypedUr } from '@airlock/transport'
import { loadZxingReaderWasm, QrReader } from '@airlock/transport/images'
import { type Address, getAddress, type Hex, keccak256, parseEther, toHex, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { airGap as scan } from './support/airGap.ts'
import { bundle, cedar, orgJson, owners, privateKeyOf } from './support/signer-fixtures.ts'
import { proposeAsSafeWallet, type StandIn, startStandIn } from './support/txServiceStandIn.ts'

const CHAIN_ID = 31337
const [deployer] = anvilAccounts(1)
const safeOwners = owners.slice(0, 3)
const payee = getAddress('0x00000000000000000000000000000000000b0b0b')

let anvil: Anvil
let safe: Address
let service: StandIn
let store: Store
let dataDir: string
let reader: QrReader.QrReader
const context = () => SafeTx.context({ chainId: CHAIN_ID, safe, version: '1.4.1' })

beforeAll(async () => {
  anvil = await startAnvil({ chainId: CHAIN_ID })
  const deployment = await deploySafeContracts({ anvil, deployer: deployer!, version: '1.4.1' })
  safe = await createSafe({
    anvil,
    deployment,
    deployer: deployer!,
    owners: safeOwners.map((o) => o.address),
    threshold: 2,
    balance: parseEther('10'),
  })
  const nonceAbi = [
    { type: 'function', name: 'nonce', inputs: [], outputs: [{ type: 'uint256' }], stateMutability: 'view' },
  ] as const
  service = await startStandIn({
    // Like the real service, owners and nonce come from the chain at request time.
    safeState: async (address) =>
      address === safe
        ? {
            chainId: BigInt(CHAIN_ID),
            version: '1.4.1',
            owners: safeOwners.map((o) => o.address),
            threshold: 2,
            nonce: await anvil.publicClient.readContract({ address, abi: nonceAbi, functionName: 'nonce' }),
          }
        : undefined,
  })
  dataDir = mkdtempSync(join(tmpdir(), 'airlock-tx-service-'))
  store = await openPgliteStore({ dataDir })
  reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
}, 120_000)

afterAll(async () => {
  await store?.close()
  await service?.close()
  await anvil?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const txAt = (nonce: bigint, fields: Partial<SafeTx.SafeTxInput> = {}) =>
  SafeTx.from({ to: payee, value: parseEther('1'), data: '0x', nonce, ...fields })

/** Proposes the way Safe{Wallet} does: api-kit, the proposer's own signature over the hash. */
const propose = (tx: SafeTx.SafeTx, proposer = safeOwners[0]!) =>
  proposeAsSafeWallet({ url: service.url, context: context(), tx, proposer })

/** Moves a UR across the air gap as QR frames through a simulated camera (every 5th frame missed). */
const airGap = (ur: TypedUr, seed: number) => scan(reader, ur, seed)

/** The org config naming this Safe, as the signers' bundle and the coordinator use it. */
function treasuryOrg() {
  return orgJson({
    name: 'Service test treasury',
    safes: [
      {
        name: 'treasury',
        address: safe,
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: safeOwners.map((o) => o.address.toLowerCase()),
        threshold: 2,
      },
    ],
    guardian: undefined,
    pausable: [],
    recipients: [{ name: 'Bob', address: payee, chainId: CHAIN_ID }],
    assets: [
      {
        id: 'ETH',
        chainId: CHAIN_ID,
        address: 'native',
        decimals: 18,
        policyDecimals: 0,
        treasury: parseEther('1000').toString(),
        large: parseEther('50').toString(),
        epoch: { seconds: 86400, cap: parseEther('100').toString() },
      },
    ],
  })
}

describe('Transaction Service import, confirmations and execution (api-kit ↔ stand-in ↔ anvil)', () => {
  const client = () => TransactionService.client({ chainId: BigInt(CHAIN_ID), url: service.url })

  it('lists every page of pending transactions, each re-hashed; several per nonce are flagged', async () => {
    const hashA = await propose(txAt(0n))
    // Safe{Wallet}'s rejection of the same nonce: a call to the Safe itself with nothing in it.
    const hashReject = await propose(txAt(0n, { to: safe, value: 0n }), safeOwners[1])
    for (const nonce of [1n, 2n, 3n]) await propose(txAt(nonce, { value: parseEther('0.1') }))
    const pending = await TransactionService.pending({
      client: client(),
      context: context(),
      onchainNonce: 0n,
      pageSize: 2,
    })
    expect(pending.map((p) => p.tx.nonce)).toEqual([0n, 0n, 1n, 2n, 3n])
    expect(pending.flatMap((p) => p.problems)).toEqual([])
    expect(pending.find((p) => p.safeTxHash === hashA)?.confirmations.map((c) => c.owner)).toEqual([
      safeOwners[0]!.address,
    ])
    // Pages followed with the service's own limit/offset (3 requests for 5 transactions, 2 per page).
    expect(service.requests.filter((r) => r.startsWith('GET /api/v2/safes/')).length).toBe(3)
    const rows = TransactionService.compare({ service: pending, queue: [] })
    expect(rows[0]).toMatchObject({ nonce: 0n, flags: ['several-in-service', 'only-in-service'] })
    expect(rows[0]!.service.map((s) => s.safeTxHash).sort()).toEqual([hashA, hashReject].sort())
  })

  it('refuses a transaction whose fields do not hash to its safeTxHash, and shows a lying dataDecoded and a forged confirmation', async () => {
    const hashA = SafeTxHash.compute({ tx: txAt(0n), context: context() }).safeTxHash
    // The service swaps the payee for an attacker but keeps the hash the owners saw.
    service.lie(hashA, { to: '0x00000000000000000000000000000000DeaDBeef' })
    const lying = await TransactionService.get({ client: client(), context: context(), safeTxHash: hashA })
    expect(lying.problems.map((p) => p.code)).toContain('hash-mismatch')
    await expect(
      TransactionService.importTransaction({
        store,
        checked: lying,
        safe: { chainId: BigInt(CHAIN_ID), address: safe, version: '1.4.1' },
        owners: safeOwners.map((o) => o.address),
        requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
        actor: 'ops',
      }),
    ).rejects.toThrow(ServiceTransactionRefusedError)
    expect(await store.listActions()).toEqual([])

    // The hash is right, but the service claims the empty rejection calls transfer(), and forges a
    // confirmation by owner 3 with owner 1's signature.
    const forged = (await TransactionService.get({ client: client(), context: context(), safeTxHash: hashA }))
      .problems
    expect(forged.map((p) => p.code)).toContain('hash-mismatch')
    service.lie(hashA, {
      dataDecoded: { method: 'transfer', parameters: [] },
      confirmations: [
        {
          owner: safeOwners[2]!.address,
          signature: await safeOwners[0]!.sign({ hash: hashA }),
          signatureType: 'EOA',
          submissionDate: '2026-12-01T00:00:00Z',
          transactionHash: null,
        },
      ],
    })
    const checked = await TransactionService.get({ client: client(), context: context(), safeTxHash: hashA })
    expect(checked.problems.map((p) => TransactionService.describe(p))).toEqual([
      'the service says it calls transfer, but its data calls (no call data)',
      `the confirmation by ${safeOwners[2]!.address} is not valid: it recovers to ${safeOwners[0]!.address} over ${hashA}`,
    ])
    expect(checked.confirmations).toEqual([])
    service.lie(hashA, {})
  })

  it('imports, signs through two Airlock signers over QR frames, confirms back to the service, executes', async () => {
    const ctx = context()
    const [checkedA] = (
      await TransactionService.pending({ client: client(), context: ctx, onchainNonce: 0n })
    ).filter((p) => p.tx.to === payee && p.tx.nonce === 0n)
    const { action, skipped } = await TransactionService.importTransaction({
      store,
      checked: checkedA!,
      safe: { chainId: BigInt(CHAIN_ID), address: safe, version: '1.4.1' },
      owners: safeOwners.map((o) => o.address),
      requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
      actor: 'ops',
      title: 'Pay Bob 1 ETH (proposed in Safe{Wallet})',
    })
    expect(action.safeTxHash).toBe(checkedA!.safeTxHash)
    expect(action.collected.signatures).toBe(1)
    expect(skipped).toEqual([])

    // The service holds another payload at a nonce the queue holds: flagged.
    const rows = TransactionService.compare({
      service: await TransactionService.pending({ client: client(), context: ctx, onchainNonce: 0n }),
      queue: [{ id: action.id, nonce: action.nonce, safeTxHash: action.safeTxHash }],
    })
    expect(rows[0]!.flags).toEqual(['several-in-service', 'payload-changed'])

    // Two owners' offline signers, each with the signed policy bundle naming this Safe.
    const org = treasuryOrg()
    const signed = await bundle({ org })
    const request: SignRequest.SignRequest = {
      requestId: toHex(7, { size: 16 }),
      createdAt: Math.floor(Date.now() / 1000),
      context: ctx,
      tx: action.tx,
      signatures: [],
      attestations: [],
      title: action.title,
      description: action.description,
    }
    const collected: { signer: Address; signature: Hex }[] = []
    for (const [i, owner] of [safeOwners[1]!, safeOwners[2]!].entries()) {
      const signer = await Signer.create({ cedar, log: DecisionLog.memory() })
      await signer.installBundle(signed)
      const scanned = SignRequest.fromUr(await airGap(SignRequest.toUr(request), 10 + i))
      const result = await signer.approve(scanned, {
        key: { kind: 'software', privateKey: privateKeyOf(owner) },
      })
      expect(result.status, JSON.stringify(result.status === 'refused' ? result.refusals : '')).toBe(
        'released',
      )
      if (result.status !== 'released') return
      const response = SignatureResponse.fromUr(await airGap(SignatureResponse.toUr(result.response), 20 + i))
      expect(response.signer).toBe(owner.address)
      collected.push({ signer: response.signer, signature: response.signature })
      await store.addSignature(action.id, { ...response, kind: 'safe-signature' }, { actor: 'ops' })
    }

    // Confirmed back to the service, then pulled back: three owners, each verified here.
    expect(
      (
        await TransactionService.confirm({
          client: client(),
          safeTxHash: action.safeTxHash,
          signatures: collected,
        })
      ).posted,
    ).toEqual(collected.map((c) => c.signer))
    const pulled = await TransactionService.confirmations({ client: client(), safeTxHash: action.safeTxHash })
    expect(pulled.problems).toEqual([])
    expect(pulled.confirmations.map((c) => c.owner).sort()).toEqual(safeOwners.map((o) => o.address).sort())

    // The executor's check: the hash of the exact execTransaction calldata, before sending.
    const blob = Signature.build({
      signatures: collected.map((c) => Signature.parse(c.signature)[0]!),
      safeTxHash: action.safeTxHash,
    })
    const check = keccak256(Execution.calldata(action.tx, blob))
    const before = await anvil.publicClient.getBalance({ address: payee })
    const sent = await execTransaction({
      anvil,
      version: '1.4.1',
      safe,
      tx: action.tx,
      signatures: blob,
      sender: deployer!,
    })
    expect(sent.success).toBe(true)
    const onChain = await anvil.publicClient.getTransaction({ hash: sent.hash })
    expect(keccak256(onChain.input)).toBe(check)
    expect((await anvil.publicClient.getBalance({ address: payee })) - before).toBe(parseEther('1'))
    service.markExecuted(action.safeTxHash)
    expect(
      (await TransactionService.pending({ client: client(), context: ctx, onchainNonce: 1n })).map(
        (p) => p.tx.nonce,
      ),
    ).toEqual([1n, 2n, 3n])
  })

  it('works from the command line: service pending, import and confirm against a coordinator home', async () => {
    const home = mkdtempSync(join(tmpdir(), 'airlock-service-cli-'))
    const orgFile = join(home, 'org.json')
    writeFileSync(orgFile, JSON.stringify(treasuryOrg()))
    const init = await runCli([
      'coordinator',
      'init',
      '--home',
      home,
      '--rpc',
      anvil.rpcUrl,
      '--chain-id',
      String(CHAIN_ID),
      '--org',
      orgFile,
      '--treasury',
      safe,
    ])
    expect(init.code, init.stderr).toBe(0)
    const common = ['--home', home, '--service-url', service.url]
    const pending = await runCli(['service', 'pending', ...common])
    expect(pending.code, pending.stderr).toBe(0)
    expect(pending.stdout).toMatch(/3 pending for .* \(on-chain nonce 1\)/)
    const hash = SafeTxHash.compute({
      tx: txAt(1n, { value: parseEther('0.1') }),
      context: context(),
    }).safeTxHash
    expect(pending.stdout).toContain(`nonce 1  ${hash}`)
    const imported = await runCli(['service', 'import', hash, ...common, '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    const { id, safeTxHash, tier } = JSON.parse(imported.stdout)
    expect([safeTxHash, tier]).toEqual([hash, 'routine'])
    const after = await runCli(['service', 'pending', ...common, '--json'])
    expect(JSON.parse(after.stdout).nonces[0]).toMatchObject({ nonce: '1', flags: [] })
    const confirm = await runCli(['service', 'confirm', id.slice(0, 8), ...common])
    expect(confirm.code, confirm.stderr).toBe(0)
    expect(confirm.stdout).toContain(`Posted 1 confirmation(s) of ${hash}: ${safeOwners[0]!.address}`)
    // Another owner confirms in Safe{Wallet}: pulled into the queue, verified over our own hash.
    await TransactionService.confirm({
      client: client(),
      safeTxHash: hash,
      signatures: [{ signer: safeOwners[1]!.address, signature: await safeOwners[1]!.sign({ hash }) }],
    })
    const pulled = await runCli(['service', 'pull', id.slice(0, 8), ...common, '--json'])
    expect(pulled.code, pulled.stderr).toBe(0)
    expect(JSON.parse(pulled.stdout)).toMatchObject({
      safeTxHash: hash,
      added: [safeOwners[1]!.address],
      duplicate: [safeOwners[0]!.address],
      skipped: [],
      problems: [],
    })
    // A service that lies about a transaction is refused by the command too, with a one-line reason.
    service.lie(hash, { value: '7' })
    const refused = await runCli(['service', 'import', hash, ...common])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/refused: its fields hash to 0x[0-9a-f]{64}, not to the/)
    service.lie(hash, {})
    rmSync(home, { recursive: true, force: true })
  })

  it('reports service errors as typed errors that name what was attempted', async () => {
    service.failNext(503, { exception: 'Problem connecting to Ethereum network', trace: '' })
    await expect(
      TransactionService.pending({ client: client(), context: context(), onchainNonce: 0n }),
    ).rejects.toThrow(ServiceRequestError)
    const unknown = `0x${'ab'.repeat(32)}` as Hex
    await expect(
      TransactionService.get({ client: client(), context: context(), safeTxHash: unknown }),
    ).rejects.toThrow(/Could not read transaction 0xabab.*No MultisigTransaction matches the given query/)
    const wrongSigner = await safeOwners[0]!.sign({ hash: unknown })
    await expect(
      TransactionService.confirm({
        client: client(),
        safeTxHash: unknown,
        signatures: [{ signer: safeOwners[0]!.address, signature: wrongSigner }],
      }),
    ).rejects.toThrow(/was not found/)
    expect(() => TransactionService.client({ chainId: 1n, url: 'ftp://example.org/api' })).toThrow(
      ServiceRequestError,
    )
    expect(zeroAddress).toBe('0x0000000000000000000000000000000000000000')
  })
})
