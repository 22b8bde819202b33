// Typed data a dapp asks a Safe to sign (EIP-1271 messages), with numbers as decimal strings as the
// Transaction Service and Safe{Wallet} carry them.
import { anvilAccounts, createSafe, deploySafeContracts, startAnvil } from '@airlock/devnet'
import { MessageEffects } from '@airlock/safe'
import { type Address, getAddress, parseEther } from 'viem'
import { orgJson } from './signer-fixtures.ts'
import { startStandIn } from './txServiceStandIn.ts'

/** A Permit2 PermitSingle allowance of `amount` base units of `token` to `spender`. */
export function permitSingle({
  amount,
  token,
  spender,
  chainId,
  deadline,
  withDomainType = false,
}: {
  amount: bigint
  token: Address
  spender: Address
  chainId: number
  /** Unix seconds: the signature deadline and the allowance's expiration (the signer's clock judges them). */
  deadline: number
  /** Declare EIP712Domain in `types` (the Transaction Service requires it). */
  withDomainType?: boolean
}) {
  return {
    types: {
      ...(withDomainType
        ? {
            EIP712Domain: [
              { name: 'name', type: 'string' },
              { name: 'chainId', type: 'uint256' },
              { name: 'verifyingContract', type: 'address' },
            ],
          }
        : {}),
      PermitSingle: [
        { name: 'details', type: 'PermitDetails' },
        { name: 'spender', type: 'address' },
        { name: 'sigDeadline', type: 'uint256' },
      ],
      PermitDetails: [
        { name: 'token', type: 'address' },
        { name: 'amount', type: 'uint160' },
        { name: 'expiration', type: 'uint48' },
        { name: 'nonce', type: 'uint48' },
      ],
    } as Record<string, { name: string; type: string }[]>,
    primaryType: 'PermitSingle',
    domain: {
      name: 'Permit2',
      chainId: String(chainId),
      verifyingContract: MessageEffects.PERMIT2 as Address,
    },
    message: {
      details: { token, amount: amount.toString(), expiration: String(deadline), nonce: '0' },
      spender,
      sigDeadline: String(deadline),
    },
  }
}

/**
 * The PermitSingle the message chain tests propose through the service: `amount` of TOKEN to
 * MARKET_MAKER with EIP712Domain declared, and a deadline a week from now (the signers run on the
 * real clock).
 */
export function weekPermit({ amount, chainId }: { amount: bigint; chainId: number }) {
  return permitSingle({
    amount,
    token: TOKEN,
    spender: MARKET_MAKER,
    chainId,
    deadline: Math.floor(Date.now() / 1000) + 7 * 86400,
    withDomainType: true,
  })
}

/**
 * A Permit2 witness transfer (PermitWitnessTransferFrom, or the batch variant with several tokens)
 * as UniswapX-style dapps ask for it: the tokens go to `spender`, whose contract checks the witness
 * (here an order naming who receives what in return).
 */
export function permitWitnessTransfer({
  transfers,
  spender,
  chainId,
  deadline,
  recipient,
}: {
  transfers: readonly { token: Address; amount: bigint }[]
  spender: Address
  chainId: number
  deadline: number
  /** The witness order's recipient of the output tokens. */
  recipient: Address
}) {
  const batch = transfers.length > 1
  const primaryType = batch ? 'PermitBatchWitnessTransferFrom' : 'PermitWitnessTransferFrom'
  const permitted = transfers.map((t) => ({ token: t.token, amount: t.amount.toString() }))
  return {
    types: {
      [primaryType]: [
        { name: 'permitted', type: batch ? 'TokenPermissions[]' : 'TokenPermissions' },
        { name: 'spender', type: 'address' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
        { name: 'witness', type: 'LimitOrder' },
      ],
      TokenPermissions: [
        { name: 'token', type: 'address' },
        { name: 'amount', type: 'uint256' },
      ],
      LimitOrder: [
        { name: 'recipient', type: 'address' },
        { name: 'outputToken', type: 'address' },
        { name: 'minOutput', type: 'uint256' },
      ],
    } as Record<string, { name: string; type: string }[]>,
    primaryType,
    domain: {
      name: 'Permit2',
      chainId: String(chainId),
      verifyingContract: MessageEffects.PERMIT2 as Address,
    },
    message: {
      permitted: batch ? permitted : permitted[0]!,
      spender,
      nonce: '7',
      deadline: String(deadline),
      witness: {
        recipient,
        outputToken: '0x0000000000000000000000000000000000000Eee',
        minOutput: '1',
      },
    },
  }
}

/** The token and spender the message chain tests use, and the token's unit (6 decimals). */
export const TOKEN = getAddress('0x0000000000000000000000000000000000007070')
export const MARKET_MAKER = getAddress('0x0000000000000000000000000000000000002002')
export const UNIT = 10n ** 6n

/**
 * The org config of a 2-of-3 treasury on anvil for Safe messages: the market maker listed as a
 * recipient, USDC (TOKEN) with a 5M per-day cap.
 */
export function messageOrg({
  safe,
  owners,
  chainId,
}: {
  safe: Address
  owners: readonly Address[]
  chainId: number
}) {
  return orgJson({
    name: 'Message test treasury',
    safes: [
      {
        name: 'treasury',
        address: safe,
        chainId,
        version: '1.4.1',
        owners: owners.map((o) => o.toLowerCase()),
        threshold: 2,
      },
    ],
    guardian: undefined,
    pausable: [],
    recipients: [{ name: 'Market maker', address: MARKET_MAKER, chainId }],
    assets: [
      {
        id: 'USDC',
        chainId,
        address: TOKEN.toLowerCase(),
        decimals: 6,
        policyDecimals: 0,
        treasury: (10n ** 12n * UNIT).toString(),
        large: (10n ** 9n * UNIT).toString(),
        epoch: { seconds: 86400, cap: (5_000_000n * UNIT).toString() },
      },
    ],
  })
}

/**
 * Anvil with the official Safe 1.4.1 contracts, a 2-of-3 Safe of `owners` holding 1 ETH, and the
 * Transaction Service stand-in that knows it.
 */
export async function startMessageChain({
  chainId,
  owners,
}: {
  chainId: number
  owners: readonly Address[]
}) {
  const [deployer] = anvilAccounts(1)
  const anvil = await startAnvil({ chainId })
  const deployment = await deploySafeContracts({ anvil, deployer: deployer!, version: '1.4.1' })
  const safe = await createSafe({
    anvil,
    deployment,
    deployer: deployer!,
    owners: [...owners],
    threshold: 2,
    balance: parseEther('1'),
  })
  const service = await startStandIn({
    safeState: async (address) =>
      address === safe
        ? { chainId: BigInt(chainId), version: '1.4.1', owners: [...owners], threshold: 2, nonce: 0n }
        : undefined,
  })
  return { anvil, safe, service }
}
