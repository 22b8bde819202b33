import { type Address, encodeAbiParameters, type Hex, keccak256, parseAbiParameters } from 'viem'
import type { Operation } from '../SafeTx.ts'
import type { TokenStandard } from './OrgConfig.ts'

/** A change to a Safe's own configuration or authority. */
export type SafeChange =
  | 'add-owner'
  | 'remove-owner'
  | 'swap-owner'
  | 'change-threshold'
  | 'enable-module'
  | 'disable-module'
  | 'set-guard'
  | 'set-module-guard'
  | 'set-fallback-handler'
  | 'change-singleton'
  | 'approve-hash'
  | 'sign-message'
  | 'setup'
  | 'exec-transaction'
  | 'exec-from-module'

/**
 * What a decoded call does, independent of which ABI named it: findings, tiers and asset sums read
 * this, never function names.
 */
export type Action =
  | { type: 'none' }
  | { type: 'batch' }
  | { type: 'native-transfer'; to: Address; amount: bigint }
  | {
      type: 'token-transfer'
      standard: TokenStandard
      token: Address
      from: Address
      to: Address
      /** Units moved: the ERC-20 amount, 1 per ERC-721 token, or the sum of ERC-1155 amounts. */
      amount: bigint
      tokenIds: readonly bigint[]
    }
  | {
      type: 'token-approval'
      standard: TokenStandard | 'permit2'
      token: Address
      owner: Address
      spender: Address
      /** `set` replaces the allowance, `increase` adds to it, `decrease` lowers it. */
      mode: 'set' | 'increase' | 'decrease'
      amount: bigint
      /** max uint256, anything ≥ 2^255 (≥ 2^(n-1) for a uintN amount), or setApprovalForAll(true). */
      unlimited: boolean
    }
  | { type: 'safe-admin'; safe: Address; change: SafeChange; subject: Address | undefined }
  | { type: 'upgrade'; proxy: Address; implementation: Address }
  | { type: 'control-change'; what: 'ownership' | 'role' | 'proxy-admin'; subject: Address | undefined }
  | { type: 'pause'; paused: boolean }
  | {
      type: 'timelock'
      op: 'schedule' | 'execute' | 'cancel' | 'update-delay'
      /**
       * The TimelockController operation id (`hashOperation` / `hashOperationBatch`) a schedule or
       * execute is about, or the id a cancel names: lets a signer match an execute with the schedule
       * it signed.
       */
      id: Hex | undefined
    }

/** Where the call sits: who sends it and how the decoder found it. */
export type Site = {
  /** The called contract. */
  to: Address
  /** The account the call comes from (msg.sender for a call; the storage owner for a delegatecall). */
  sender: Address
  /** The token standard the org declared for `to`, when a selector is shared (ERC-20 vs ERC-721). */
  standard: TokenStandard | undefined
  /** 1 = delegatecall: only libraries built for it keep their meaning. */
  operation: Operation
}

type Interpreter = (args: readonly unknown[], site: Site) => Action

const addr = (value: unknown) => value as Address
const uint = (value: unknown) => BigInt(value as bigint | number)
const unlimitedAt = (bits: number) => (amount: bigint) => amount >= 1n << BigInt(bits - 1)
const unlimited256 = unlimitedAt(256)
const unlimited160 = unlimitedAt(160)

const safeAdmin =
  (change: SafeChange, subjectIndex?: number): Interpreter =>
  (args, { to }) => ({
    type: 'safe-admin',
    safe: to,
    change,
    subject: subjectIndex === undefined ? undefined : addr(args[subjectIndex]),
  })

// Libraries run by delegatecall change the Safe that delegatecalls them (the sender), not themselves.
const libraryAdmin =
  (change: SafeChange): Interpreter =>
  (_args, { sender }) => ({ type: 'safe-admin', safe: sender, change, subject: undefined })

const erc20Approval =
  (mode: 'set' | 'increase' | 'decrease'): Interpreter =>
  (args, { to, sender }) => {
    const amount = uint(args[1])
    return {
      type: 'token-approval',
      standard: 'erc20',
      token: to,
      owner: sender,
      spender: addr(args[0]),
      mode,
      amount,
      unlimited: mode !== 'decrease' && unlimited256(amount),
    }
  }

