import { analyze, Calls, DecoderOrg, MultiSend, SafeTx, SafeTxHash } from '@airlock/safe'
import { maliciousFixtures, maliciousOrg } from '@airlock/safe/fixtures/malicious'
import { encodeFunctionData, erc20Abi, getAddress, type Hex } from 'viem'
import { type BenchTable, median, sample } from './table.ts'

const context = SafeTx.context({
  chainId: 1,
  safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
  version: '1.4.1',
})
const usdc = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const MULTI_SEND_CALL_ONLY_141 = '0x9641d764fc13c8B624c04430C7356C1C7C8102e2'

const addressOf = (i: number) => getAddress(`0x${(i + 1).toString(16).padStart(40, '0')}`)

/** A MultiSendCallOnly batch of `count` ERC-20 transfers, as a payroll run would build it. */
export function transferBatch(count: number): SafeTx.SafeTx {
  const transactions = Array.from({ length: count }, (_, i) => ({
    operation: 0 as const,
    to: usdc as Hex,
    value: 0n,
    data: encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [addressOf(i), BigInt(i + 1) * 10n ** 6n],
    }),
  }))
  return SafeTx.from({
    to: MULTI_SEND_CALL_ONLY_141,
    operation: 1,
    data: MultiSend.encode(transactions),
    nonce: 7,
  })
}

/** Hashing throughput and decoding time of the Safe core. */
export async function runSafeBench(): Promise<BenchTable[]> {
  const txs = Array.from({ length: 256 }, (_, i) =>
    SafeTx.from({
      to: addressOf(i),
      value: BigInt(i) * 10n ** 18n,
      data: `0xa9059cbb${'00'.repeat(12)}${'11'.repeat(20)}${i.toString(16).padStart(64, '0')}`,
      nonce: i,
    }),
  )
  let i = 0
  const hash = median(sample(() => SafeTxHash.compute({ tx: txs[i++ % txs.length]!, context })))
  const batch = transferBatch(100)
  const decode = median(sample(() => Calls.decode({ tx: batch, context })))
  const full = median(sample(() => analyze({ tx: batch, context })))
  const batchHash = median(sample(() => SafeTxHash.compute({ tx: batch, context })))
  const one = transferBatch(1)
  const single = SafeTx.from({ to: usdc, data: MultiSend.decode(one.data)[0]!.data, nonce: 1 })
  const oneTransfer = median(sample(() => analyze({ tx: single, context })))
  // Hostile requests (issue 10): each must be answered, over budget as request-too-complex; the row
  // reports the slowest of their medians (target ≤ 50 ms).
  const org = DecoderOrg.parse(maliciousOrg)
  const hostile = maliciousFixtures
    .filter((f) => f.code === 'request-too-complex' || f.name.startsWith('aliasing'))
    .map((f) => {
      const tx = SafeTx.from(f.tx)
      const ctx = SafeTx.context(f.context)
      return { name: f.name, ms: median(sample(() => analyze({ tx, context: ctx, org }), { ms: 300 })) }
    })
  const worst = hostile.reduce((a, b) => (b.ms > a.ms ? b : a))
  return [
    {
      title: 'Safe core (median of repeated runs)',
      rows: [
        {
          operation: 'safeTxHash of a small transaction',
          'median ms': hash,
          'per second': Math.round(1000 / hash),
        },
        {
          operation: 'safeTxHash of a 100-call MultiSend',
          'median ms': batchHash,
          'per second': Math.round(1000 / batchHash),
        },
        {
          operation: 'decode a 100-call MultiSend (call tree)',
          'median ms': decode,
          'per second': Math.round(1000 / decode),
        },
        {
          operation: 'analyze a 100-call MultiSend (tree, findings, tier, outflows)',
          'median ms': full,
          'per second': Math.round(1000 / full),
        },
        {
          operation: 'analyze one ERC-20 transfer',
          'median ms': oneTransfer,
          'per second': Math.round(1000 / oneTransfer),
        },
        {
          operation: `worst hostile request answered (${worst.name})`,
          'median ms': worst.ms,
          'per second': Math.round(1000 / worst.ms),
        },
      ],
      notes: [
        'Targets: one transfer ≤ 2 ms, 100 calls ≤ 20 ms, a refusal over budget ≤ 50 ms.',
        `Hostile requests: ${hostile.map((h) => `${h.name} ${h.ms.toFixed(2)} ms`).join(', ')}.`,
      ],
    },
  ]
}
