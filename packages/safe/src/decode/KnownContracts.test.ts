import * as deployments from '@safe-global/safe-deployments'
import { type Abi, toFunctionSelector, toFunctionSignature } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Abis from './Abis.ts'
import * as KnownContracts from './KnownContracts.ts'

type Accessor = (filter?: {
  version?: string
}) => { deployments: Partial<Record<string, { address: string }>>; abi: unknown[] } | undefined

// Which accessor of @safe-global/safe-deployments lists each asset file.
const accessors: Record<string, Accessor> = {
  'multi_send_call_only.json': deployments.getMultiSendCallOnlyDeployments,
  'multi_send.json': deployments.getMultiSendDeployments,
  'safe_migration.json': deployments.getSafeMigrationDeployments,
  'safe_to_l2_migration.json': deployments.getSafeToL2MigrationDeployments,
  'sign_message_lib.json': deployments.getSignMessageLibDeployments,
  'gnosis_safe.json': deployments.getSafeSingletonDeployments,
  'safe.json': deployments.getSafeSingletonDeployments,
  'gnosis_safe_l2.json': deployments.getSafeL2SingletonDeployments,
  'safe_l2.json': deployments.getSafeL2SingletonDeployments,
  'compatibility_fallback_handler.json': deployments.getCompatibilityFallbackHandlerDeployments,
}

function listed(entry: KnownContracts.SafeDeployment) {
  const [folder, file] = entry.deployment.file.split('/') as [string, string]
  const accessor = accessors[file]
  if (!accessor) throw new Error(`no accessor for ${file}`)
  const found = accessor({ version: folder.slice(1) })
  if (!found) throw new Error(`${entry.deployment.file} is not in @safe-global/safe-deployments`)
  return found
}

describe('pinned Safe deployments', () => {
  it.each(KnownContracts.safeDeployments.map((entry) => [entry.label, entry] as const))(
    '%s matches @safe-global/safe-deployments',
    (_label, entry) => {
      expect(listed(entry).deployments[entry.deployment.network]?.address).toBe(entry.address)
    },
  )

  it('trusts exactly MultiSendCallOnly 1.3.0/1.4.1/1.5.0, SafeMigration 1.5.0 and SignMessageLib (canonical and eip155)', () => {
    const expected = [
      ...['1.3.0', '1.4.1', '1.5.0'].flatMap((version) => [
        deployments.getMultiSendCallOnlyDeployments({ version })?.deployments,
        deployments.getSignMessageLibDeployments({ version })?.deployments,
      ]),
      deployments.getSafeMigrationDeployments({ version: '1.5.0' })?.deployments,
    ].flatMap((byNetwork) => [byNetwork?.canonical?.address, byNetwork?.eip155?.address].filter(Boolean))
    const trusted = [...KnownContracts.builtin.values()]
      .filter((contract) => contract.trustedDelegatecall)
      .map((contract) => contract.address)
    expect(new Set(trusted)).toEqual(new Set(expected))
    expect(trusted).toHaveLength(9)
  })

  it('does not trust plain MultiSend for delegatecall', () => {
    for (const version of ['1.1.1', '1.3.0', '1.4.1', '1.5.0']) {
      const canonical = deployments.getMultiSendDeployments({ version })?.deployments.canonical?.address
      expect(canonical).toBeDefined()
      expect(KnownContracts.get(canonical as `0x${string}`)?.trustedDelegatecall).toBe(false)
    }
  })

  it('labels by checksummed address and returns nothing for an unknown one', () => {
    expect(KnownContracts.get('0x40A2aCCbd92BCA938b02010E17A5b8929b49130D')?.label).toBe(
      'MultiSendCallOnly 1.3.0',
    )
    expect(KnownContracts.get('0x0000000000000000000000000000000000000bad')).toBeUndefined()
  })
})

describe('built-in ABIs cover the Safe contracts', () => {
  // View-like functions that a Safe transaction has no reason to call; decoded as unknown on purpose.
  const ignored = new Set(['requiredTxGas', 'isValidSignature', 'simulateAndRevert', 'getStorageAt'])
  const cases: [string, Accessor, string][] = [
    ['Safe 1.1.1', deployments.getSafeSingletonDeployments, '1.1.1'],
    ['Safe 1.2.0', deployments.getSafeSingletonDeployments, '1.2.0'],
    ['Safe 1.3.0', deployments.getSafeSingletonDeployments, '1.3.0'],
    ['Safe 1.4.1', deployments.getSafeSingletonDeployments, '1.4.1'],
    ['Safe 1.5.0', deployments.getSafeSingletonDeployments, '1.5.0'],
    ['MultiSendCallOnly 1.4.1', deployments.getMultiSendCallOnlyDeployments, '1.4.1'],
    ['SafeMigration 1.5.0', deployments.getSafeMigrationDeployments, '1.5.0'],
    ['SafeToL2Migration 1.4.1', deployments.getSafeToL2MigrationDeployments, '1.4.1'],
    ['SignMessageLib 1.5.0', deployments.getSignMessageLibDeployments, '1.5.0'],
  ]
  it.each(cases)('%s: every state-changing function has a built-in selector', (_name, accessor, version) => {
    const abi = accessor({ version })?.abi as Abi
    const missing = abi
      .filter((item) => item.type === 'function')
      .filter(
        (item) =>
          item.stateMutability !== 'view' && item.stateMutability !== 'pure' && !ignored.has(item.name),
      )
      .map((item) => toFunctionSignature(item))
      .filter((signature) => !Abis.defaultRegistry.builtin.has(toFunctionSelector(signature)))
    expect(missing).toEqual([])
  })
})
