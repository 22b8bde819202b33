import { concat, encodeAbiParameters, type Hex, keccak256, type TypedDataDefinition, toBytes } from 'viem'
import type { SafeContext, SafeTx } from './SafeTx.ts'
import * as SafeVersion from './SafeVersion.ts'

/** The three hashes a signer compares: the device shows the first two, the Safe UI the third. */
export type SafeTxHashes = {
  /** EIP-712 domain separator of the Safe (binds the Safe address, and from 1.3.0 the chain). */
  domainHash: Hex
  /** EIP-712 struct hash of the SafeTx fields. */
  messageHash: Hex
  /** keccak256(0x1901 ‖ domainHash ‖ messageHash): what owners sign and the Safe verifies. */
  safeTxHash: Hex
}

const DOMAIN_TYPE_WITH_CHAIN = 'EIP712Domain(uint256 chainId,address verifyingContract)'
const DOMAIN_TYPE_WITHOUT_CHAIN = 'EIP712Domain(address verifyingContract)'
const SAFE_TX_TYPE =
  'SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)'
const SAFE_TX_TYPE_0_1_0 =
  'SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 dataGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)'

const typeHash = (type: string): Hex => keccak256(toBytes(type))
const DOMAIN_TYPEHASH_WITH_CHAIN = typeHash(DOMAIN_TYPE_WITH_CHAIN)
const DOMAIN_TYPEHASH_WITHOUT_CHAIN = typeHash(DOMAIN_TYPE_WITHOUT_CHAIN)
const SAFE_TX_TYPEHASH = typeHash(SAFE_TX_TYPE)
const SAFE_TX_TYPEHASH_0_1_0 = typeHash(SAFE_TX_TYPE_0_1_0)

/**
 * The Safe's EIP-712 domain separator, computed as the contract does (`domainSeparator()`).
 *
 * @example
 * SafeTxHash.domain({ chainId: 1n, safe: '0x…', version: '1.4.1' })
 */
export function domain({ chainId, safe, version }: SafeContext): Hex {
  if (SafeVersion.domainHasChainId(version)) {
    return keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }],
        [DOMAIN_TYPEHASH_WITH_CHAIN, chainId, safe],
      ),
    )
  }
  return keccak256(
    encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }], [DOMAIN_TYPEHASH_WITHOUT_CHAIN, safe]),
  )
}

/**
 * The EIP-712 struct hash of a SafeTx (what Ledger calls the "message hash").
 *
 * @example
 * SafeTxHash.message(tx, { version: '1.3.0' })
 */
export function message(tx: SafeTx, { version }: { version: SafeVersion.SafeVersion }): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'bytes32' },
        { type: 'uint8' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
      ],
      [
        SafeVersion.usesDataGas(version) ? SAFE_TX_TYPEHASH_0_1_0 : SAFE_TX_TYPEHASH,
        tx.to,
        tx.value,
        keccak256(tx.data),
        tx.operation,
        tx.safeTxGas,
        tx.baseGas,
        tx.gasPrice,
        tx.gasToken,
        tx.refundReceiver,
        tx.nonce,
      ],
    ),
  )
}

/**
 * Domain hash, message hash and safeTxHash of a SafeTx, exactly as the Safe contract computes them
 * (`getTransactionHash`). Computed from raw fields; never take these from a request.
 *
 * @example
 * const { safeTxHash } = SafeTxHash.compute({ tx, context: { chainId: 1n, safe, version: '1.4.1' } })
 */
export function compute({ tx, context }: { tx: SafeTx; context: SafeContext }): SafeTxHashes {
  const domainHash = domain(context)
  const messageHash = message(tx, { version: context.version })
  const safeTxHash = keccak256(concat(['0x1901', domainHash, messageHash]))
  return { domainHash, messageHash, safeTxHash }
}

/**
 * The SafeTx as EIP-712 typed data, for devices that sign typed data in full (Ledger, Keystone).
 * Hashing it with any EIP-712 implementation gives the same safeTxHash as `compute`.
 */
export function typedData({ tx, context }: { tx: SafeTx; context: SafeContext }): TypedDataDefinition {
  const withChain = SafeVersion.domainHasChainId(context.version)
  const gasField = SafeVersion.usesDataGas(context.version) ? 'dataGas' : 'baseGas'
  return {
    domain: withChain
      ? { chainId: context.chainId, verifyingContract: context.safe }
      : { verifyingContract: context.safe },
    types: {
      EIP712Domain: withChain
        ? [
            { name: 'chainId', type: 'uint256' },
            { name: 'verifyingContract', type: 'address' },
          ]
        : [{ name: 'verifyingContract', type: 'address' }],
      SafeTx: [
        { name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'data', type: 'bytes' },
        { name: 'operation', type: 'uint8' },
        { name: 'safeTxGas', type: 'uint256' },
        { name: gasField, type: 'uint256' },
        { name: 'gasPrice', type: 'uint256' },
        { name: 'gasToken', type: 'address' },
        { name: 'refundReceiver', type: 'address' },
        { name: 'nonce', type: 'uint256' },
      ],
    },
    primaryType: 'SafeTx',
    message: {
      to: tx.to,
      value: tx.value,
      data: tx.data,
      operation: tx.operation,
      safeTxGas: tx.safeTxGas,
      [gasField]: tx.baseGas,
      gasPrice: tx.gasPrice,
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
      nonce: tx.nonce,
    },
  }
}
