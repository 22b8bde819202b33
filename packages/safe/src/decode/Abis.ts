import {
  type Abi,
  type AbiFunction,
  type Address,
  type Hex,
  parseAbi,
  toFunctionSelector,
  toFunctionSignature,
} from 'viem'
import { InvalidFieldError } from '../errors.ts'
import { parseAddress } from '../SafeTx.ts'

/** One function the decoder can read, found by its 4-byte selector. */
export type FunctionEntry = {
  item: AbiFunction
  /** Canonical signature, e.g. `transfer(address,uint256)`: what the meaning of a call is keyed on. */
  signature: string
  selector: Hex
  source: 'builtin' | 'user'
}

/** Selector → function, built once so decoding never re-parses an ABI per call. */
export type SelectorTable = ReadonlyMap<Hex, FunctionEntry>

/** The decoder's ABIs: built-in ones, then the user's per-target and global ones. */
export type Registry = {
  builtin: SelectorTable
  /** Per target (checksummed address); these win over the built-in table for that target. */
  byAddress: ReadonlyMap<Address, SelectorTable>
  /** Consulted last, for any target. */
  global: SelectorTable
}

/** User ABIs as given by the caller or a config file. */
export type RegistryParameters = {
  global?: Abi | readonly Abi[] | undefined
  byAddress?: Readonly<Record<string, Abi>> | undefined
}

/**
 * Every function whose meaning Airlock knows. Parameter names are the ones the standards use, so the
 * decoded arguments read as in the contracts' documentation.
 */
export const builtinSignatures = [
  // Safe MultiSend and MultiSendCallOnly (packed transactions).
  'function multiSend(bytes transactions)',
  // ERC-20 (transferFrom and approve share their selectors with ERC-721).
  'function transfer(address to, uint256 amount)',
  'function transferFrom(address from, address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'function increaseAllowance(address spender, uint256 addedValue)',
  'function decreaseAllowance(address spender, uint256 subtractedValue)',
  'function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)',
  // Other token functions that move or approve funds: DAI's push/pull/move, ERC-677 and ERC-1363.
  'function push(address usr, uint256 wad)',
  'function pull(address usr, uint256 wad)',
  'function move(address src, address dst, uint256 wad)',
  'function transferAndCall(address to, uint256 value, bytes data)',
  'function transferAndCall(address to, uint256 value)',
  'function approveAndCall(address spender, uint256 value)',
  // Uniswap Permit2.
  'function approve(address token, address spender, uint160 amount, uint48 expiration)',
  'function permit(address owner, ((address token, uint160 amount, uint48 expiration, uint48 nonce) details, address spender, uint256 sigDeadline) permitSingle, bytes signature)',
  'function transferFrom(address from, address to, uint160 amount, address token)',
  'function lockdown((address token, address spender)[] approvals)',
  // ERC-721 and ERC-1155.
  'function safeTransferFrom(address from, address to, uint256 tokenId)',
  'function safeTransferFrom(address from, address to, uint256 tokenId, bytes data)',
  'function safeTransferFrom(address from, address to, uint256 id, uint256 amount, bytes data)',
  'function safeBatchTransferFrom(address from, address to, uint256[] ids, uint256[] amounts, bytes data)',
  'function setApprovalForAll(address operator, bool approved)',
  // Safe singleton (self-calls), 0.1.0 to 1.5.0.
  'function addOwnerWithThreshold(address owner, uint256 _threshold)',
  'function removeOwner(address prevOwner, address owner, uint256 _threshold)',
  'function swapOwner(address prevOwner, address oldOwner, address newOwner)',
  'function changeThreshold(uint256 _threshold)',
  'function enableModule(address module)',
  'function disableModule(address prevModule, address module)',
  'function setGuard(address guard)',
  'function setModuleGuard(address moduleGuard)',
  'function setFallbackHandler(address handler)',
  'function changeMasterCopy(address _masterCopy)',
  'function approveHash(bytes32 hashToApprove)',
  'function signMessage(bytes _data)',
  'function setup(address[] _owners, uint256 _threshold, address to, bytes data, address fallbackHandler, address paymentToken, uint256 payment, address paymentReceiver)',
  'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures)',
  'function execTransactionFromModule(address to, uint256 value, bytes data, uint8 operation)',
  'function execTransactionFromModuleReturnData(address to, uint256 value, bytes data, uint8 operation)',
  // Safe migration libraries (delegatecalled: they rewrite the singleton slot).
  'function migrateSingleton()',
  'function migrateWithFallbackHandler()',
  'function migrateL2Singleton()',
  'function migrateL2WithFallbackHandler()',
  'function migrateToL2(address l2Singleton)',
  'function migrateFromV111(address l2Singleton, address fallbackHandler)',
  // OpenZeppelin TimelockController (4.x and 5.x).
  'function schedule(address target, uint256 value, bytes data, bytes32 predecessor, bytes32 salt, uint256 delay)',
  'function scheduleBatch(address[] targets, uint256[] values, bytes[] payloads, bytes32 predecessor, bytes32 salt, uint256 delay)',
  'function execute(address target, uint256 value, bytes payload, bytes32 predecessor, bytes32 salt)',
  'function executeBatch(address[] targets, uint256[] values, bytes[] payloads, bytes32 predecessor, bytes32 salt)',
  'function cancel(bytes32 id)',
  'function updateDelay(uint256 newDelay)',
  // Pausing.
  'function pause()',
  'function unpause()',
  'function pause(uint256 flags)',
  'function setPaused(bool paused)',
  // Proxy upgrades: UUPS / transparent proxy, and ProxyAdmin (4.x and 5.x share upgradeAndCall's ABI).
  'function upgradeTo(address newImplementation)',
  'function upgradeToAndCall(address newImplementation, bytes data)',
  'function upgrade(address proxy, address implementation)',
  'function upgradeAndCall(address proxy, address implementation, bytes data)',
  'function changeProxyAdmin(address proxy, address newAdmin)',
  'function changeAdmin(address newAdmin)',
  // Ownable and AccessControl: who controls a protocol contract.
  'function transferOwnership(address newOwner)',
  'function renounceOwnership()',
  'function grantRole(bytes32 role, address account)',
  'function revokeRole(bytes32 role, address account)',
  'function renounceRole(bytes32 role, address account)',
] as const

