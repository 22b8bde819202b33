import { printable } from '@airlock/errors'
import { type AbiParameter, type Address, formatUnits } from 'viem'
import * as LedgerDisplay from '../LedgerDisplay.ts'
import * as SafeTxHash from '../SafeTxHash.ts'
import type * as Signature from '../Signature.ts'
import type { AnalyzeReturnType } from './analyze.ts'
import * as Calls from './Calls.ts'
import * as Effects from './Effects.ts'
import * as KnownContracts from './KnownContracts.ts'
import * as OrgConfig from './OrgConfig.ts'

const MAX_ARG_CHARS = 120

function address(value: Address, label: string | undefined): string {
  return label ? `${value} (${label})` : value
}

function argText(value: unknown): string {
  let text: string
  if (typeof value === 'bigint') text = value.toString()
  else if (Array.isArray(value)) text = `[${value.map(argText).join(', ')}]`
  else if (value !== null && typeof value === 'object') {
    text = `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${argText(v)}`)
      .join(', ')}}`
  } else text = String(value)
  return text.length > MAX_ARG_CHARS ? `${text.slice(0, MAX_ARG_CHARS - 1)}…` : text
}

/**
 * One line saying what a decoded call does: operation, target, value and the decoded function.
 *
 * @example
 * Describe.call(analysis.calls) // 'DELEGATECALL 0x96…42 transfer(to: 0x…, amount: 0)'
 */
export function call(node: Calls.Call): string {
  // Strings inside calldata are the sender's: never let them drive the reviewer's terminal.
  return printable(callText(node))
}

function callText(node: Calls.Call): string {
  const op = node.operation === 1 ? 'DELEGATECALL' : 'CALL'
  const value = node.value > 0n ? ` value ${node.value} wei` : ''
  const target = address(node.to, node.label)
  if (node.kind === 'native-transfer') return `${op} ${target}${value} (native transfer)`
  if (node.kind === 'unknown') {
    const claimed = node.signature ? ` claims ${node.signature}` : ''
    const detail = node.detail ? `: ${node.detail}` : ''
    const data = node.selector ?? (node.data.length > 74 ? `${node.data.slice(0, 74)}…` : node.data)
    return `${op} ${target}${value} UNKNOWN ${data}${claimed} (${node.reason}${detail})`
  }
  const args = node.function.args.map((arg) => `${arg.name}: ${argText(arg.value)}`).join(', ')
  return `${op} ${target}${value} ${node.function.name}(${args})`
}

function signatureText(signature: Signature.Signature): string {
  switch (signature.type) {
    case 'approved-hash':
      return `approved by ${signature.owner} (v=1: valid only when sent by that owner, or pre-approved with approveHash)`
    case 'contract':
      return `contract signature (EIP-1271) of ${signature.verifier}`
    case 'ecdsa':
      return `ECDSA r ${signature.r} s ${signature.s} v ${signature.v}`
    case 'eth_sign':
      return `eth_sign r ${signature.r} s ${signature.s} v ${signature.v}`
    default:
      return signature satisfies never
  }
}

/** One argument leaf, in full: struct fields and array elements each get their own line. */
export type ArgumentLine = {
  /** `params.recipient`, `path.1`. */
  path: string
  type: string
  /** The value as text, never cut (bigints in decimal, bytes in hex). */
  value: string
  /** The label of a known address (org config, Safe deployments, `this Safe`). */
  label: string | undefined
  /** An amount in the asset's units (viem formatUnits), e.g. `1,250.5 USDC`, next to base units. */
  units: string | undefined
}

const amountName = /amount|value|wad|added|subtracted|min|max/i

/**
 * Every argument of a decoded call in full, nested structs and arrays flattened to one line per
 * leaf, with labels for known addresses and amounts in the asset's units next to base units.
 *
 * @example
 * Describe.argumentLines({ call, safe, org })
 * // [{ path: 'params.recipient', type: 'address', value: '0x…', label: 'Treasury', units: undefined }, …]
 */
export function argumentLines({
  call: node,
  safe,
  org = OrgConfig.empty,
}: {
  call: Calls.Call
  safe: Address
  org?: OrgConfig.OrgConfig | undefined
}): ArgumentLine[] {
  if (node.kind !== 'function') return []
  const labelOf = (address: string) => {
    if (address.toLowerCase() === safe.toLowerCase()) return 'this Safe'
    const checksummed = address as Address
    return OrgConfig.label(org, checksummed) ?? KnownContracts.get(checksummed)?.label
  }
  const asset = (address: unknown) => {
    if (typeof address !== 'string') return undefined
    const known = org.knownContracts.get(address as Address)
    return known?.decimals === undefined ? undefined : { decimals: known.decimals, label: known.label }
  }
  const out: ArgumentLine[] = []
  const visit = (
    path: string,
    param: AbiParameter,
    value: unknown,
    token: (name: string) => { decimals: number; label: string } | undefined,
  ) => {
    const array = /^(.*)\[(\d*)\]$/.exec(param.type)
    if (array && Array.isArray(value)) {
      const element = { ...param, type: array[1] ?? '' } as AbiParameter
      value.forEach((item, i) => {
        visit(`${path}.${i}`, element, item, token)
      })
      return
    }
    if (param.type === 'tuple' && value !== null && typeof value === 'object') {
      const components = (param as { components: readonly AbiParameter[] }).components
      const field = (c: AbiParameter, i: number) =>
        Array.isArray(value) ? value[i] : (value as Record<string, unknown>)[c.name ?? '']
      // A struct naming its token (token, tokenIn, tokenOut, asset) gives its amounts' units.
      const tokens = new Map<string, { decimals: number; label: string }>()
      components.forEach((c, i) => {
        const found =
          c.type === 'address' && /^(token|asset)/i.test(c.name ?? '') ? asset(field(c, i)) : undefined
        if (found) tokens.set((c.name ?? '').replace(/^(token|asset)/i, '').toLowerCase(), found)
      })
      const inner = (name: string) => {
        const suffix = /in$/i.test(name) ? 'in' : /out(minimum|maximum)?$/i.test(name) ? 'out' : ''
        return tokens.get(suffix) ?? tokens.get('') ?? token(name)
      }
      components.forEach((c, i) => {
        visit(`${path}.${c.name || i}`, c, field(c, i), inner)
      })
      return
    }
    const text =
      typeof value === 'bigint' ? value.toString() : typeof value === 'string' ? value : JSON.stringify(value)
    const label = param.type === 'address' && typeof value === 'string' ? labelOf(value) : undefined
    let units: string | undefined
    const leaf = path.split('.').pop() ?? ''
    if (
      /^uint/.test(param.type) &&
      (typeof value === 'bigint' || typeof value === 'number') &&
      amountName.test(leaf)
    ) {
      const found = token(leaf)
      if (found) units = `${formatUnits(BigInt(value), found.decimals)} ${found.label}`
    }
    out.push({ path, type: param.type, value: text ?? String(value), label, units })
  }
  const target = asset(node.to)
  for (const arg of node.function.args) visit(arg.name, arg.abi, arg.value, () => target)
  return out
}

/**
 * The call tree as indented lines, every nested batch expanded, each line prefixed by its path.
 *
 * @example
 * Describe.tree(analysis.calls).join('\n')
 */
export function tree(root: Calls.Call): string[] {
  const lines: string[] = []
  const visit = (node: Calls.Call, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${Calls.formatPath(node.path)}  ${call(node)}`)
    for (const child of node.children) visit(child, depth + 1)
  }
  visit(root, 0)
  return lines
}

