import { LedgerDisplay, SafeTxHash, type SafeTxHashes } from '@airlock/safe'
import Eth from '@ledgerhq/hw-app-eth'
import type Transport from '@ledgerhq/hw-transport'
import {
  type Address,
  bytesToHex,
  getTypesForEIP712Domain,
  type Hex,
  hashDomain,
  hashStruct,
  hashTypedData,
  hexToBytes,
  isAddress,
  isAddressEqual,
  isHex,
} from 'viem'
import { publicKeyToAddress } from 'viem/accounts'
import * as BipPath from './BipPath.ts'
import { checkSignature } from './checkSignature.ts'
import type { Device, GetAddressParameters, Prompt, SignSafeTxParameters } from './Device.ts'
import { InvalidParameterError } from './errors.ts'
import * as LedgerStatus from './LedgerStatus.ts'
import { type AddressOutcome, descriptions, type Failure, failure, type SignOutcome } from './Outcome.ts'

/** Which EIP-712 mode to use: decided from the app and model (`auto`), or forced by policy. */
export type Eip712Preference = 'auto' | 'full' | 'hashed'

export type LedgerDeviceParameters = {
  /** Any Ledger transport: node-hid in the signer app (`@airlock/devices/node`), a mock in tests. */
  transport: Transport
  eip712?: Eip712Preference | undefined
}

/** The Ethereum app's answer to GET APP CONFIGURATION. */
export type AppConfiguration = {
  ok: true
  version: string
  /** The app's "Blind signing" setting; hashed EIP-712 needs it on recent app versions. */
  blindSigningEnabled: boolean
}

/** How a Safe transaction will be signed, known before the device is asked. */
export type Plan = {
  ok: true
  mode: 'eip712-full' | 'eip712-hashed'
  appVersion: string
  /** Ledger model id (`nanoS`, `nanoSP`, `nanoX`, `stax`, `europa`…), when the transport knows it. */
  model: string | undefined
  blindSigningEnabled: boolean
  hashes: SafeTxHashes
  display: LedgerDisplay.LedgerHashes
}

/** EIP-712 typed data as wallets exchange it (numbers may be bigint, number or decimal string). */
export type TypedDataInput = {
  domain: Record<string, unknown>
  types: Record<string, readonly { name: string; type: string }[]>
  primaryType: string
  message: Record<string, unknown>
}

export type SignTypedDataParameters = {
  typedData: TypedDataInput
  path: string
  expectedSigner: Address
}

export type TypedDataSigned = {
  ok: true
  kind: 'ledger'
  mode: Plan['mode']
  path: string
  signature: Hex
  signer: Address
  /** The EIP-712 digest the signature recovers over. */
  digest: Hex
}

/**
 * Resolution settings for `@ledgerhq/hw-app-eth` with every network service off: no CAL filters, no
 * ERC-20/NFT/plugin lookups, no static blobs. The signer is offline; a library default that fetches
 * must never be reached.
 */
export const offlineLoadConfig = {
  nftExplorerBaseURL: null,
  pluginBaseURL: null,
  extraPlugins: null,
  cryptoassetsBaseURL: null,
  calServiceURL: null,
  staticERC20Signatures: null,
  staticEIP712SignaturesV1: null,
  staticEIP712SignaturesV2: null,
} as const

/** Ethereum app versions: hashed EIP-712 (`signEIP712HashedMessage`) and full EIP-712 struct streaming. */
export const MIN_HASHED_VERSION = '1.5.0'
export const MIN_FULL_VERSION = '1.9.19'

// Statuses the full EIP-712 flow meets on apps or models that cannot stream this data (INS unknown,
// P1/P2 unknown, out of memory): `auto` then falls back to hashed mode. Never on a refusal.
const FULL_UNSUPPORTED = new Set([0x6d00, 0x6b00, 0x6a84])

/**
 * Picks full or hashed EIP-712 for an app version and model. Undefined when the app cannot sign as
 * asked (too old, or `full` forced on a Nano S).
 *
 * @example
 * chooseMode({ version: '1.10.3', model: 'nanoX', preference: 'auto' }) // 'eip712-full'
 * chooseMode({ version: '1.10.3', model: 'nanoS', preference: 'auto' }) // 'eip712-hashed'
 */
export function chooseMode({
  version,
  model,
  preference = 'auto',
}: {
  version: string
  model?: string | undefined
  preference?: Eip712Preference | undefined
}): Plan['mode'] | undefined {
  if (compareVersions(version, MIN_HASHED_VERSION) < 0) return undefined
  // The Nano S lacks the memory to stream large typed data; Ledger documents full mode as unsupported.
  const fullPossible = compareVersions(version, MIN_FULL_VERSION) >= 0 && model !== 'nanoS'
  if (preference === 'hashed') return 'eip712-hashed'
  if (preference === 'full') return fullPossible ? 'eip712-full' : undefined
  return fullPossible ? 'eip712-full' : 'eip712-hashed'
}

