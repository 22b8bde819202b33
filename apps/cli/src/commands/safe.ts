import { SafeTxHash } from '@airlock/safe'
import type { Command } from '../command.ts'
import { toJson } from '../io.ts'
import { readSafeTx, safeTxOptions } from './safeTxInput.ts'

export const safeHash: Command = {
  path: ['safe', 'hash'],
  summary: 'Compute the domain hash, message hash and safeTxHash of a Safe transaction, offline.',
  usage:
    'safe hash --chain-id N --safe ADDR --safe-version V --to ADDR [--value WEI] [--data HEX] ... [--json]',
  options: { ...safeTxOptions, json: { type: 'boolean', help: 'print JSON' } },
  run: ({ values, io }) => {
    const { tx, context } = readSafeTx(values)
    const hashes = SafeTxHash.compute({ tx, context })
    if (values.json) {
      io.stdout(`${toJson(hashes)}\n`)
      return 0
    }
    io.stdout(
      [
        `Safe           ${context.safe}`,
        `Chain id       ${context.chainId}`,
        `Safe version   ${context.version}`,
        `Nonce          ${tx.nonce}`,
        '',
        `Domain hash    ${hashes.domainHash}`,
        `Message hash   ${hashes.messageHash}`,
        `safeTxHash     ${hashes.safeTxHash}`,
        '',
      ].join('\n'),
    )
    return 0
  },
}