const upgradeSelf: Interpreter = (args, { to }) => ({
  type: 'upgrade',
  proxy: to,
  implementation: addr(args[0]),
})
const upgradeViaAdmin: Interpreter = (args) => ({
  type: 'upgrade',
  proxy: addr(args[0]),
  implementation: addr(args[1]),
})

/** Meaning of every built-in signature, keyed by canonical signature. */
const interpreters: Readonly<Record<string, Interpreter>> = {
  'multiSend(bytes)': () => ({ type: 'batch' }),
  'transfer(address,uint256)': (args, { to, sender }) =>
    erc20Transfer(to, sender, addr(args[0]), uint(args[1])),
  // Shared with ERC-721: the org's declared standard decides; by default the larger reading (ERC-20).
  'transferFrom(address,address,uint256)': (args, { to, standard }) =>
    standard === 'erc721'
      ? {
          type: 'token-transfer',
          standard: 'erc721',
          token: to,
          from: addr(args[0]),
          to: addr(args[1]),
          amount: 1n,
          tokenIds: [uint(args[2])],
        }
      : {
          type: 'token-transfer',
          standard: 'erc20',
          token: to,
          from: addr(args[0]),
          to: addr(args[1]),
          amount: uint(args[2]),
          tokenIds: [],
        },
  'approve(address,uint256)': (args, site) =>
    site.standard === 'erc721'
      ? {
          type: 'token-approval',
          standard: 'erc721',
          token: site.to,
          owner: site.sender,
          spender: addr(args[0]),
          mode: 'set',
          amount: 1n,
          unlimited: false,
        }
      : erc20Approval('set')(args, site),
  'push(address,uint256)': (args, { to, sender }) => erc20Transfer(to, sender, addr(args[0]), uint(args[1])),
  'pull(address,uint256)': (args, { to, sender }) => erc20Transfer(to, addr(args[0]), sender, uint(args[1])),
  'move(address,address,uint256)': (args, { to }) =>
    erc20Transfer(to, addr(args[0]), addr(args[1]), uint(args[2])),
  // ERC-677 (LINK) and ERC-1363: a transfer that then calls the recipient.
  'transferAndCall(address,uint256,bytes)': (args, { to, sender }) =>
    erc20Transfer(to, sender, addr(args[0]), uint(args[1])),
  'transferAndCall(address,uint256)': (args, { to, sender }) =>
    erc20Transfer(to, sender, addr(args[0]), uint(args[1])),
  'approveAndCall(address,uint256)': erc20Approval('set'),
  'permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)': (args) => {
    const single = args[1] as { details: { token: Address; amount: bigint }; spender: Address }
    const amount = uint(single.details.amount)
    return {
      type: 'token-approval',
      standard: 'permit2',
      token: single.details.token,
      owner: addr(args[0]),
      spender: single.spender,
      mode: 'set',
      amount,
      unlimited: unlimited160(amount),
    }
  },
  'transferFrom(address,address,uint160,address)': (args) =>
    erc20Transfer(addr(args[3]), addr(args[0]), addr(args[1]), uint(args[2])),
  'increaseAllowance(address,uint256)': erc20Approval('increase'),
  'decreaseAllowance(address,uint256)': erc20Approval('decrease'),
  'permit(address,address,uint256,uint256,uint8,bytes32,bytes32)': (args, { to }) => {
    const amount = uint(args[2])
    return {
      type: 'token-approval',
      standard: 'erc20',
      token: to,
      owner: addr(args[0]),
      spender: addr(args[1]),
      mode: 'set',
      amount,
      unlimited: unlimited256(amount),
    }
  },
  'approve(address,address,uint160,uint48)': (args, { sender }) => {
    const amount = uint(args[2])
    return {
      type: 'token-approval',
      standard: 'permit2',
      token: addr(args[0]),
      owner: sender,
      spender: addr(args[1]),
      mode: 'set',
      amount,
      unlimited: unlimited160(amount),
    }
  },
  'safeTransferFrom(address,address,uint256)': (args, { to }) => nft('erc721', to, args, [uint(args[2])], 1n),
  'safeTransferFrom(address,address,uint256,bytes)': (args, { to }) =>
    nft('erc721', to, args, [uint(args[2])], 1n),
  'safeTransferFrom(address,address,uint256,uint256,bytes)': (args, { to }) =>
    nft('erc1155', to, args, [uint(args[2])], uint(args[3])),
  'safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)': (args, { to }) =>
    nft(
      'erc1155',
      to,
      args,
      (args[2] as readonly bigint[]).map(uint),
      (args[3] as readonly bigint[]).reduce<bigint>((sum, amount) => sum + uint(amount), 0n),
    ),
  'setApprovalForAll(address,bool)': (args, { to, sender, standard }) => ({
    type: 'token-approval',
    standard: standard === 'erc1155' ? 'erc1155' : 'erc721',
    token: to,
    owner: sender,
    spender: addr(args[0]),
    mode: 'set',
    amount: args[1] === true ? (1n << 256n) - 1n : 0n,
    unlimited: args[1] === true,
  }),
  'addOwnerWithThreshold(address,uint256)': safeAdmin('add-owner', 0),
  'removeOwner(address,address,uint256)': safeAdmin('remove-owner', 1),
  'swapOwner(address,address,address)': safeAdmin('swap-owner', 2),
  'changeThreshold(uint256)': safeAdmin('change-threshold'),
  'enableModule(address)': safeAdmin('enable-module', 0),
  'disableModule(address,address)': safeAdmin('disable-module', 1),
  'setGuard(address)': safeAdmin('set-guard', 0),
  'setModuleGuard(address)': safeAdmin('set-module-guard', 0),
  'setFallbackHandler(address)': safeAdmin('set-fallback-handler', 0),
  'changeMasterCopy(address)': safeAdmin('change-singleton', 0),
  'approveHash(bytes32)': safeAdmin('approve-hash'),
  // On Safe ≤1.1.1 a self-call; from 1.3.0 a delegatecall to SignMessageLib. Either way the caller's Safe signs.
  'signMessage(bytes)': (args, site) =>
    site.to === site.sender
      ? safeAdmin('sign-message')(args, site)
      : libraryAdmin('sign-message')(args, site),
  'setup(address[],uint256,address,bytes,address,address,uint256,address)': safeAdmin('setup'),
  'execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)':
    safeAdmin('exec-transaction'),
  'execTransactionFromModule(address,uint256,bytes,uint8)': safeAdmin('exec-from-module'),
  'execTransactionFromModuleReturnData(address,uint256,bytes,uint8)': safeAdmin('exec-from-module'),
  'migrateSingleton()': libraryAdmin('change-singleton'),
  'migrateWithFallbackHandler()': libraryAdmin('change-singleton'),
  'migrateL2Singleton()': libraryAdmin('change-singleton'),
  'migrateL2WithFallbackHandler()': libraryAdmin('change-singleton'),
  'migrateToL2(address)': libraryAdmin('change-singleton'),
  'migrateFromV111(address,address)': libraryAdmin('change-singleton'),
  'schedule(address,uint256,bytes,bytes32,bytes32,uint256)': (args) => timelockOp('schedule', single, args),
  'scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)': (args) =>
    timelockOp('schedule', batch, args),
  'execute(address,uint256,bytes,bytes32,bytes32)': (args) => timelockOp('execute', single, args),
  'executeBatch(address[],uint256[],bytes[],bytes32,bytes32)': (args) => timelockOp('execute', batch, args),
  'cancel(bytes32)': (args) => ({ type: 'timelock', op: 'cancel', id: args[0] as Hex }),
  'updateDelay(uint256)': () => ({ type: 'timelock', op: 'update-delay', id: undefined }),
  'pause()': () => ({ type: 'pause', paused: true }),
  'unpause()': () => ({ type: 'pause', paused: false }),
  // Bitmask pausers (e.g. pause(uint256 flags)): 0 clears every flag, i.e. unpauses.
  'pause(uint256)': (args) => ({ type: 'pause', paused: uint(args[0]) !== 0n }),
  'setPaused(bool)': (args) => ({ type: 'pause', paused: args[0] === true }),
  'upgradeTo(address)': upgradeSelf,
  'upgradeToAndCall(address,bytes)': upgradeSelf,
  'upgrade(address,address)': upgradeViaAdmin,
  'upgradeAndCall(address,address,bytes)': upgradeViaAdmin,
  'changeProxyAdmin(address,address)': (args) => ({
    type: 'control-change',
    what: 'proxy-admin',
    subject: addr(args[1]),
  }),
  'changeAdmin(address)': (args) => ({ type: 'control-change', what: 'proxy-admin', subject: addr(args[0]) }),
  'transferOwnership(address)': (args) => ({
    type: 'control-change',
    what: 'ownership',
    subject: addr(args[0]),
  }),
  'renounceOwnership()': () => ({ type: 'control-change', what: 'ownership', subject: undefined }),
  'grantRole(bytes32,address)': (args) => ({ type: 'control-change', what: 'role', subject: addr(args[1]) }),
  'revokeRole(bytes32,address)': (args) => ({ type: 'control-change', what: 'role', subject: addr(args[1]) }),
  'renounceRole(bytes32,address)': (args) => ({
    type: 'control-change',
    what: 'role',
    subject: addr(args[1]),
  }),
}

