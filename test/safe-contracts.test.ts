import {
  type Anvil,
  anvilAccounts,
  createSafe,
  type DeployableVersion,
  deploySafeContracts,
  execTransaction,
  readSafe,
  type SafeDeployment,
  safeAbi,
  simulateExec,
  startAnvil,
} from '@airlock/devnet'
import { NestedSafe, type SafeContext, SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import fc from 'fast-check'
import { type Address, bytesToHex, getAddress, type HDAccount, type Hex, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// One anvil for the whole file; each Safe version gets its own contracts and a 3-of-5 Safe on it.
let anvil: Anvil
const [deployer, o1, o2, o3, o4, o5, outsider] = anvilAccounts(7) as [
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
]
const owners = [o1, o2, o3, o4, o5]
const recipient = getAddress('0x00000000000000000000000000000000000a1e57')

beforeAll(async () => {
  anvil = await startAnvil()
})
afterAll(async () => {
  await anvil?.stop()
})

type Kind = 'ecdsa' | 'eth_sign'
async function sign(account: HDAccount, kind: Kind, hash: Hex): Promise<Signature.Signature> {
  return kind === 'ecdsa'
    ? Signature.fromEcdsa(await account.sign({ hash }))
    : Signature.fromEthSign(await account.signMessage({ message: { raw: hash } }))
}

describe.each<DeployableVersion>(['1.3.0', '1.4.1'])('Safe %s contracts on anvil', (version) => {
  let deployment: SafeDeployment
  let safe: Address
  let context: SafeContext

  beforeAll(async () => {
    deployment = await deploySafeContracts({ anvil, deployer, version })
    safe = await createSafe({
      anvil,
      deployment,
      deployer,
      owners: owners.map((o) => o.address),
      threshold: 3,
      balance: parseEther('10'),
    })
    context = SafeTx.context({ chainId: anvil.chain.id, safe, version })
  })

  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    readSafe<T>({ anvil, version, safe, functionName, args })
  const nonce = () => read<bigint>('nonce')

  /** Our prediction from on-chain owners, threshold and approvals, next to what the Safe does. */
  async function predictAndSimulate({
    tx,
    signatures,
    sender,
  }: {
    tx: SafeTx.SafeTx
    signatures: Hex
    sender: HDAccount
  }) {
    // execTransaction hashes with the Safe's current nonce, whatever nonce the signers used.
    const { safeTxHash } = SafeTxHash.compute({ tx: { ...tx, nonce: await nonce() }, context })
    const onChainOwners = await read<Address[]>('getOwners')
    const approvals = await Promise.all(
      onChainOwners.map(async (owner) =>
        (await read<bigint>('approvedHashes', [owner, safeTxHash])) !== 0n ? owner : undefined,
      ),
    )
    const prediction = Signature.verify({
      safeTxHash,
      signatures,
      owners: onChainOwners,
      threshold: await read<bigint>('getThreshold'),
      approvedHashes: approvals.filter((owner): owner is Address => owner !== undefined),
      executor: sender.address,
    })
    const onChain = await simulateExec({ anvil, version, safe, tx, signatures, sender })
    expect(onChain.ok).toBe(prediction.valid)
    expect(onChain.ok ? undefined : onChain.reason).toBe(prediction.revert?.code)
    return { prediction, onChain }
  }

  async function approveOnChain(owner: HDAccount, safeTxHash: Hex) {
    const hash = await anvil.walletFor(owner).writeContract({
      address: safe,
      abi: safeAbi(version),
      functionName: 'approveHash',
      args: [safeTxHash],
    })
    await anvil.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
  }

  it('reports the same domain separator and transaction hashes as ours', async () => {
    expect(await read<string>('VERSION')).toBe(version)
    expect(await read<Hex>('domainSeparator')).toBe(SafeTxHash.domain(context))

    const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)))
    const uint = fc.oneof(
      fc.bigInt({ min: 0n, max: 1n << 64n }),
      fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    )
    const random = fc.record({
      to: address,
      value: uint,
      data: fc.uint8Array({ maxLength: 600 }).map(bytesToHex),
      operation: fc.constantFrom(0 as const, 1 as const),
      safeTxGas: uint,
      baseGas: uint,
      gasPrice: uint,
      gasToken: address,
      refundReceiver: address,
      nonce: uint,
    })
    const txs = [
      SafeTx.from({ to: recipient, value: 1n, nonce: 0 }),
      SafeTx.from({ to: safe, data: '0x0d582f13', operation: 1, safeTxGas: 50_000, nonce: 7 }),
      ...fc.sample(random, { numRuns: 6, seed: 1337 }),
    ]
    for (const tx of txs) {
      const onChain = await read<Hex>('getTransactionHash', [
        tx.to,
        tx.value,
        tx.data,
        tx.operation,
        tx.safeTxGas,
        tx.baseGas,
        tx.gasPrice,
        tx.gasToken,
        tx.refundReceiver,
        tx.nonce,
      ])
      expect(onChain).toBe(SafeTxHash.compute({ tx, context }).safeTxHash)
    }
  })

  it('executes with ECDSA, eth_sign and an on-chain approved hash, as predicted', async () => {
    const tx = SafeTx.from({ to: recipient, value: 1000n, nonce: await nonce() })
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    await approveOnChain(o3, safeTxHash)
    const signatures = Signature.build({
      signatures: [
        await sign(o1, 'ecdsa', safeTxHash),
        await sign(o2, 'eth_sign', safeTxHash),
        Signature.approvedHash(o3.address),
      ],
      safeTxHash,
    })
    const { prediction } = await predictAndSimulate({ tx, signatures, sender: outsider })
    expect(prediction.outcomes.map((o) => o.signature?.type).sort()).toEqual([
      'approved-hash',
      'ecdsa',
      'eth_sign',
    ])
    expect(prediction.valid).toBe(true)

    const before = await anvil.publicClient.getBalance({ address: recipient })
    const { success } = await execTransaction({ anvil, version, safe, tx, signatures, sender: outsider })
    expect(success).toBe(true)
    expect(await anvil.publicClient.getBalance({ address: recipient })).toBe(before + 1000n)
    expect(await nonce()).toBe(tx.nonce + 1n)
  })

  it('accepts the executor’s own approved-hash entry without an on-chain approval', async () => {
    const tx = SafeTx.from({ to: recipient, value: 7n, nonce: await nonce() })
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    const signatures = Signature.build({
      signatures: [
        await sign(o5, 'ecdsa', safeTxHash),
        await sign(o1, 'eth_sign', safeTxHash),
        Signature.approvedHash(o4.address),
      ],
      safeTxHash,
    })
    // Sent by anyone else, o4's entry is an unapproved hash.
    const other = await predictAndSimulate({ tx, signatures, sender: o2 })
    expect(other.onChain).toEqual({ ok: false, reason: 'GS025' })

    const own = await predictAndSimulate({ tx, signatures, sender: o4 })
    expect(own.prediction.valid).toBe(true)
    expect((await execTransaction({ anvil, version, safe, tx, signatures, sender: o4 })).success).toBe(true)
  })

  it('reverts on a tampered field, out-of-order signatures or a non-owner, as predicted', async () => {
    const tx = SafeTx.from({ to: recipient, value: 5n, data: '0x', nonce: await nonce() })
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    await approveOnChain(o2, safeTxHash)
    const parts = [
      await sign(o3, 'ecdsa', safeTxHash),
      await sign(o4, 'eth_sign', safeTxHash),
      Signature.approvedHash(o2.address),
    ]
    const signatures = Signature.build({ signatures: parts, safeTxHash })

    const other = getAddress('0x00000000000000000000000000000000000b0b00')
    const tampered: Array<[string, SafeTx.SafeTx]> = [
      ['to', { ...tx, to: other }],
      ['value', { ...tx, value: 6n }],
      ['data', { ...tx, data: '0x00' }],
      ['operation', { ...tx, operation: 1 }],
      ['safeTxGas', { ...tx, safeTxGas: 1n }],
      ['baseGas', { ...tx, baseGas: 1n }],
      ['gasPrice', { ...tx, gasPrice: 1n }],
      ['gasToken', { ...tx, gasToken: other }],
      ['refundReceiver', { ...tx, refundReceiver: other }],
    ]
    for (const [field, changed] of tampered) {
      const { onChain, prediction } = await predictAndSimulate({ tx: changed, signatures, sender: outsider })
      expect(onChain.ok, field).toBe(false)
      expect(['GS025', 'GS026'], field).toContain(prediction.revert?.code)
    }
    // Signed for the next nonce, executed at the current one.
    const { safeTxHash: nextHash } = SafeTxHash.compute({ tx: { ...tx, nonce: tx.nonce + 1n }, context })
    const forNext = Signature.build({
      signatures: [
        await sign(o3, 'ecdsa', nextHash),
        await sign(o4, 'eth_sign', nextHash),
        await sign(o5, 'ecdsa', nextHash),
      ],
      safeTxHash: nextHash,
    })
    expect((await predictAndSimulate({ tx, signatures: forNext, sender: outsider })).onChain.ok).toBe(false)

    const reversed = Signature.encode(Signature.sort({ signatures: parts, safeTxHash }).reverse())
    const outOfOrder = await predictAndSimulate({ tx, signatures: reversed, sender: outsider })
    expect(outOfOrder.onChain).toEqual({ ok: false, reason: 'GS026' })
    expect(outOfOrder.prediction.outcomes.map((o) => o.reason)).toContain('out-of-order')

    const withStranger = Signature.build({
      signatures: [
        parts[0] as Signature.Signature,
        parts[1] as Signature.Signature,
        await sign(outsider, 'ecdsa', safeTxHash),
      ],
      safeTxHash,
    })
    const stranger = await predictAndSimulate({ tx, signatures: withStranger, sender: outsider })
    expect(stranger.onChain).toEqual({ ok: false, reason: 'GS026' })
    expect(stranger.prediction.outcomes.map((o) => o.reason)).toContain('not-an-owner')

    const tooShort = Signature.build({ signatures: parts.slice(0, 2), safeTxHash })
    expect((await predictAndSimulate({ tx, signatures: tooShort, sender: outsider })).onChain).toEqual({
      ok: false,
      reason: 'GS020',
    })

    // The untampered transaction still goes through.
    expect((await predictAndSimulate({ tx, signatures, sender: outsider })).onChain.ok).toBe(true)
  })

  it('lets a parent Safe sign for a child Safe through approveHash', async () => {
    const parent = await createSafe({
      anvil,
      deployment,
      deployer,
      owners: [o1.address],
      threshold: 1,
      saltNonce: 1n,
    })
    const child = await createSafe({
      anvil,
      deployment,
      deployer,
      owners: [parent, o2.address],
      threshold: 2,
      saltNonce: 2n,
      balance: parseEther('1'),
    })
    const childContext = SafeTx.context({ chainId: anvil.chain.id, safe: child, version })
    const parentContext = SafeTx.context({ chainId: anvil.chain.id, safe: parent, version })
    const childTx = SafeTx.from({ to: recipient, value: 3n, nonce: 0 })
    const childHash = SafeTxHash.compute({ tx: childTx, context: childContext }).safeTxHash

    const approval = NestedSafe.approval({ safeTxHash: childHash, child, parent: parentContext, nonce: 0n })
    expect(
      await readSafe<Hex>({
        anvil,
        version,
        safe: parent,
        functionName: 'getTransactionHash',
        args: [
          approval.tx.to,
          approval.tx.value,
          approval.tx.data,
          approval.tx.operation,
          approval.tx.safeTxGas,
          approval.tx.baseGas,
          approval.tx.gasPrice,
          approval.tx.gasToken,
          approval.tx.refundReceiver,
          approval.tx.nonce,
        ],
      }),
    ).toBe(approval.hashes.safeTxHash)
    const parentSignatures = Signature.build({
      signatures: [await sign(o1, 'ecdsa', approval.hashes.safeTxHash)],
      safeTxHash: approval.hashes.safeTxHash,
    })
    const parentExec = await execTransaction({
      anvil,
      version,
      safe: parent,
      tx: approval.tx,
      signatures: parentSignatures,
      sender: outsider,
    })
    expect(parentExec.success).toBe(true)
    expect(
      await readSafe<bigint>({
        anvil,
        version,
        safe: child,
        functionName: 'approvedHashes',
        args: [parent, childHash],
      }),
    ).toBe(1n)

    const childSignatures = Signature.build({
      signatures: [approval.signature, await sign(o2, 'eth_sign', childHash)],
      safeTxHash: childHash,
    })
    const prediction = Signature.verify({
      safeTxHash: childHash,
      signatures: childSignatures,
      owners: [parent, o2.address],
      threshold: 2n,
      approvedHashes: [parent],
    })
    expect(prediction.valid).toBe(true)
    const childExec = await execTransaction({
      anvil,
      version,
      safe: child,
      tx: childTx,
      signatures: childSignatures,
      sender: outsider,
    })
    expect(childExec.success).toBe(true)
  })
})
