// Shared fixtures for the signer engine suites: a realistic policy bundle built from
// policies/treasury-default (owners and admins swapped for test mnemonic accounts, signed by two
// of three admins), engines on in-memory logs with a controllable clock, and transaction builders.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Bundle } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import { MultiSend, type SafeContext, SafeTx, SafeTxHash } from '@airlock/safe'
import { Attestation, type AttestedTier, DecisionLog, Signer } from '@airlock/signer-core'
import type { SignRequest } from '@airlock/transport'
import { type Address, encodeFunctionData, erc20Abi, type Hex, parseAbi, toHex } from 'viem'
import { english, generateMnemonic, type HDAccount, mnemonicToAccount } from 'viem/accounts'

export { cedar }

const policyDir = join(import.meta.dirname, '..', '..', 'policies', 'treasury-default')
export const OWNER_MNEMONIC = 'test test test test test test test test test test test junk'
export const ADMIN_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'

const account = (mnemonic: string, addressIndex: number) => mnemonicToAccount(mnemonic, { addressIndex })
/** The five owners of both Safes. */
export const owners: HDAccount[] = [0, 1, 2, 3, 4].map((i) => account(OWNER_MNEMONIC, i))
/** Three policy admins; two must sign a bundle. */
export const admins: HDAccount[] = [0, 1, 2].map((i) => account(ADMIN_MNEMONIC, i))
/** An outsider key (not an owner, not an admin). */
export const outsider = account(generateMnemonic(english), 0)

/** The private key of an HD account (the software key device takes raw keys). */
export function privateKeyOf(hd: HDAccount): Hex {
  return toHex(hd.getHdKey().privateKey!)
}

export const TREASURY = '0x00000000000000000000000000000000000A11cE' as Address
export const GUARDIAN = '0x000000000000000000000000000000000000bEEF' as Address
export const LENDING_POOL = '0x0000000000000000000000000000000000001001' as Address
export const BRIDGE = '0x0000000000000000000000000000000000001002' as Address
export const PAYROLL = '0x0000000000000000000000000000000000002001' as Address
export const MARKET_MAKER = '0x0000000000000000000000000000000000002002' as Address
export const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' as Address
export const MULTISEND_CALL_ONLY = '0x9641d764fc13c8B624c04430C7356C1C7C8102e2' as Address
export const MULTISEND_141 = '0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526' as Address
export const ETH = 10n ** 18n
export const USDC_UNIT = 10n ** 6n
/** 2026-01-01T00:00:00Z */
export const T0 = 1_767_225_600

/** treasury-default's org config with test owners and admins, plus overrides. */
export function orgJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8')) as Record<string, unknown>
  const ownerAddresses = owners.map((o) => o.address.toLowerCase())
  org.safes = (org.safes as Record<string, unknown>[]).map((safe) => ({ ...safe, owners: ownerAddresses }))
  org.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  org.allowSoftwareKeys = true
  org.signerRules = { allowReplacement: true }
  return { ...org, ...overrides }
}

export function policies(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(policyDir)
      .filter((f) => f.endsWith('.cedar'))
      .map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
  )
}

/** A bundle signed by `signers` admins (default: the first two). */
export async function bundle({
  version = 1,
  org = orgJson(),
  signers = admins.slice(0, 2),
}: {
  version?: number
  org?: Record<string, unknown>
  signers?: HDAccount[]
} = {}): Promise<Bundle.Bundle> {
  let b = Bundle.create({ version, policies: policies(), org: org as Bundle.Json })
  for (const admin of signers) b = await Bundle.sign(b, admin)
  return b
}

/** A clock the test moves; unix seconds. */
export class TestClock {
  now: number
  constructor(start = T0) {
    this.now = start
  }
  read = (): Date => new Date(this.now * 1000)
  advance(seconds: number): void {
    this.now += seconds
  }
}

export type Peer = {
  signer: Signer
  owner: HDAccount
  clock: TestClock
  key: { kind: 'software'; privateKey: Hex }
}

/** An owner's signer on an in-memory log with the given bundle installed. */
export async function peer({
  ownerIndex = 0,
  clock = new TestClock(),
  installed,
}: {
  ownerIndex?: number
  clock?: TestClock
  installed?: Bundle.Bundle | undefined
} = {}): Promise<Peer> {
  const signer = await Signer.create({
    cedar,
    log: DecisionLog.memory({ clock: clock.read }),
    clock: clock.read,
  })
  await signer.installBundle(installed ?? (await sharedBundle()))
  const owner = owners[ownerIndex]!
  return { signer, owner, clock, key: { kind: 'software', privateKey: privateKeyOf(owner) } }
}

let cached: Promise<Bundle.Bundle> | undefined
/** The default bundle, signed once per test file. */
export function sharedBundle(): Promise<Bundle.Bundle> {
  cached ??= bundle()
  return cached
}

export const context = (safe: Address = TREASURY, chainId = 1, version = '1.4.1'): SafeContext =>
  SafeTx.context({ chainId, safe, version })

