import { SafeTx, SafeTxHash } from '@airlock/safe'
import type { Command } from '../command.ts'

/** A mainnet Safe and a few transactions a treasury might sign; all values are examples. */
const examples = [
  {
    title: 'Send 1 ETH to a vendor',
    tx: { to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1000000000000000000', nonce: 41 },
  },
  {
    title: 'Transfer 25,000 USDC (ERC-20 transfer)',
    tx: {
      to: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
      data: '0xa9059cbb0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed00000000000000000000000000000000000000000000000000000005d21dba00',
      nonce: 42,
    },
  },
  {
    title: '"Routine transfer" that is really a delegatecall (the Bybit shape)',
    tx: {
      to: '0x96221423681A6d52E184D440a8eFCEbB105C7242',
      operation: 1,
      data: '0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29569660000000000000000000000000000000000000000000000000000000000000000',
      nonce: 43,
    },
  },
]

export const demo: Command = {
  path: ['demo'],
  summary: 'Walk through an offline review of example Safe transactions.',
  usage: 'demo',
  options: {},
  run: ({ io }) => {
    const context = SafeTx.context({
      chainId: 1,
      safe: '0x1c694Fc3006D81ff4a56F97E1b99529066a23725',
      version: '1.3.0',
    })
    io.stdout(
      `Airlock demo: offline review of ${examples.length} requests for Safe ${context.safe} (chain ${context.chainId}, v${context.version})\n\n`,
    )
    for (const example of examples) {
      const tx = SafeTx.from(example.tx)
      const hashes = SafeTxHash.compute({ tx, context })
      io.stdout(
        [
          `▶ ${example.title}  (title is untrusted text from the coordinator)`,
          `  to ${tx.to}  value ${tx.value}  operation ${tx.operation === 1 ? 'DELEGATECALL' : 'call'}  nonce ${tx.nonce}`,
          `  Domain hash   ${hashes.domainHash}`,
          `  Message hash  ${hashes.messageHash}`,
          `  safeTxHash    ${hashes.safeTxHash}`,
          '',
        ].join('\n'),
      )
    }
    return 0
  },
}
