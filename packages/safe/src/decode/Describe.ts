import { printable } from '@airlock/errors'
import type { Address } from 'viem'
import * as LedgerDisplay from '../LedgerDisplay.ts'
import * as SafeTxHash from '../SafeTxHash.ts'
import type { AnalyzeReturnType } from './analyze.ts'
import * as Calls from './Calls.ts'

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
export function analysis(result: AnalyzeReturnType): string {
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
  ]
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
