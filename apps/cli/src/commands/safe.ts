import { OrgConfig } from '@airlock/policy'
import { AbiJson, Abis, analyze, Describe, SafeTxHash } from '@airlock/safe'
import { type Abi, isAddress } from 'viem'
import type { Command } from '../command.ts'
import { InputFileError, UsageError } from '../errors.ts'
import { readJsonFile, toJson } from '../io.ts'
import { readSafeTx, safeTxOptions } from './safeTxInput.ts'

export const safeHash: Command = {
  path: ['safe', 'hash'],
  summary: 'Compute the domain hash, message hash and safeTxHash of a Safe transaction, offline.',
  usage:
    'safe hash --chain-id N --safe ADDR --safe-version V --to ADDR [--value WEI] [--data HEX] ... [--json]',
  options: { ...safeTxOptions, json: { type: 'boolean', help: 'print JSON' } },
  run: ({ values, io }) => {
    const { tx, context } = readSafeTx(values)
    const hashes = SafeTxHash.compute({ tx, context })
    if (values.json) {
      io.stdout(`${toJson(hashes)}\n`)
      return 0
    }
    io.stdout(
      [
        `Safe           ${context.safe}`,
        `Chain id       ${context.chainId}`,
        `Safe version   ${context.version}`,
        `Nonce          ${tx.nonce}`,
        '',
        `Domain hash    ${hashes.domainHash}`,
        `Message hash   ${hashes.messageHash}`,
        `safeTxHash     ${hashes.safeTxHash}`,
        '',
      ].join('\n'),
    )
    return 0
  },
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
      if (typeof json.address !== 'string' || !isAddress(json.address)) {
        throw new InputFileError(`${what}: address is not a contract address.`, {
          hint: 'Give "address" as a 0x-prefixed 20-byte address (EIP-55 checksum if mixed case).',
        })
      }
      byAddress[json.address] = AbiJson.parse(json.abi, { what })
    } else {
      throw new UsageError(`The ABI file ${file} is neither an ABI array nor {"address", "abi"}.`, {
        hint: 'Export the ABI as a JSON array, or wrap it as {"address": "0x…", "abi": [...]}.',
      })
    }
  }
  return Abis.registry({ global, byAddress })
}
