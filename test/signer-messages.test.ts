// Safe messages (EIP-1271) on the offline signer: a message that authorises an allowance or a
// transfer is reviewed like a transaction. Each attack is refused with its stable code, and the
// refusal is the last entry of the signer's log.
import { LedgerDevice } from '@airlock/devices/ledger'
import { EthAppSimulator } from '@airlock/devices/testing'
import { SafeMessage } from '@airlock/safe'
import { DecisionLog, MessageSigner } from '@airlock/signer-core'
import { MessageRequest } from '@airlock/transport'
import { type Address, recoverAddress, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { permitSingle as permit2, permitWitnessTransfer } from './support/messageFixtures.ts'
import * as F from './support/signer-fixtures.ts'

const ATTACKER = '0x00000000000000000000000000000000DeaDBeef' as Address
const MAX_UINT160 = 2n ** 160n - 1n
// A week after the signer's clock (F.T0): within the default 30-day limit.
const WEEK = F.T0 + 7 * 86400

const permitSingle = (amount: bigint, spender: Address = F.MARKET_MAKER, deadline = WEEK) =>
  permit2({ amount, token: F.USDC, spender, chainId: 1, deadline })

const erc2612Permit = (spender: Address, value: bigint, deadline: number | bigint = WEEK) => ({
  types: {
    Permit: [
      { name: 'owner', type: 'address' },
      { name: 'spender', type: 'address' },
      { name: 'value', type: 'uint256' },
      { name: 'nonce', type: 'uint256' },
      { name: 'deadline', type: 'uint256' },
    ],
  },
  primaryType: 'Permit',
  domain: { name: 'USD Coin', version: '2', chainId: '1', verifyingContract: F.USDC },
  message: { owner: F.TREASURY, spender, value: value.toString(), nonce: '0', deadline: String(deadline) },
})

let counter = 0
// Through the wire format, as the signer receives it from a QR code.
function request(message: MessageRequest.MessageRequest['message']): MessageRequest.MessageRequest {
  counter += 1
  const built = {
    requestId: toHex(counter, { size: 16 }),
    createdAt: F.T0,
    context: F.context(),
    message,
    title: 'Harmless sign-in',
    description: 'Prepared by the coordinator.',
  }
  return MessageRequest.decode(MessageRequest.encode(built))
}

async function expectRefused(p: F.Peer, req: MessageRequest.MessageRequest, code: string) {
  const result = await MessageSigner.approve({ signer: p.signer, request: req, key: p.key })
  expect(result.status).toBe('refused')
  if (result.status !== 'refused') throw new Error('not refused')
  expect(
    result.refusals.map((r) => r.code),
    result.refusals.map((r) => r.message).join(' / '),
  ).toContain(code)
  const last = p.signer.log.entries.at(-1)!
  expect(last).toBe(result.entry)
  expect(last.event).toBe('refused')
  expect(last.reasons?.some((r) => r.startsWith(code))).toBe(true)
  return result
}

describe('red team: Safe messages', () => {
  it('an unlimited Permit2 PermitSingle (2^160-1) is refused', async () => {
    const p = await F.peer()
    const result = await expectRefused(p, request(permitSingle(MAX_UINT160)), 'unlimited-allowance')
    expect(result.review?.decoded?.effect.kind).toBe('allowance')
  })

  it('an ERC-2612 Permit to an unlisted spender is refused', async () => {
    const p = await F.peer()
    await expectRefused(
      p,
      request(erc2612Permit(ATTACKER, 1_000n * F.USDC_UNIT)),
      'treasury.unknown-recipient',
    )
  })

  it('unknown typed data is refused by default', async () => {
    const p = await F.peer()
    const order = {
      types: {
        Order: [
          { name: 'offerer', type: 'address' },
          { name: 'amount', type: 'uint256' },
        ],
      },
      primaryType: 'Order',
      domain: { name: 'Exchange', chainId: 1, verifyingContract: ATTACKER },
      message: { offerer: F.TREASURY, amount: '1' },
    }
    const result = await expectRefused(p, request(order), 'airlock.core.unknown-effect')
    expect(MessageSigner.text(result.review!)).toContain('Unknown typed data')
  })

  it('a Permit2 look-alike with one more field is unknown, not a permit', async () => {
    const p = await F.peer()
    const lookalike = permitSingle(1n)
    lookalike.types.PermitDetails!.push({ name: 'extra', type: 'uint256' })
    Object.assign(lookalike.message.details, { extra: '1' })
    await expectRefused(p, request(lookalike), 'airlock.core.unknown-effect')
  })

  it('typed data for another chain is refused as invalid', async () => {
    const p = await F.peer()
    const other = permitSingle(1n)
    other.domain.chainId = '10'
    await expectRefused(p, request(other), 'message-invalid')
  })

  it('an expired ERC-2612 Permit (deadline passed by the signer’s clock) is refused', async () => {
    const p = await F.peer()
    const result = await expectRefused(
      p,
      request(erc2612Permit(F.MARKET_MAKER, 1_000n * F.USDC_UNIT, F.T0 - 1)),
      'message-expired',
    )
    expect(result.refusals.find((r) => r.code === 'message-expired')?.message).toContain('deadline')
    // One second later than the clock is still valid.
    const fresh = await F.peer()
    const ok = await MessageSigner.approve({
      signer: fresh.signer,
      request: request(erc2612Permit(F.MARKET_MAKER, 1_000n * F.USDC_UNIT, F.T0 + 1)),
      key: fresh.key,
    })
    expect(ok.status).toBe('released')
  })

  it('an endless permit (deadline type(uint256).max, or a Permit2 allowance for a year) is a critical finding, refused', async () => {
    const p = await F.peer()
    const max = await expectRefused(
      p,
      request(erc2612Permit(F.MARKET_MAKER, 1_000n * F.USDC_UNIT, 2n ** 256n - 1n)),
      'treasury.critical-finding',
    )
    expect(max.review?.findings.map((f) => f.code)).toEqual(['message-deadline-too-long'])
    expect(MessageSigner.text(max.review!)).toContain(
      '[CRITICAL] message-deadline-too-long: deadline is never (type(uint256).max)',
    )
    const r = await F.peer()
    await expectRefused(
      r,
      request(permitSingle(1_000n * F.USDC_UNIT, F.MARKET_MAKER, F.T0 + 365 * 86400)),
      'treasury.critical-finding',
    )
  })

  it('a Permit2 witness transfer to a stranger is an outflow to an unlisted spender, refused; its witness is shown', async () => {
    const p = await F.peer()
    const message = permitWitnessTransfer({
      transfers: [
        { token: F.USDC, amount: 50_000n * F.USDC_UNIT },
        { token: F.USDC, amount: 1n },
      ],
      spender: ATTACKER,
      chainId: 1,
      deadline: WEEK,
      recipient: ATTACKER,
    })
    const result = await expectRefused(p, request(message), 'treasury.unknown-recipient')
    expect(result.review?.decoded?.effect.kind).toBe('outflow')
    expect(result.review?.outflows).toMatchObject([
      { amount: 50_000n * F.USDC_UNIT, to: ATTACKER.toLowerCase() },
      { amount: 1n, to: ATTACKER.toLowerCase() },
    ])
    const shown = MessageSigner.text(result.review!)
    expect(shown).toContain(
      `Permit2 transfer: 50000000000 (50000 USDC) of ${F.USDC} (USDC), pulled by spender ${ATTACKER} (not listed)`,
    )
    expect(shown).toContain('Witness witness of type LimitOrder (unknown')
    expect(shown).toContain(`"recipient":"${ATTACKER}"`)
  })

  it('a witness transfer to a listed spender is still refused: what its witness makes the spender do is unknown', async () => {
    const p = await F.peer()
    const message = permitWitnessTransfer({
      transfers: [{ token: F.USDC, amount: 1_000n * F.USDC_UNIT }],
      spender: F.MARKET_MAKER,
      chainId: 1,
      deadline: WEEK,
      recipient: ATTACKER,
    })
    const result = await expectRefused(p, request(message), 'airlock.core.unknown-effect')
    expect(result.refusals.map((r) => r.code)).not.toContain('treasury.unknown-recipient')
    // Counted like any outflow: the refused attempt is in the log's history.
    expect(DecisionLog.state(p.signer.log.entries).history.at(-1)).toMatchObject({
      signed: false,
      outflows: [{ amount: 1_000n * F.USDC_UNIT }],
    })
  })

  it('an allowed Permit2 counts toward velocity: the next one over the allowance is refused', async () => {
    const p = await F.peer()
    const first = await MessageSigner.approve({
      signer: p.signer,
      request: request(permitSingle(400_000n * F.USDC_UNIT)),
      key: p.key,
    })
    if (first.status !== 'released')
      expect.fail(first.status === 'refused' ? first.refusals.map((r) => r.code).join() : first.status)
    // The reference: viem over the same typed data with numbers as bigints (as the contracts read them).
    const reference = permitSingle(0n)
    const hashes = SafeMessage.hash({
      message: {
        ...reference,
        domain: { ...reference.domain, chainId: 1n },
        message: {
          details: { token: F.USDC, amount: 400_000n * F.USDC_UNIT, expiration: BigInt(WEEK), nonce: 0n },
          spender: F.MARKET_MAKER,
          sigDeadline: BigInt(WEEK),
        },
      } as never,
      context: F.context(),
    })
    expect(first.response.messageHash).toBe(hashes.messageHash)
    expect(await recoverAddress({ hash: hashes.messageHash, signature: first.response.signature })).toBe(
      p.owner.address,
    )
    expect(p.signer.log.entries.at(-1)?.event).toBe('signed')
    expect(DecisionLog.state(p.signer.log.entries).history).toMatchObject([
      { signed: true, outflows: [{ amount: 400_000n * F.USDC_UNIT }] },
    ])
    // The same message again is a replay.
    await expectRefused(p, request(permitSingle(400_000n * F.USDC_UNIT)), 'already-signed')
    // 4.7M more within the day: the 5M epoch cap is exceeded only because the first one counts.
    const alone = await F.peer()
    const big = permitSingle(4_700_000n * F.USDC_UNIT)
    const fresh = MessageSigner.reviewMessage({
      signer: alone.signer,
      request: request(big),
      identity: { address: alone.owner.address, keyKind: 'software' },
    })
    expect(fresh.refusals.map((r) => r.code)).not.toContain('treasury.velocity')
    await expectRefused(p, request(big), 'treasury.velocity')
  })

  it('a text message is shown escaped and signed', async () => {
    const p = await F.peer()
    const result = await MessageSigner.approve({
      signer: p.signer,
      request: request('Sign in to Acme\nnonce 42'),
      key: p.key,
    })
    expect(result.status).toBe('released')
    expect(MessageSigner.text(result.review!)).toContain('Text message (EIP-191), in full:')
    expect(MessageSigner.text(result.review!)).toMatch(/Domain hash {3}0x[0-9A-F]{64}/)
  })

  it('a key that is not an owner is refused', async () => {
    const p = await F.peer()
    await expectRefused(
      { ...p, key: { kind: 'software', privateKey: F.privateKeyOf(F.outsider) } },
      request('hello'),
      'not-an-owner',
    )
  })

  it('a Ledger signs the SafeMessage typed data; the review shows its domain and message hashes', async () => {
    const p = await F.peer()
    const device = new LedgerDevice({ transport: new EthAppSimulator({ mnemonic: F.OWNER_MNEMONIC }) })
    const result = await MessageSigner.approve({
      signer: p.signer,
      request: request(permitSingle(1_000n * F.USDC_UNIT)),
      key: { kind: 'ledger', device, path: "m/44'/60'/0'/0/0" },
    })
    if (result.status !== 'released') expect.fail(result.status)
    expect(result.response.signer).toBe(F.owners[0]!.address)
    expect(
      await recoverAddress({ hash: result.response.messageHash, signature: result.response.signature }),
    ).toBe(F.owners[0]!.address)
    const shown = MessageSigner.text(result.review)
    expect(shown).toContain(`Domain hash   ${result.review.ledger!.domainHash}`)
    // Amounts in the asset's units, assets and spenders with the org config's labels, the deadlines.
    expect(shown).toContain(
      `Permit2 allowance: 1000000000 (1000 USDC) of ${F.USDC} (USDC) to spender ${F.MARKET_MAKER} (Market maker)`,
    )
    expect(shown).toContain('Signature valid until 2026-01-08T00:00:00Z (sigDeadline)')
  })
})