// OpenZeppelin TimelockController: hashOperation(target, value, data, predecessor, salt) and
// hashOperationBatch(targets, values, payloads, predecessor, salt) = keccak256(abi.encode(...)).
const single = parseAbiParameters('address, uint256, bytes, bytes32, bytes32')
const batch = parseAbiParameters('address[], uint256[], bytes[], bytes32, bytes32')

function timelockOp(
  op: 'schedule' | 'execute',
  params: typeof single | typeof batch,
  args: readonly unknown[],
): Action {
  let id: Hex | undefined
  try {
    id = keccak256(encodeAbiParameters(params, args.slice(0, 5) as never))
  } catch {
    // Lists of different lengths still encode; anything else leaves the id unknown.
    id = undefined
  }
  return { type: 'timelock', op, id }
}

function erc20Transfer(token: Address, from: Address, to: Address, amount: bigint): Action {
  return { type: 'token-transfer', standard: 'erc20', token, from, to, amount, tokenIds: [] }
}

function nft(
  standard: 'erc721' | 'erc1155',
  token: Address,
  args: readonly unknown[],
  tokenIds: readonly bigint[],
  amount: bigint,
): Action {
  return { type: 'token-transfer', standard, token, from: addr(args[0]), to: addr(args[1]), amount, tokenIds }
}

/**
 * Signatures that keep their meaning when delegatecalled: libraries written to run in the Safe's storage.
 * Any other delegatecall runs the target's code on the Safe, so its calldata means nothing by itself
 * (the Bybit payload "looked like" transfer(address,uint256)).
 */
const delegatecallable: ReadonlySet<string> = new Set([
  'multiSend(bytes)',
  'signMessage(bytes)',
  'migrateSingleton()',
  'migrateWithFallbackHandler()',
  'migrateL2Singleton()',
  'migrateL2WithFallbackHandler()',
  'migrateToL2(address)',
  'migrateFromV111(address,address)',
])

/**
 * The meaning of a decoded call, from its canonical signature and positional arguments.
 *
 * @example
 * Action.interpret('transfer(address,uint256)', [to, 5n], { to: usdc, sender: safe, standard: undefined, operation: 0 })
 * // { type: 'token-transfer', standard: 'erc20', token: usdc, from: safe, to, amount: 5n, tokenIds: [] }
 */
export function interpret(signature: string, args: readonly unknown[], site: Site): Action {
  if (site.operation === 1 && !delegatecallable.has(signature)) return { type: 'none' }
  return interpreters[signature]?.(args, site) ?? { type: 'none' }
}