/**
 * A Ledger running the Ethereum app, over any transport.
 *
 * @example
 * const ledger = new LedgerDevice({ transport })
 * const outcome = await ledger.signSafeTx({ tx, context, path: "m/44'/60'/0'/0/0", expectedOwner })
 * if (outcome.ok) outcome.signature
 * else show(outcome.userMessage, outcome.hint)
 */
export class LedgerDevice implements Device {
  readonly kind = 'ledger' as const
  readonly transport: Transport
  readonly eip712: Eip712Preference
  readonly #eth: Eth

  constructor({ transport, eip712 = 'auto' }: LedgerDeviceParameters) {
    if (eip712 !== 'auto' && eip712 !== 'full' && eip712 !== 'hashed') {
      throw new InvalidParameterError(`Unknown EIP-712 preference ${JSON.stringify(eip712)}.`, {
        hint: 'Use auto, full or hashed.',
      })
    }
    this.transport = transport
    this.eip712 = eip712
    this.#eth = new Eth(transport, 'w0w', { ...offlineLoadConfig })
  }

  /**
   * Derives the address at `path` and checks it against the public key the device returns; with
   * `confirm`, the device shows it and the user must approve.
   *
   * @example
   * const outcome = await ledger.getAddress({ path: "m/44'/60'/0'/0/0", confirm: true })
   */
  async getAddress({ path, confirm = false }: GetAddressParameters): Promise<AddressOutcome> {
    const ledgerPath = BipPath.toLedger(path)
    let response: { publicKey: string; address: string }
    try {
      response = await this.#eth.getAddress(ledgerPath, confirm, false)
    } catch (error) {
      return this.#failure(error)
    }
    const publicKey = `0x${response.publicKey}`
    if (!isHex(publicKey) || publicKey.length !== 2 + 130 || !publicKey.startsWith('0x04')) {
      return failure({
        kind: 'ledger',
        code: 'invalid-response',
        details: `public key is not 65 uncompressed bytes: ${response.publicKey.slice(0, 140)}`,
      })
    }
    const derived = publicKeyToAddress(publicKey)
    if (!isAddress(response.address, { strict: false }) || !isAddressEqual(response.address, derived)) {
      return failure({
        kind: 'ledger',
        code: 'invalid-response',
        details: `address ${response.address.slice(0, 50)} is not the address of public key ${publicKey} (${derived})`,
      })
    }
    return {
      ok: true,
      kind: 'ledger',
      path: BipPath.normalize(path),
      address: derived,
      publicKey,
      confirmed: confirm,
    }
  }

  /**
   * Reads the Ethereum app's version and settings. A failure means the app is not reachable
   * (locked, another app open, unplugged).
   *
   * @example
   * const config = await ledger.appConfiguration()
   */
  async appConfiguration(): Promise<AppConfiguration | Failure> {
    let config: { arbitraryDataEnabled: number; version: string }
    try {
      config = await this.#eth.getAppConfiguration()
    } catch (error) {
      return this.#failure(error)
    }
    if (!/^\d+\.\d+\.\d+$/.test(config.version)) {
      return failure({ kind: 'ledger', code: 'invalid-response', details: `app version ${config.version}` })
    }
    return { ok: true, version: config.version, blindSigningEnabled: config.arbitraryDataEnabled !== 0 }
  }

  /**
   * How `signSafeTx` will sign (full or hashed EIP-712) and the hashes the device will show.
   *
   * @example
   * const plan = await ledger.plan({ tx, context })
   * if (plan.ok && plan.mode === 'eip712-hashed') show(plan.display.domainHash, plan.display.messageHash)
   */
  async plan({ tx, context }: Pick<SignSafeTxParameters, 'tx' | 'context'>): Promise<Plan | Failure> {
    const hashes = SafeTxHash.compute({ tx, context })
    return this.#plan(hashes)
  }

