// Safe messages (EIP-1271) on the signer: validating and decoding typed data (MessageEffects.decode)
// and the whole review (hashes, decoding, deadlines, log state, Cedar policy) for a Permit2
// PermitSingle, a PermitBatch of 256 tokens and a witness batch transfer of 256 tokens, the largest a
// message may list (MessageEffects.limits.arrayLength).
import { MessageEffects, SafeTx } from '@airlock/safe'
import { MessageSigner } from '@airlock/signer-core'
import { type Address, toHex } from 'viem'
import { installedSigner, owner } from './signer.ts'
import { type BenchTable, median, sample } from './table.ts'

const TREASURY = '0x00000000000000000000000000000000000A11cE'
const MARKET_MAKER = '0x0000000000000000000000000000000000002002' as Address
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' as Address
const context = SafeTx.context({ chainId: 1, safe: TREASURY, version: '1.4.1' })
const deadline = String(Math.floor(Date.now() / 1000) + 86400)

const details = { name: 'details', type: 'PermitDetails' }
const permitDetails = [
  { name: 'token', type: 'address' },
  { name: 'amount', type: 'uint160' },
  { name: 'expiration', type: 'uint48' },
  { name: 'nonce', type: 'uint48' },
]
const domain = { name: 'Permit2', chainId: '1', verifyingContract: MessageEffects.PERMIT2 }

function permit(count: number) {
  const one = { token: USDC, amount: '1000000', expiration: deadline, nonce: '0' }
  const single = count === 1
  const primaryType = single ? 'PermitSingle' : 'PermitBatch'
  return {
    types: {
      [primaryType]: [
        single ? details : { ...details, type: 'PermitDetails[]' },
        { name: 'spender', type: 'address' },
        { name: 'sigDeadline', type: 'uint256' },
      ],
      PermitDetails: permitDetails,
    },
    primaryType,
    domain,
    message: { details: single ? one : Array(count).fill(one), spender: MARKET_MAKER, sigDeadline: deadline },
  }
}

function witnessBatch(count: number) {
  return {
    types: {
      PermitBatchWitnessTransferFrom: [
        { name: 'permitted', type: 'TokenPermissions[]' },
        { name: 'spender', type: 'address' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
        { name: 'witness', type: 'Order' },
      ],
      TokenPermissions: [
        { name: 'token', type: 'address' },
        { name: 'amount', type: 'uint256' },
      ],
      Order: [
        { name: 'recipient', type: 'address' },
        { name: 'minOutput', type: 'uint256' },
      ],
    },
    primaryType: 'PermitBatchWitnessTransferFrom',
    domain,
    message: {
      permitted: Array(count).fill({ token: USDC, amount: '1' }),
      spender: MARKET_MAKER,
      nonce: '1',
      deadline,
      witness: { recipient: MARKET_MAKER, minOutput: '1' },
    },
  }
}

/**
 * Median milliseconds to decode and to review each message shape.
 *
 * @example
 * for (const table of await runMessagesBench()) console.log(format(table))
 */
export async function runMessagesBench(): Promise<BenchTable[]> {
  const signer = await installedSigner()
  const identity = { address: owner.address, keyKind: 'ledger' as const }
  const rows: BenchTable['rows'] = []
  for (const [name, message] of [
    ['Permit2 PermitSingle', permit(1)],
    ['Permit2 PermitBatch, 256 tokens', permit(256)],
    ['Permit2 witness batch transfer, 256 tokens', witnessBatch(256)],
  ] as const) {
    const request = {
      requestId: toHex(1, { size: 16 }),
      createdAt: 0,
      context,
      message,
      title: '',
      description: '',
    }
    const decoded = MessageEffects.decode({ message, context })
    const review = MessageSigner.reviewMessage({ signer, request, identity })
    rows.push({
      message: name,
      bytes: MessageEffects.toJson(message).length,
      effect: decoded.effect.kind,
      verdict: review.allowed ? 'allow' : review.refusals.map((r) => r.code).join(', '),
      'decode ms (median)': median(sample(() => MessageEffects.decode({ message, context }), { ms: 500 })),
      'review ms (median)': median(
        sample(() => MessageSigner.reviewMessage({ signer, request, identity }), { ms: 500 }),
      ),
    })
  }
  return [
    {
      title: 'Safe messages: typed data validated and decoded, then reviewed against the policy',
      rows,
      notes: [
        'Review = MessageSigner.reviewMessage: both hashes, decoding, deadlines, the log state and the Cedar policy.',
        '256 tokens is the largest array a message may hold (MessageEffects.limits.arrayLength).',
      ],
    },
  ]
}