let requestCounter = 0
/** A signing request as the coordinator would send it (untrusted fields included). */
export function request(
  tx: SafeTx.SafeTx,
  {
    ctx = context(),
    signatures = [],
    attestations = [],
    claimedTier,
    title = 'Treasury action',
  }: {
    ctx?: SafeContext
    signatures?: SignRequest.CollectedSignature[]
    attestations?: SignRequest.CollectedAttestation[]
    claimedTier?: string | undefined
    title?: string
  } = {},
): SignRequest.SignRequest {
  requestCounter += 1
  return {
    requestId: toHex(requestCounter, { size: 16 }),
    createdAt: T0,
    context: ctx,
    tx,
    signatures,
    attestations,
    title,
    description: 'Prepared by the coordinator.',
    ...(claimedTier === undefined ? {} : { claimedTier }),
  }
}

export const hashOf = (req: SignRequest.SignRequest) =>
  SafeTxHash.compute({ tx: req.tx, context: req.context }).safeTxHash

/** An attestation by `owner` for the request (what the owner's own signer returns in round 1). */
export async function attestation(
  req: SignRequest.SignRequest,
  owner: HDAccount,
  tier: AttestedTier,
  overrides: { safeTxHash?: Hex; signer?: Address } = {},
): Promise<SignRequest.CollectedAttestation> {
  const signature = await Attestation.sign(
    Attestation.forRequest({ context: req.context, safeTxHash: overrides.safeTxHash ?? hashOf(req), tier }),
    owner,
  )
  return { signer: overrides.signer ?? owner.address, signature, tier }
}

// Transaction builders.
export const SafeTxFrom = (input: SafeTx.SafeTxInput) => SafeTx.from(input)
export const ethTransfer = (to: Address, amount: bigint, nonce: number | bigint) =>
  SafeTx.from({ to, value: amount, nonce })

export const tokenCall = (token: Address, data: Hex, nonce: number | bigint) =>
  SafeTx.from({ to: token, data, nonce })

export const usdcTransfer = (to: Address, amount: bigint, nonce: number | bigint) =>
  tokenCall(USDC, encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }), nonce)

export const usdcApprove = (spender: Address, amount: bigint, nonce: number | bigint) =>
  tokenCall(
    USDC,
    encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] }),
    nonce,
  )

export type InnerCall = { to: Address; value: bigint; data: Hex; operation?: 0 | 1 }

export const batch = (calls: InnerCall[], nonce: number | bigint, via: Address = MULTISEND_CALL_ONLY) =>
  SafeTx.from({
    to: via,
    operation: 1,
    data: MultiSend.encode(
      calls.map((c) => ({ operation: c.operation ?? 0, to: c.to, value: c.value, data: c.data })),
    ),
    nonce,
  })

const protocolAbi = parseAbi(['function pause()', 'function upgradeTo(address newImplementation)'])
const safeAbi = parseAbi([
  'function addOwnerWithThreshold(address owner, uint256 threshold)',
  'function changeThreshold(uint256 threshold)',
])

export const pauseData = encodeFunctionData({ abi: protocolAbi, functionName: 'pause' })
export const upgradeData = (implementation: Address) =>
  encodeFunctionData({ abi: protocolAbi, functionName: 'upgradeTo', args: [implementation] })
export const addOwnerData = (owner: Address) =>
  encodeFunctionData({ abi: safeAbi, functionName: 'addOwnerWithThreshold', args: [owner, 1n] })
export const usdcTransferData = (to: Address, amount: bigint) =>
  encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] })

/** A TimelockController the treasury proposes through (not in the org config: an ordinary contract). */
export const TIMELOCK = '0x0000000000000000000000000000000000004001' as Address
const timelockAbi = parseAbi([
  'function schedule(address target, uint256 value, bytes data, bytes32 predecessor, bytes32 salt, uint256 delay)',
  'function execute(address target, uint256 value, bytes payload, bytes32 predecessor, bytes32 salt)',
])
const zero32 = `0x${'00'.repeat(32)}` as Hex
/** `schedule` (delay 2 days) or `execute` of one call on the timelock, with a salt. */
export const timelockData = (op: 'schedule' | 'execute', call: InnerCall, salt: Hex = zero32) =>
  op === 'schedule'
    ? encodeFunctionData({
        abi: timelockAbi,
        functionName: 'schedule',
        args: [call.to, call.value, call.data, zero32, salt, 172_800n],
      })
    : encodeFunctionData({
        abi: timelockAbi,
        functionName: 'execute',
        args: [call.to, call.value, call.data, zero32, salt],
      })

/**
 * Both rounds of a Critical or Existential request on `me`'s signer: round 1 attests, the other
 * owners' signers attest, the delay passes, round 2 signs. Returns round 2's result.
 */