  /**
   * Signs a Safe transaction as EIP-712 typed data (full, or the domain and message hashes), then
   * checks that the signature recovers to `expectedOwner` over the safeTxHash computed here.
   *
   * @example
   * const outcome = await ledger.signSafeTx({ tx, context, path: "m/44'/60'/0'/0/0", expectedOwner })
   */
  async signSafeTx({
    tx,
    context,
    path,
    expectedOwner,
    owners = [],
    onPrompt,
  }: SignSafeTxParameters): Promise<SignOutcome> {
    const owner = parseOwner(expectedOwner)
    const hashes = SafeTxHash.compute({ tx, context })
    const typed = SafeTxHash.typedData({ tx, context }) as unknown as TypedDataInput
    const result = await this.#sign({
      path,
      expectedSigner: owner,
      json: toLedgerJson(typed),
      hashes,
      chainId: context.chainId,
      knownSigners: owners,
      onPrompt,
    })
    if (!result.ok) return result
    return {
      ok: true,
      kind: 'ledger',
      mode: result.mode,
      path: result.path,
      signature: result.signature,
      signer: result.signer,
      hashes,
    }
  }

  /**
   * Signs any EIP-712 typed data with the same checks as `signSafeTx` (the signer is recovered over
   * the digest computed here). For Safe transactions use `signSafeTx`.
   *
   * @example
   * const outcome = await ledger.signTypedData({ typedData, path: "m/44'/60'/0'/0/0", expectedSigner })
   */
  async signTypedData({
    typedData,
    path,
    expectedSigner,
  }: SignTypedDataParameters): Promise<TypedDataSigned | Failure> {
    const signer = parseOwner(expectedSigner)
    let types: TypedDataInput['types']
    let hashes: SafeTxHashes
    let chainId: bigint | undefined
    try {
      types = {
        EIP712Domain: getTypesForEIP712Domain({ domain: typedData.domain as never }),
        ...typedData.types,
      }
      hashes = {
        domainHash: hashDomain({ domain: typedData.domain as never, types }),
        messageHash: hashStruct({
          data: typedData.message,
          primaryType: typedData.primaryType,
          types,
        } as never),
        safeTxHash: hashTypedData({ ...typedData, types } as never),
      }
      const domainChainId = typedData.domain.chainId
      chainId = domainChainId === undefined ? undefined : BigInt(domainChainId as bigint | number | string)
    } catch (error) {
      throw new InvalidParameterError('The typed data is not valid EIP-712.', {
        hint: 'Give domain, types, primaryType and message as eth_signTypedData_v4 does.',
        details: error instanceof Error ? error.message.split('\n')[0] : String(error),
        cause: error,
      })
    }
    const result = await this.#sign({
      path,
      expectedSigner: signer,
      json: toLedgerJson({ ...typedData, types }),
      hashes,
      chainId,
      knownSigners: [],
      onPrompt: undefined,
    })
    if (!result.ok) return result
    return { ...result, digest: hashes.safeTxHash }
  }

  /** Releases the transport (closes the HID handle). */
  async close(): Promise<void> {
    await this.transport.close()
  }

  async #plan(hashes: SafeTxHashes): Promise<Plan | Failure> {
    const config = await this.appConfiguration()
    if (!config.ok) return config
    const model = this.transport.deviceModel?.id
    const mode = chooseMode({ version: config.version, model, preference: this.eip712 })
    if (mode === undefined) {
      return failure({
        kind: 'ledger',
        code: 'unsupported',
        details: `Ethereum app ${config.version} on ${model ?? 'an unknown model'}, EIP-712 preference ${this.eip712}`,
      })
    }
    return {
      ok: true,
      mode,
      appVersion: config.version,
      model,
      blindSigningEnabled: config.blindSigningEnabled,
      hashes,
      display: LedgerDisplay.fromHashes(hashes),
    }
  }

  async #sign({
    path,
    expectedSigner,
    json,
    hashes,
    chainId,
    knownSigners,
    onPrompt,
  }: {
    path: string
    expectedSigner: Address
    json: LedgerJson
    hashes: SafeTxHashes
    chainId: bigint | undefined
    knownSigners: readonly Address[]
    onPrompt: ((prompt: Prompt) => void) | undefined
  }): Promise<
    { ok: true; kind: 'ledger'; mode: Plan['mode']; path: string; signature: Hex; signer: Address } | Failure
  > {
    const ledgerPath = BipPath.toLedger(path)
    const plan = await this.#plan(hashes)
    if (!plan.ok) return plan
    // Ask the device which key sits at the path before the user reviews anything: a wrong device or
    // path is refused without a signing prompt.
    const account = await this.getAddress({ path })
    if (!account.ok) return account
    if (!isAddressEqual(account.address, expectedSigner)) {
      return failure({
        kind: 'ledger',
        code: 'wrong-signer',
        recovered: account.address,
        details: `the key at ${BipPath.normalize(path)} is ${account.address}, expected ${expectedSigner}`,
      })
    }
    let mode = plan.mode
    let raw: { v: number; r: string; s: string }
    try {
      raw = await this.#request({ mode, ledgerPath, json, hashes, onPrompt })
    } catch (error) {
      const status = statusOf(error)
      if (
        !(
          mode === 'eip712-full' &&
          this.eip712 === 'auto' &&
          status !== undefined &&
          FULL_UNSUPPORTED.has(status)
        )
      ) {
        return this.#signFailure(error, plan)
      }
      mode = 'eip712-hashed'
      try {
        raw = await this.#request({ mode, ledgerPath, json, hashes, onPrompt })
      } catch (retryError) {
        return this.#signFailure(retryError, plan)
      }
    }
    const signature = rawSignature(raw)
    if (signature === undefined) {
      return failure({
        kind: 'ledger',
        code: 'invalid-signature',
        details: `device returned v=${String(raw.v)} r=${String(raw.r).slice(0, 70)} s=${String(raw.s).slice(0, 70)}`,
      })
    }
    const checked = checkSignature({
      signature,
      hashes,
      expectedOwner: expectedSigner,
      chainId,
      knownSigners: [account.address, ...knownSigners],
    })
    if (!checked.ok) {
      return failure({
        kind: 'ledger',
        code: checked.code,
        details: checked.details,
        recovered: checked.recovered,
      })
    }
    return {
      ok: true,
      kind: 'ledger',
      mode,
      path: BipPath.normalize(path),
      signature: checked.signature,
      signer: checked.signer,
    }
  }

  async #request({
    mode,
    ledgerPath,
    json,
    hashes,
    onPrompt,
  }: {
    mode: Plan['mode']
    ledgerPath: string
    json: LedgerJson
    hashes: SafeTxHashes
    onPrompt: ((prompt: Prompt) => void) | undefined
  }): Promise<{ v: number; r: string; s: string }> {
    onPrompt?.({ kind: 'ledger', mode, hashes, display: LedgerDisplay.fromHashes(hashes) })
    if (mode === 'eip712-full') {
      return this.#eth.signEIP712Message(ledgerPath, json as never)
    }
    return this.#eth.signEIP712HashedMessage(
      ledgerPath,
      hashes.domainHash.slice(2),
      hashes.messageHash.slice(2),
    )
  }

  // 0x6A80 is the app's "invalid data": blind signing is off only if the app's configuration, read
  // just before signing, says so; otherwise the data itself was refused.
  #signFailure(error: unknown, plan: Plan): Failure {
    const outcome = this.#failure(error)
    if (outcome.statusWord === 0x6a80 && !plan.blindSigningEnabled)
      return { ...outcome, ...descriptions['blind-signing-disabled'] }
    return outcome
  }

  #failure(error: unknown): Failure {
    const outcome = LedgerStatus.fromError(error)
    if (outcome === undefined) throw error
    return outcome
  }
}

