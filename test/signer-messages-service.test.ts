// Safe messages end to end (api-kit ↔ Transaction Service stand-in ↔ anvil with the official Safe
// 1.4.1 contracts): Permit2 messages a dapp proposed are imported with their hashes recomputed, taken
// across the air gap as QR frames to two software-key signers, one refused over the velocity
// allowance and one signed, posted back, and the Safe's CompatibilityFallbackHandler accepts the
// owners' signatures (EIP-1271 magic value).
import { TransactionService } from '@airlock/coordinator-core'
import type { Anvil } from '@airlock/devnet'
import { MessageEffects, SafeTx } from '@airlock/safe'
import { DecisionLog, MessageSigner, Signer } from '@airlock/signer-core'
import { MessageRequest, MessageSignature, type TypedUr } from '@airlock/transport'
import { loadZxingReaderWasm, QrReader } from '@airlock/transport/images'
import { type Address, type Hex, parseAbi, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { airGap as scan } from './support/airGap.ts'
import { messageOrg, startMessageChain, UNIT, weekPermit } from './support/messageFixtures.ts'
import { bundle, cedar, owners, privateKeyOf } from './support/signer-fixtures.ts'
import type { StandIn } from './support/txServiceStandIn.ts'

const CHAIN_ID = 31337
const safeOwners = owners.slice(0, 3)

let anvil: Anvil
let safe: Address
let service: StandIn
let reader: QrReader.QrReader
const airGap = (ur: TypedUr, seed: number) => scan(reader, ur, seed)
const context = () => SafeTx.context({ chainId: CHAIN_ID, safe, version: '1.4.1' })
const org = () => messageOrg({ safe, owners: safeOwners.map((o) => o.address), chainId: CHAIN_ID })

beforeAll(async () => {
  ;({ anvil, safe, service } = await startMessageChain({
    chainId: CHAIN_ID,
    owners: safeOwners.map((o) => o.address),
  }))
  reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
}, 120_000)

afterAll(async () => {
  await service?.close()
  await anvil?.stop()
})

const permitSingle = (amount: bigint) => weekPermit({ amount, chainId: CHAIN_ID })

describe('Safe messages: service import, air-gapped signing, EIP-1271 on chain', () => {
  it('refuses a Permit2 over the velocity allowance; signs one within it, and the Safe validates it', async () => {
    const ctx = context()
    const client = TransactionService.client({ chainId: BigInt(CHAIN_ID), url: service.url })
    // The dapp proposes through Safe{Wallet}: owner 3 signs on the online side.
    const proposer = safeOwners[2]!
    for (const amount of [6_000_000n * UNIT, 250_000n * UNIT]) {
      const message = permitSingle(amount)
      const { messageHash } = MessageEffects.decode({ message, context: ctx }).hashes
      await client.api.addMessage(safe, {
        message: message as never,
        signature: await proposer.sign({ hash: messageHash }),
      })
    }

    const listed = await TransactionService.messages({ client, context: ctx })
    expect(listed.flatMap((m) => m.problems)).toEqual([])
    expect(listed.map((m) => m.confirmations.map((c) => c.owner))).toEqual([
      [proposer.address],
      [proposer.address],
    ])
    const amountOf = (m: TransactionService.CheckedMessage) =>
      m.decoded?.flows.reduce((sum, f) => sum + f.amount, 0n)
    const big = listed.find((m) => amountOf(m) === 6_000_000n * UNIT)!
    const small = listed.find((m) => amountOf(m) === 250_000n * UNIT)!

    const signed = await bundle({ org: org() })
    const signers = await Promise.all(
      [safeOwners[0]!, safeOwners[1]!].map(async (owner) => {
        const signer = await Signer.create({ cedar, log: DecisionLog.memory() })
        await signer.installBundle(signed)
        return { signer, owner, key: { kind: 'software' as const, privateKey: privateKeyOf(owner) } }
      }),
    )
    const requestFor = (
      checked: TransactionService.CheckedMessage,
      id: number,
    ): MessageRequest.MessageRequest => ({
      requestId: toHex(id, { size: 16 }),
      createdAt: Math.floor(Date.now() / 1000),
      context: ctx,
      message: checked.message,
      title: 'Permit2 for the market maker',
      description: 'Imported from the Transaction Service.',
    })

    // Over the 5M epoch allowance: refused, logged as the last entry.
    const scannedBig = MessageRequest.fromUr(await airGap(MessageRequest.toUr(requestFor(big, 1)), 1))
    const refused = await MessageSigner.approve({
      signer: signers[0]!.signer,
      request: scannedBig,
      key: signers[0]!.key,
    })
    expect(refused.status).toBe('refused')
    if (refused.status !== 'refused') return
    expect(refused.refusals.map((r) => r.code)).toContain('treasury.velocity')
    expect(signers[0]!.signer.log.entries.at(-1)).toBe(refused.entry)

    // Within the allowance, to a listed spender: both signers sign, posted back to the service.
    for (const [i, { signer, owner, key }] of signers.entries()) {
      const scanned = MessageRequest.fromUr(
        await airGap(MessageRequest.toUr(requestFor(small, 10 + i)), 10 + i),
      )
      const result = await MessageSigner.approve({ signer, request: scanned, key })
      expect(result.status, JSON.stringify(result.status === 'refused' ? result.refusals : '')).toBe(
        'released',
      )
      if (result.status !== 'released') return
      expect(result.response.messageHash).toBe(small.messageHash)
      const response = MessageSignature.fromUr(await airGap(MessageSignature.toUr(result.response), 20 + i))
      expect(response.signer).toBe(owner.address)
      const posted = await TransactionService.postMessageSignature({
        client,
        context: ctx,
        message: small.message,
        signer: response.signer,
        signature: response.signature,
      })
      expect(posted).toEqual({ messageHash: small.messageHash, posted: 'signature' })
    }

    const pulled = await TransactionService.message({ client, context: ctx, messageHash: small.messageHash })
    expect(pulled.problems).toEqual([])
    expect(pulled.confirmations.map((c) => c.owner).sort()).toEqual(safeOwners.map((o) => o.address).sort())

    // What Permit2 asks the Safe: isValidSignature(digest of the PermitSingle, owners' signatures).
    const abi = parseAbi(['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)'])
    const prepared = TransactionService.preparedMessageSignature(pulled)
    const magic = await anvil.publicClient.readContract({
      address: safe,
      abi,
      functionName: 'isValidSignature',
      args: [small.decoded!.hashes.digest, prepared],
    })
    expect(magic).toBe('0x1626ba7e')
    // The same signatures do not validate the refused message.
    await expect(
      anvil.publicClient.readContract({
        address: safe,
        abi,
        functionName: 'isValidSignature',
        args: [big.decoded!.hashes.digest, prepared as Hex],
      }),
    ).rejects.toThrow()
  }, 120_000)

  it('posts a new text message with the first signature, then the second; a swapped message is refused', async () => {
    const ctx = context()
    const client = TransactionService.client({ chainId: BigInt(CHAIN_ID), url: service.url })
    const signed = await bundle({ org: org() })
    const text = 'Acme treasury: I agree to the terms of service v2'
    const posted: string[] = []
    for (const [i, owner] of [safeOwners[0]!, safeOwners[1]!].entries()) {
      const signer = await Signer.create({ cedar, log: DecisionLog.memory() })
      await signer.installBundle(signed)
      const request: MessageRequest.MessageRequest = {
        requestId: toHex(30 + i, { size: 16 }),
        createdAt: Math.floor(Date.now() / 1000),
        context: ctx,
        message: text,
        title: 'Terms',
        description: '',
      }
      const result = await MessageSigner.approve({
        signer,
        request: MessageRequest.decode(MessageRequest.encode(request)),
        key: { kind: 'software', privateKey: privateKeyOf(owner) },
      })
      if (result.status !== 'released') expect.fail(result.status)
      const out = await TransactionService.postMessageSignature({
        client,
        context: ctx,
        message: text,
        signer: owner.address,
        signature: result.response.signature,
      })
      posted.push(out.posted)
    }
    expect(posted).toEqual(['message', 'signature'])
    const [listed] = (await TransactionService.messages({ client, context: ctx })).filter(
      (m) => m.message === text,
    )
    expect(listed!.confirmations).toHaveLength(2)
    // A service that swaps the message under the same hash is caught: the hash is recomputed here.
    const raw = await client.api.getMessage(listed!.messageHash)
    const swapped = TransactionService.checkMessage({ ...raw, message: `${text}!` }, ctx)
    expect(swapped.problems.map((p) => p.code)).toContain('hash-mismatch')
  }, 60_000)
})
