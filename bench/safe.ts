import { SafeTx, SafeTxHash } from '@airlock/safe'
import { type BenchTable, median, sample } from './table.ts'

const context = SafeTx.context({
  chainId: 1,
  safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
  version: '1.4.1',
})

/** Hashing throughput of the Safe core. */
export async function runSafeBench(): Promise<BenchTable[]> {
  const txs = Array.from({ length: 256 }, (_, i) =>
    SafeTx.from({
      to: `0x${(i + 1).toString(16).padStart(40, '0')}`,
      value: BigInt(i) * 10n ** 18n,
      data: `0xa9059cbb${'00'.repeat(12)}${'11'.repeat(20)}${i.toString(16).padStart(64, '0')}`,
      nonce: i,
    }),
  )
  let i = 0
  const times = sample(() => {
    SafeTxHash.compute({ tx: txs[i++ % txs.length]!, context })
  })
  const perCall = median(times)
  return [
    {
      title: 'Safe core',
      rows: [
        {
          operation: 'safeTxHash (domain + message + final)',
          'median µs': perCall * 1000,
          'per second': Math.round(1000 / perCall),
        },
      ],
    },
  ]
}