type LedgerJson = {
  domain: Record<string, unknown>
  types: Record<string, readonly { name: string; type: string }[]>
  primaryType: string
  message: Record<string, unknown>
}

/**
 * Typed data as the JSON the Ledger library streams: bigints as decimal strings (the library reads
 * numbers with bignumber.js; a JS number would lose precision above 2^53).
 */
function toLedgerJson(typedData: TypedDataInput): LedgerJson {
  const text = JSON.stringify(typedData, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  )
  return JSON.parse(text) as LedgerJson
}

function parseOwner(value: Address): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) {
    throw new InvalidParameterError(`The expected owner is not an address: ${JSON.stringify(value)}.`, {
      hint: 'Give the Safe owner’s 0x-prefixed 20-byte address.',
    })
  }
  return value
}

function statusOf(error: unknown): number | undefined {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode
  return typeof statusCode === 'number' ? statusCode : undefined
}

/** r ‖ s ‖ v from the library's `{ v, r, s }`; undefined when the device sent the wrong sizes. */
function rawSignature({ v, r, s }: { v: number; r: string; s: string }): Hex | undefined {
  if (!Number.isInteger(v) || v < 0 || v > 255) return undefined
  if (
    typeof r !== 'string' ||
    typeof s !== 'string' ||
    !/^[0-9a-f]{64}$/i.test(r) ||
    !/^[0-9a-f]{64}$/i.test(s)
  ) {
    return undefined
  }
  const bytes = new Uint8Array(65)
  bytes.set(hexToBytes(`0x${r}`), 0)
  bytes.set(hexToBytes(`0x${s}`), 32)
  bytes[64] = v
  return bytesToHex(bytes)
}

function compareVersions(a: string, b: string): number {
  const parse = (v: string) =>
    v
      .split(/[.-]/)
      .slice(0, 3)
      .map((part) => Number.parseInt(part, 10) || 0)
  const [x, y] = [parse(a), parse(b)]
  for (let i = 0; i < 3; i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}
