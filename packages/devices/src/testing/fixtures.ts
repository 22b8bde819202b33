// Test support: a Safe transaction and the "abandon … about" owner, shared by the device tests.
import { type SafeContext, SafeTx } from '@airlock/safe'
import { getAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { TEST_MNEMONIC } from './EthAppSimulator.ts'

export const PATH = "m/44'/60'/0'/0/0"
/** m/44'/60'/0'/0/0 of the test mnemonic: 0x9858EfFD232B4033E47d90003D41EC34EcaEda94. */
export const owner = mnemonicToAccount(TEST_MNEMONIC)
/** Another key, for devices that hold the wrong one. */
export const OTHER_MNEMONIC = 'test test test test test test test test test test test junk'
export const other = mnemonicToAccount(OTHER_MNEMONIC)

export const safe = getAddress('0x5afe3855358e112b5647b952709e6165e1c1eeee')

export const tx: SafeTx.SafeTx = SafeTx.from({
  to: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
  value: 0n,
  // transfer(0x1111…, 1_000_000)
  data: '0xa9059cbb000000000000000000000000111111111111111111111111111111111111111100000000000000000000000000000000000000000000000000000000000f4240',
  operation: 0,
  nonce: 42n,
})

export const context: SafeContext = { chainId: 1n, safe, version: '1.4.1' }
