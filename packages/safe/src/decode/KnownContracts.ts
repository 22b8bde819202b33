import type { Address } from 'viem'

/** What a known address is, as far as decoding and tiering care. */
export type ContractKind =
  | 'multisend'
  | 'multisend-call-only'
  | 'safe-migration'
  | 'sign-message-lib'
  | 'safe-singleton'
  | 'fallback-handler'
  | 'permit2'
  | 'erc20'
  | 'erc721'
  | 'erc1155'
  | 'contract'

/** A contract the signer knows offline, with the label it shows. */
export type KnownContract = {
  address: Address
  label: string
  kind: ContractKind
  /** Whether a delegatecall (operation 1) to it may run in the Safe's storage without a critical finding. */
  trustedDelegatecall: boolean
}

/** A Safe deployment pinned here, and where @safe-global/safe-deployments lists it (checked in a test). */
export type SafeDeployment = KnownContract & {
  deployment: { file: string; network: 'canonical' | 'eip155' }
}

const safe = (
  file: string,
  network: 'canonical' | 'eip155',
  address: Address,
  label: string,
  kind: ContractKind,
  trustedDelegatecall: boolean,
): SafeDeployment => ({ address, label, kind, trustedDelegatecall, deployment: { file, network } })

/**
 * Safe's own deployments, pinned by address so nothing online can add to them. Only MultiSendCallOnly,
 * SafeMigration 1.5.0 and SignMessageLib are trusted delegatecall targets: plain MultiSend can itself
 * delegatecall anything, so a batch sent through it is only as safe as its inner delegatecalls.
 */
