// Nested Safes end to end on anvil with the official Safe 1.4.1 contracts, through the CLI: a treasury
// Safe owned by an EOA and by another Safe (the owner Safe). The treasury's action collects the EOA's
// signature; `action new approve-hash` queues the owner Safe's approval of it, whose request carries
// the treasury transaction; the owner Safe's signers review both together and approve (`sign approve`
// over UR parts); the approval executes (its printed calldata hash equals keccak256 of the mined
// input); then the treasury action executes with the owner Safe's approved-hash (v=1) signature.
import { rmSync } from 'node:fs'
import { runCli } from '@airlock/cli/testing'
import { type Anvil, createSafe, type SafeDeployment } from '@airlock/devnet'
import { Signature } from '@airlock/safe'
import {
  type Address,
  createPublicClient,
  decodeFunctionData,
  http,
  keccak256,
  parseAbi,
  parseEther,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  anvilOrg,
  approve,
  coordinatorJson,
  initCoordinator,
  initSigner,
  PAYROLL as payroll,
  requestOf,
  startWorldChain,
  worldAccounts,
  writeOrgAndBundle,
} from './support/cliWorld.ts'

const CHAIN_ID = 31337
const {
  deployer,
  owners: [o1, o2, o3],
  admins: [admin1, admin2],
  executor: executorAccount,
} = worldAccounts()
const safeAbi = parseAbi([
  'function approvedHashes(address owner, bytes32 hash) view returns (uint256)',
  'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool success)',
])

let anvil: Anvil
let deployment: SafeDeployment
let ownerSafe: Address
let treasury: Address
let dir: string
let home: string

const cli = (...argv: string[]) => runCli(argv, { cwd: dir })
const coordinator = (...argv: string[]) => coordinatorJson({ dir, home, argv })

beforeAll(async () => {
  ;({ dir, home, anvil, deployment } = await startWorldChain({
    prefix: 'airlock-nested-safe-',
    chainId: CHAIN_ID,
    deployer,
  }))
  ownerSafe = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: [o1.address, o2.address],
    threshold: 2,
    saltNonce: 1n,
  })
  treasury = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: [o3.address, ownerSafe],
    threshold: 2,
    balance: parseEther('10'),
  })
  const admins = [admin1, admin2]
  const org = anvilOrg({
    chainId: CHAIN_ID,
    safes: [
      { name: 'treasury', address: treasury, owners: [o3.address, ownerSafe], threshold: 2 },
      { name: 'owner-safe', address: ownerSafe, owners: [o1.address, o2.address], threshold: 2 },
    ],
    deployment,
    payroll,
    admins,
  })
  await writeOrgAndBundle({ dir, org, admins })
  await initSigner({ dir, state: 's1', owner: o1 })
  await initSigner({ dir, state: 's2', owner: o2 })
  await initSigner({ dir, state: 's3', owner: o3 })
  await initCoordinator({
    dir,
    home,
    anvil,
    chainId: CHAIN_ID,
    treasury,
    deployment,
    executor: executorAccount,
  })
}, 180_000)

afterAll(async () => {
  await anvil?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const request = (id: string) => requestOf({ dir, home, id })
/** One signer approves the request file; its answer goes to the coordinator with `sig add`. */
const approveAndAdd = async (requestPath: string, state: string) =>
  coordinator('sig', 'add', await approve({ dir, requestPath, state }))

describe('nested Safes end to end (CLI, anvil, Safe 1.4.1)', () => {
  it('an owner Safe approves a treasury action with approveHash, then it executes with the v=1 signature', async () => {
    const client = createPublicClient({ transport: http(anvil.rpcUrl) })
    await coordinator('safe', 'add', treasury)
    await coordinator('safe', 'add', ownerSafe)

    // The treasury action: the EOA owner signs it; the owner Safe's signature is still missing.
    const inner = (await coordinator('action', 'new', 'transfer', '--to', payroll, '--amount', '1')).json
    expect(inner.tier).toBe('routine')
    await approveAndAdd((await request(inner.id)).path, 's3')

    // The owner Safe's approval: queued at the inner action's tier, its request carries the inner tx.
    const approval = (
      await coordinator('action', 'new', 'approve-hash', '--owner-safe', 'owner-safe', '--for', inner.id)
    ).json
    expect(approval.tier).toBe('routine')
    const { path, request: carried } = await request(approval.id)
    expect(carried.approves?.context.safe).toBe(treasury)
    expect(carried.approves?.tx.to).toBe(payroll)
    const review = await cli('sign', 'review', path, '--state', 's1')
    expect(review.code, review.stderr).toBe(0)
    expect(review.stdout).toContain(`Approves       a transaction of Safe ${treasury}`)
    expect(review.stdout).toContain(`  safeTxHash   ${inner.safeTxHash}`)
    expect(review.stdout).toMatch(/Tier\s+ROUTINE/)
    await approveAndAdd(path, 's1')
    await approveAndAdd(path, 's2')

    // The executor's check, then the execution: the printed hash is the mined input's keccak256.
    const dry = (await coordinator('action', 'exec', approval.id, '--dry-run')).json
    expect(dry.sent).toBe(false)
    expect(dry.calldataHash).toBe(keccak256(dry.calldata))
    expect(dry.to).toBe(ownerSafe)
    // The queue links them through the approved hash, both ways.
    const shownApproval = (await coordinator('action', 'show', approval.id)).json
    expect(shownApproval.approves).toEqual({ id: inner.id, safe: treasury, safeTxHash: inner.safeTxHash })
    const shownInner = (await coordinator('action', 'show', inner.id)).json
    expect(shownInner.approvedBy).toEqual([{ id: approval.id, ownerSafe, state: 'ready' }])
    const executed = (await coordinator('action', 'exec', approval.id)).json
    expect(executed.status).toBe('executed')
    expect(executed.calldataHash).toBe(dry.calldataHash)
    const mined = await client.getTransaction({ hash: executed.txHash })
    expect(keccak256(mined.input)).toBe(executed.calldataHash)
    const approved = await client.readContract({
      address: treasury,
      abi: safeAbi,
      functionName: 'approvedHashes',
      args: [ownerSafe, inner.safeTxHash],
    })
    expect(approved).toBe(1n)

    // The treasury action now counts the owner Safe's on-chain approval as its v=1 signature.
    const before = await client.getBalance({ address: payroll })
    const last = await coordinator('action', 'exec', inner.id)
    expect(last.stderr).toContain(`${ownerSafe} approved this hash on chain`)
    // Printed before sending, to compare on a second machine.
    expect(last.stderr).toContain(`calldata hash  ${last.json.calldataHash}`)
    expect(last.json.status).toBe('executed')
    expect(await client.getBalance({ address: payroll })).toBe(before + parseEther('1'))
    const innerTx = await client.getTransaction({ hash: last.json.txHash })
    expect(keccak256(innerTx.input)).toBe(last.json.calldataHash)
    const { args } = decodeFunctionData({ abi: safeAbi, data: innerTx.input })
    const entries = Signature.parse(args[9] as `0x${string}`)
    expect(entries).toContainEqual(Signature.approvedHash(ownerSafe))
    expect(entries.map((e) => Signature.signerOf({ signature: e, safeTxHash: inner.safeTxHash }))).toEqual(
      expect.arrayContaining([o3.address, ownerSafe]),
    )
  }, 240_000)
})
