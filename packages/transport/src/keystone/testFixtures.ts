// Test-only fixtures for the Keystone tests: the "abandon … about" wallet and a Safe transaction.
import { type SafeContext, SafeTx } from '@airlock/safe'
import { getAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

export const MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
export const PATH = "m/44'/60'/0'/0/0"
export const owner = mnemonicToAccount(MNEMONIC)
/** BIP-32 master key fingerprint of this mnemonic, as a Keystone holding it reports it. */
export const masterFingerprint = '73c5da0a'

export const safe = getAddress('0x5afe3855358e112b5647b952709e6165e1c1eeee')

export const tx: SafeTx.SafeTx = SafeTx.from({
  to: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
  value: 0n,
  // transfer(0x1111…, 1_000_000)
  data: '0xa9059cbb000000000000000000000000111111111111111111111111111111111111111100000000000000000000000000000000000000000000000000000000000f4240',
  operation: 0,
  nonce: 42n,
})

export function context(chainId: bigint, version: SafeContext['version'] = '1.4.1'): SafeContext {
  return { chainId, safe, version }
}