/** The built-in functions as a viem ABI. */
export const builtinAbi = parseAbi(builtinSignatures)

/**
 * Builds a selector lookup table from an ABI (functions only; the first of two colliding selectors wins).
 *
 * @example
 * const table = Abis.table(erc20Abi)
 * table.get('0xa9059cbb')?.signature // 'transfer(address,uint256)'
 */
export function table(
  abi: Abi | readonly Abi[],
  { source = 'user' }: { source?: FunctionEntry['source'] } = {},
) {
  const out = new Map<Hex, FunctionEntry>()
  const items = (abi as readonly unknown[]).flatMap((item) => (Array.isArray(item) ? item : [item]))
  for (const item of items) {
    if (item === null || typeof item !== 'object' || (item as { type?: unknown }).type !== 'function')
      continue
    const fn = item as AbiFunction
    let signature: string
    try {
      signature = toFunctionSignature(fn)
    } catch (cause) {
      throw new InvalidFieldError('An ABI function entry cannot be read.', {
        hint: 'Give a JSON ABI as produced by solc or viem (name, inputs with types).',
        details: JSON.stringify(item)?.slice(0, 200),
        cause,
      })
    }
    const selector = toFunctionSelector(signature)
    if (!out.has(selector)) out.set(selector, { item: fn, signature, selector, source })
  }
  return out as SelectorTable
}

const builtinTable = table(builtinAbi, { source: 'builtin' })

/**
 * Builds the decoder's registry once: pass the result to every decode to avoid re-parsing user ABIs.
 *
 * @example
 * const abis = Abis.registry({ byAddress: { '0xA0b8…': usdcAbi }, global: [myProtocolAbi] })
 */
export function registry({ global, byAddress }: RegistryParameters = {}): Registry {
  if (global !== undefined && !Array.isArray(global)) {
    throw new InvalidFieldError('The global ABI is not an array.', {
      hint: 'Give a JSON ABI (an array of entries).',
    })
  }
  const perAddress = new Map<Address, SelectorTable>()
  if (byAddress !== undefined) {
    if (byAddress === null || typeof byAddress !== 'object') {
      throw new InvalidFieldError('The per-address ABIs are not an object.', {
        hint: 'Map each contract address to its JSON ABI.',
      })
    }
    for (const [address, abi] of Object.entries(byAddress)) {
      if (!Array.isArray(abi)) {
        throw new InvalidFieldError(`The ABI for ${address} is not an array.`, {
          hint: 'Give a JSON ABI (an array of entries).',
        })
      }
      perAddress.set(parseAddress(address, `ABI address ${address}`), table(abi))
    }
  }
  return { builtin: builtinTable, byAddress: perAddress, global: global ? table(global) : new Map() }
}

/** The registry with only the built-in functions. */
export const defaultRegistry: Registry = registry()

/**
 * Finds the function a selector calls on a target: the target's own ABI, then built-ins, then global ABIs.
 *
 * @example
 * Abis.lookup(Abis.defaultRegistry, token, '0xa9059cbb')?.signature // 'transfer(address,uint256)'
 */
export function lookup(reg: Registry, to: Address, selector: Hex): FunctionEntry | undefined {
  return reg.byAddress.get(to)?.get(selector) ?? reg.builtin.get(selector) ?? reg.global.get(selector)
}