export const safeDeployments: readonly SafeDeployment[] = [
  safe(
    'v1.3.0/multi_send_call_only.json',
    'canonical',
    '0x40A2aCCbd92BCA938b02010E17A5b8929b49130D',
    'MultiSendCallOnly 1.3.0',
    'multisend-call-only',
    true,
  ),
  safe(
    'v1.3.0/multi_send_call_only.json',
    'eip155',
    '0xA1dabEF33b3B82c7814B6D82A79e50F4AC44102B',
    'MultiSendCallOnly 1.3.0 (eip155)',
    'multisend-call-only',
    true,
  ),
  safe(
    'v1.4.1/multi_send_call_only.json',
    'canonical',
    '0x9641d764fc13c8B624c04430C7356C1C7C8102e2',
    'MultiSendCallOnly 1.4.1',
    'multisend-call-only',
    true,
  ),
  safe(
    'v1.5.0/multi_send_call_only.json',
    'canonical',
    '0xA83c336B20401Af773B6219BA5027174338D1836',
    'MultiSendCallOnly 1.5.0',
    'multisend-call-only',
    true,
  ),
  safe(
    'v1.5.0/safe_migration.json',
    'canonical',
    '0x6439e7ABD8Bb915A5263094784C5CF561c4172AC',
    'SafeMigration 1.5.0',
    'safe-migration',
    true,
  ),
  safe(
    'v1.3.0/sign_message_lib.json',
    'canonical',
    '0xA65387F16B013cf2Af4605Ad8aA5ec25a2cbA3a2',
    'SignMessageLib 1.3.0',
    'sign-message-lib',
    true,
  ),
  safe(
    'v1.3.0/sign_message_lib.json',
    'eip155',
    '0x98FFBBF51bb33A056B08ddf711f289936AafF717',
    'SignMessageLib 1.3.0 (eip155)',
    'sign-message-lib',
    true,
  ),
  safe(
    'v1.4.1/sign_message_lib.json',
    'canonical',
    '0xd53cd0aB83D845Ac265BE939c57F53AD838012c9',
    'SignMessageLib 1.4.1',
    'sign-message-lib',
    true,
  ),
  safe(
    'v1.5.0/sign_message_lib.json',
    'canonical',
    '0x4FfeF8222648872B3dE295Ba1e49110E61f5b5aa',
    'SignMessageLib 1.5.0',
    'sign-message-lib',
    true,
  ),
  // Known, labelled, but not trusted for delegatecall.
  safe(
    'v1.1.1/multi_send.json',
    'canonical',
    '0x8D29bE29923b68abfDD21e541b9374737B49cdAD',
    'MultiSend 1.1.1',
    'multisend',
    false,
  ),
  safe(
    'v1.3.0/multi_send.json',
    'canonical',
    '0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761',
    'MultiSend 1.3.0',
    'multisend',
    false,
  ),
  safe(
    'v1.3.0/multi_send.json',
    'eip155',
    '0x998739BFdAAdde7C933B942a68053933098f9EDa',
    'MultiSend 1.3.0 (eip155)',
    'multisend',
    false,
  ),
  safe(
    'v1.4.1/multi_send.json',
    'canonical',
    '0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526',
    'MultiSend 1.4.1',
    'multisend',
    false,
  ),
  safe(
    'v1.5.0/multi_send.json',
    'canonical',
    '0x218543288004CD07832472D464648173c77D7eB7',
    'MultiSend 1.5.0',
    'multisend',
    false,
  ),
  safe(
    'v1.4.1/safe_migration.json',
    'canonical',
    '0x526643F69b81B008F46d95CD5ced5eC0edFFDaC6',
    'SafeMigration 1.4.1',
    'safe-migration',
    false,
  ),
  safe(
    'v1.4.1/safe_to_l2_migration.json',
    'canonical',
    '0xfF83F6335d8930cBad1c0D439A841f01888D9f69',
    'SafeToL2Migration 1.4.1',
    'safe-migration',
    false,
  ),
  safe(
    'v1.1.1/gnosis_safe.json',
    'canonical',
    '0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F',
    'Safe 1.1.1 singleton',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.2.0/gnosis_safe.json',
    'canonical',
    '0x6851D6fDFAfD08c0295C392436245E5bc78B0185',
    'Safe 1.2.0 singleton',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.3.0/gnosis_safe.json',
    'canonical',
    '0xd9Db270c1B5E3Bd161E8c8503c55cEABeE709552',
    'Safe 1.3.0 singleton',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.3.0/gnosis_safe.json',
    'eip155',
    '0x69f4D1788e39c87893C980c06EdF4b7f686e2938',
    'Safe 1.3.0 singleton (eip155)',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.3.0/gnosis_safe_l2.json',
    'canonical',
    '0x3E5c63644E683549055b9Be8653de26E0B4CD36E',
    'Safe 1.3.0 L2 singleton',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.3.0/gnosis_safe_l2.json',
    'eip155',
    '0xfb1bffC9d739B8D520DaF37dF666da4C687191EA',
    'Safe 1.3.0 L2 singleton (eip155)',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.4.1/safe.json',
    'canonical',
    '0x41675C099F32341bf84BFc5382aF534df5C7461a',
    'Safe 1.4.1 singleton',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.4.1/safe_l2.json',
    'canonical',
    '0x29fcB43b46531BcA003ddC8FCB67FFE91900C762',
    'Safe 1.4.1 L2 singleton',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.5.0/safe.json',
    'canonical',
    '0xFf51A5898e281Db6DfC7855790607438dF2ca44b',
    'Safe 1.5.0 singleton',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.5.0/safe_l2.json',
    'canonical',
    '0xEdd160fEBBD92E350D4D398fb636302fccd67C7e',
    'Safe 1.5.0 L2 singleton',
    'safe-singleton',
    false,
  ),
  safe(
    'v1.3.0/compatibility_fallback_handler.json',
    'canonical',
    '0xf48f2B2d2a534e402487b3ee7C18c33Aec0Fe5e4',
    'CompatibilityFallbackHandler 1.3.0',
    'fallback-handler',
    false,
  ),
  safe(
    'v1.3.0/compatibility_fallback_handler.json',
    'eip155',
    '0x017062a1dE2FE6b99BE3d9d37841FeD19F573804',
    'CompatibilityFallbackHandler 1.3.0 (eip155)',
    'fallback-handler',
    false,
  ),
  safe(
    'v1.4.1/compatibility_fallback_handler.json',
    'canonical',
    '0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99',
    'CompatibilityFallbackHandler 1.4.1',
    'fallback-handler',
    false,
  ),
  safe(
    'v1.5.0/compatibility_fallback_handler.json',
    'canonical',
    '0x3EfCBb83A4A7AfcB4F68D501E2c2203a38be77f4',
    'CompatibilityFallbackHandler 1.5.0',
    'fallback-handler',
    false,
  ),
]

/** Uniswap's Permit2, at the same address on every chain. */
export const permit2: KnownContract = {
  address: '0x000000000022D473030F116dDEE9F6B43aC78BA3',
  label: 'Permit2',
  kind: 'permit2',
  trustedDelegatecall: false,
}

/** Every built-in known contract, by checksummed address. */
export const builtin: ReadonlyMap<Address, KnownContract> = new Map(
  [...safeDeployments, permit2].map((contract) => [contract.address, contract]),
)

/**
 * The built-in entry for an address (checksummed), if any.
 *
 * @example
 * KnownContracts.get('0x40A2aCCbd92BCA938b02010E17A5b8929b49130D')?.label // 'MultiSendCallOnly 1.3.0'
 */
export function get(address: Address): KnownContract | undefined {
  return builtin.get(address)
}