export async function twoRounds(
  me: Peer,
  others: readonly Peer[],
  req: SignRequest.SignRequest,
  tier: AttestedTier,
) {
  const round1 = await me.signer.approve(req, { key: me.key })
  if (round1.status !== 'released') throw new Error(`round 1: ${round1.status}`)
  const attestations: SignRequest.CollectedAttestation[] = []
  for (const o of others) {
    const r = await o.signer.approve(req, { key: o.key })
    if (r.status !== 'released') throw new Error(`peer: ${r.status}`)
    attestations.push({ signer: r.response.signer, signature: r.response.signature, tier })
  }
  me.clock.advance((tier === 'critical' ? 48 : 72) * 3600 + 60)
  return me.signer.approve({ ...req, attestations }, { key: me.key })
}

export const DAI = '0x6B175474E89094C44Da98b954EedeAC495271d0F' as Address
export const LINK = '0x514910771AF9Ca656af840dff83E8264EcF986CA' as Address
export const UNISWAP_ROUTER = '0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45' as Address

/** treasury-default's org plus DAI and LINK as listed ERC-20 assets (1M DAI, 100k LINK held). */
export function orgWithTokens(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = orgJson()
  const token = (id: string, address: Address, treasury: bigint) => ({
    id,
    chainId: 1,
    address: address.toLowerCase(),
    decimals: 18,
    treasury: treasury.toString(),
    large: (treasury / 100n).toString(),
  })
  return orgJson({
    assets: [
      ...(base.assets as unknown[]),
      token('DAI', DAI, 1_000_000n * ETH),
      token('LINK', LINK, 100_000n * ETH),
    ],
    ...overrides,
  })
}

const safeExecAbi = parseAbi([
  'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures)',
  'function execTransactionFromModule(address to, uint256 value, bytes data, uint8 operation)',
  'function approveHash(bytes32 hashToApprove)',
])

/** The "approved by msg.sender" signature (v = 1) of `owner`: valid when `owner` itself calls execTransaction. */
export const approvedBySender = (owner: Address): Hex =>
  `0x${owner.slice(2).toLowerCase().padStart(64, '0')}${'00'.repeat(32)}01`

/** `execTransaction` on another Safe, signed by the calling Safe as its owner (v = 1). */
export const nestedExecData = (caller: Address, inner: InnerCall) =>
  encodeFunctionData({
    abi: safeExecAbi,
    functionName: 'execTransaction',
    args: [
      inner.to,
      inner.value,
      inner.data,
      inner.operation ?? 0,
      0n,
      0n,
      0n,
      '0x0000000000000000000000000000000000000000',
      '0x0000000000000000000000000000000000000000',
      approvedBySender(caller),
    ],
  })

export const moduleExecData = (inner: InnerCall) =>
  encodeFunctionData({
    abi: safeExecAbi,
    functionName: 'execTransactionFromModule',
    args: [inner.to, inner.value, inner.data, inner.operation ?? 0],
  })

export const approveHashData = (hash: Hex) =>
  encodeFunctionData({ abi: safeExecAbi, functionName: 'approveHash', args: [hash] })

/** Uniswap's SwapRouter02 `exactInputSingle`, as a bundle carries it (JSON ABI). */
export const routerAbi = [
  {
    type: 'function',
    name: 'exactInputSingle',
    stateMutability: 'payable',
    inputs: [
      {
        name: 'params',
        type: 'tuple',
        components: [
          { name: 'tokenIn', type: 'address' },
          { name: 'tokenOut', type: 'address' },
          { name: 'fee', type: 'uint24' },
          { name: 'recipient', type: 'address' },
          { name: 'amountIn', type: 'uint256' },
          { name: 'amountOutMinimum', type: 'uint256' },
          { name: 'sqrtPriceLimitX96', type: 'uint160' },
        ],
      },
    ],
    outputs: [{ name: 'amountOut', type: 'uint256' }],
  },
] as const

/** treasury-default's org with the router's ABI and one allowed call: swaps whose recipient is the calling Safe. */
export function orgWithSwap(): Record<string, unknown> {
  return orgJson({
    abis: [{ chainId: 1, address: UNISWAP_ROUTER.toLowerCase(), abi: routerAbi }],
    allowedCalls: [
      {
        chainId: 1,
        name: 'USDC/DAI swap into the treasury',
        target: UNISWAP_ROUTER.toLowerCase(),
        signature: 'exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))',
        constraints: [{ arg: 'params.recipient', equals: '$safe' }],
      },
    ],
  })
}

/** `exactInputSingle` selling `amountIn` USDC for DAI, paid to `recipient`. */
export const swapData = (recipient: Address, amountIn: bigint = 1000n * USDC_UNIT) =>
  encodeFunctionData({
    abi: routerAbi,
    functionName: 'exactInputSingle',
    args: [
      {
        tokenIn: USDC,
        tokenOut: DAI,
        fee: 500,
        recipient,
        amountIn,
        amountOutMinimum: (amountIn * 99n * ETH) / (100n * USDC_UNIT),
        sqrtPriceLimitX96: 0n,
      },
    ],
  })
