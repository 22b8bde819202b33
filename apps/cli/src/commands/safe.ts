import { OrgConfig } from '@airlock/policy'
import { AbiJson, Abis, analyze, Describe, NestedSafe, SafeTx, SafeTxHash } from '@airlock/safe'
import type { Command } from '../command.ts'
import { InputFileError, UsageError } from '../errors.ts'
import { readJsonFile, toJson } from '../io.ts'
import { readSafeTx, safeTxOptions } from './safeTxInput.ts'

export const safeHash: Command = {
  path: ['safe', 'hash'],
  summary: 'Compute the domain hash, message hash and safeTxHash of a Safe transaction, offline.',
  usage:
    'safe hash --chain-id N --safe ADDR --safe-version V --to ADDR [--value WEI] [--data HEX] ... [--nested-safe ADDR --nested-safe-version V --nested-safe-nonce N] [--json]',
  options: {
    ...safeTxOptions,
    'nested-safe': {
      type: 'string',
      help: 'a Safe that owns --safe: also show its approveHash transaction for this one, and that one’s hashes',
    },
    'nested-safe-version': { type: 'string', help: 'the owning Safe’s version (default: --safe-version)' },
    'nested-safe-nonce': { type: 'string', help: 'the owning Safe’s nonce for its approveHash transaction' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  run: ({ values, io }) => {
    const { tx, context } = readSafeTx(values)
    const hashes = SafeTxHash.compute({ tx, context })
    const nested = nestedApproval(values, { safeTxHash: hashes.safeTxHash, context })
    if (values.json) {
      io.stdout(
        `${toJson(nested ? { ...hashes, nested: { safe: nested.parent.safe, tx: nested.approval.tx, ...nested.approval.hashes } } : hashes)}\n`,
      )
      return 0
    }
    const lines = [
      `Safe           ${context.safe}`,
      `Chain id       ${context.chainId}`,
      `Safe version   ${context.version}`,
      `Nonce          ${tx.nonce}`,
      '',
      `Domain hash    ${hashes.domainHash}`,
      `Message hash   ${hashes.messageHash}`,
      `safeTxHash     ${hashes.safeTxHash}`,
      '',
    ]
    if (nested) {
      const { approval, parent } = nested
      lines.push(
        `Owned by Safe  ${parent.safe} (version ${parent.version}), which signs the transaction above by executing:`,
        `  approveHash(${hashes.safeTxHash}) on ${context.safe}, nonce ${approval.tx.nonce}`,
        `  Data           ${approval.tx.data}`,
        `  Domain hash    ${approval.hashes.domainHash}`,
        `  Message hash   ${approval.hashes.messageHash}`,
        `  safeTxHash     ${approval.hashes.safeTxHash}`,
        `The owners of ${parent.safe} sign this second transaction; compare both sets of hashes on the device.`,
        '',
      )
    }
    io.stdout(lines.join('\n'))
    return 0
  },
}

/** The owning Safe's approveHash transaction for this one, when --nested-safe is given. */
function nestedApproval(
  values: Record<string, unknown>,
  { safeTxHash, context }: { safeTxHash: `0x${string}`; context: SafeTx.SafeContext },
) {
  const parentAddress = values['nested-safe']
  if (parentAddress === undefined) {
    for (const flag of ['nested-safe-version', 'nested-safe-nonce']) {
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag} needs --nested-safe.`, { hint: 'Name the owning Safe.' })
    }
    return undefined
  }
  if (values['nested-safe-nonce'] === undefined) {
    throw new UsageError('Missing --nested-safe-nonce.', {
      hint: 'Give the owning Safe’s current nonce: its approveHash transaction is hashed at that nonce.',
    })
  }
  const parent = SafeTx.context({
    chainId: context.chainId,
    safe: parentAddress,
    version: values['nested-safe-version'] ?? context.version,
  })
  const approval = NestedSafe.approval({
    safeTxHash,
    child: context.safe,
    parent,
    nonce: values['nested-safe-nonce'] as string,
  })
  return { parent, approval }
}

export const safeDecode: Command = {
  path: ['safe', 'decode'],
  summary: 'Decode a Safe transaction offline: call tree, findings (most severe first) and tier.',
  usage:
    'safe decode --chain-id N --safe ADDR --safe-version V --to ADDR [--data HEX] ... [--org FILE] [--abi FILE]... [--json]',
  options: {
    ...safeTxOptions,
    org: {
      type: 'string',
      help: "the org config JSON, as in a policy bundle's org.json (safes, assets with large amounts, …)",
    },
    abi: {
      type: 'string',
      multiple: true,
      help: 'extra ABI JSON file (an ABI array, or {"address": "0x…", "abi": [...]})',
    },
    json: { type: 'boolean', help: 'print JSON: tier, tierReasons, findings, calls, assets, hashes' },
  },
  run: ({ values, io }) => {
    const { tx, context } = readSafeTx(values)
    const org =
      typeof values.org === 'string'
        ? OrgConfig.toDecoder(
            OrgConfig.parse(readJsonFile(values.org, 'org configuration')),
            Number(context.chainId),
          )
        : undefined
    const abis = readAbis((values.abi as string[] | undefined) ?? [])
    const result = analyze({ tx, context, org, abis })
    if (values.json) {
      const { tier, tierReasons, findings, calls, assets } = result
      const hashes = SafeTxHash.compute({ tx, context })
      io.stdout(`${toJson({ tier, tierReasons, findings, hashes, context, tx, assets, calls })}\n`)
      return 0
    }
    io.stdout(Describe.analysis(result))
    return 0
  },
}

type Abi = ReturnType<typeof AbiJson.parse>

function readAbis(files: string[]): Abis.Registry | undefined {
  if (files.length === 0) return undefined
  const global: Abi[] = []
  const byAddress: Record<string, Abi> = {}
  for (const file of files) {
    const json = readJsonFile(file, 'ABI')
    // Every entry and parameter type is checked (uint999 or a tuple without components is refused).
    const what = `The ABI file ${file}`
    if (Array.isArray(json)) global.push(AbiJson.parse(json, { what }))
    else if (json && typeof json === 'object' && 'abi' in json && 'address' in json) {
      let address: SafeTx.Address
      try {
        address = SafeTx.parseAddress(json.address, 'address')
      } catch {
        throw new InputFileError(`${what}: address is not a contract address.`, {
          hint: 'Give "address" as a 0x-prefixed 20-byte address (EIP-55 checksum if mixed case).',
        })
      }
      byAddress[address] = AbiJson.parse(json.abi, { what })
    } else {
      throw new UsageError(`The ABI file ${file} is neither an ABI array nor {"address", "abi"}.`, {
        hint: 'Export the ABI as a JSON array, or wrap it as {"address": "0x…", "abi": [...]}.',
      })
    }
  }
  return Abis.registry({ global, byAddress })
}