/**
 * The whole offline review of an analysis as text: context, hashes as the Ledger shows them,
 * tier with its reasons, findings (most severe first), the call tree and outflows.
 *
 * @example
 * console.log(Describe.analysis(analyze({ tx, context })))
 */
export function analysis(
  result: AnalyzeReturnType,
  { org = OrgConfig.empty }: { org?: OrgConfig.OrgConfig | undefined } = {},
): string {
  const { tx, context } = result
  const hashes = LedgerDisplay.fromHashes(SafeTxHash.compute({ tx, context }))
  const lines = [
    `Safe          ${context.safe}`,
    `Chain id      ${context.chainId}`,
    `Safe version  ${context.version}`,
    `Nonce         ${tx.nonce}`,
    '',
    `Domain hash   ${hashes.domainHash}`,
    `Message hash  ${hashes.messageHash}`,
    `safeTxHash    ${hashes.safeTxHash}`,
    '',
    `Tier: ${result.tier.toUpperCase()} (computed offline from the decoded calls)`,
    ...result.tierReasons.map((reason) => `  - ${reason.reason}`),
    '',
    `Findings (${result.findings.length}):`,
    ...(result.findings.length === 0
      ? ['  none']
      : result.findings.map((finding) => {
          const where = finding.path.length ? ` at ${Calls.formatPath(finding.path)}` : ''
          return `  [${finding.severity.toUpperCase()}] ${finding.code}${where}: ${finding.reason}`
        })),
    '',
    'Calls:',
    ...tree(result.calls).map((line) => `  ${line}`),
    '',
    'Effects and arguments (in full):',
  ]
  for (const node of Calls.walk(result.calls)) {
    lines.push(`  ${Calls.formatPath(node.path)}  ${Effects.describe(node.effect)}`)
    for (const arg of argumentLines({ call: node, safe: context.safe, org })) {
      const label = arg.label ? ` (${arg.label})` : ''
      const units = arg.units ? ` = ${arg.units}` : ''
      lines.push(`      ${arg.path}: ${arg.value}${label}${units}`)
    }
  }
  for (const nested of result.nested) {
    lines.push(
      '',
      `Nested Safe ${nested.safe} at call ${Calls.formatPath(nested.path)} (${nested.via}${nested.inOrg ? '' : ', NOT an org Safe'}):`,
      `  tier ${nested.tier?.toUpperCase() ?? 'unknown (hash only)'}; this Safe may sign ${nested.ceiling.join(', ') || 'nothing'}`,
      ...nested.findings.map((f) => `  [${f.severity.toUpperCase()}] ${f.code}: ${f.reason}`),
    )
    if (nested.signaturesError) lines.push(`  signatures: unreadable (${nested.signaturesError})`)
    for (const signature of nested.signatures ?? []) lines.push(`  signature: ${signatureText(signature)}`)
  }
  if (result.assets.length > 0) {
    lines.push('', 'Outflows:')
    for (const outflow of result.assets) {
      const asset = outflow.asset === 'native' ? 'native' : address(outflow.asset, outflow.label)
      const approved =
        outflow.approved > 0n ? `, approved ${outflow.unlimited ? 'UNLIMITED' : outflow.approved}` : ''
      lines.push(`  ${asset}: transferred ${outflow.transferred}${approved}`)
    }
  }
  return `${lines.map(printable).join('\n')}\n`
}
