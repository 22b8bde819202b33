// Test support (Node only: Ledger transports speak Buffer). A stand-in for a Ledger running the
// Ethereum app, at the narrowest point: `transport.exchange(apdu)`. It parses the APDUs the way the
// app does and answers with signatures made by a real key, so a test proves which hashes and typed
// data our adapter sent, not just that some bytes came back.
import Transport from '@ledgerhq/hw-transport'
import {
  bytesToHex,
  concat,
  type Hex,
  hashMessage,
  hashTypedData,
  hexToBigInt,
  hexToBytes,
  keccak256,
  numberToHex,
} from 'viem'
import { type HDAccount, mnemonicToAccount, sign } from 'viem/accounts'

/** The "abandon … about" BIP-39 test mnemonic. */
export const TEST_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'

/** What a simulated request looks like to an `intercept` hook. */
export type Apdu = { cla: number; ins: number; p1: number; p2: number; data: Uint8Array }

/** What the simulated device signed, for assertions. */
export type SignedRecord =
  | { mode: 'eip712-hashed'; path: string; domainHash: Hex; messageHash: Hex; digest: Hex }
  | { mode: 'eip712-full'; path: string; typedData: SimulatedTypedData; digest: Hex }

export type SimulatedTypedData = {
  types: Record<string, { name: string; type: string }[]>
  primaryType: string
  domain: Record<string, unknown>
  message: Record<string, unknown>
}

export type EthAppSimulatorOptions = {
  /** The seed the device reports addresses for. */
  mnemonic?: string | undefined
  /** Sign with this seed instead: a device whose signatures are not its reported key's. */
  signingMnemonic?: string | undefined
  /** Ethereum app version reported by GET APP CONFIGURATION and GET APP AND VERSION. */
  version?: string | undefined
  /** The app's blind-signing setting; hashed EIP-712 is refused with 0x6a80 when off. */
  blindSigning?: boolean | undefined
  /** Ledger model id exposed as `transport.deviceModel.id`. */
  model?: string | undefined
  /** Whether the app streams EIP-712 structs (INS 0x1a/0x1c); 0x6d00 otherwise, like old apps. */
  fullEip712?: boolean | undefined
  /** Misbehaviours: sign other data, sign as a personal message, return a high-s signature. */
  tamper?: 'other-hash' | 'personal' | 'high-s' | undefined
  /** Answer a status word or throw an error instead of running an APDU; undefined runs it. */
  intercept?: ((apdu: Apdu) => number | Error | undefined) | undefined
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const OK = 0x9000

type FieldDef = { name: string; type: string }
type RootImpl = { type: string; values: Record<string, unknown>; index: number }

/**
 * A simulated Ledger Ethereum app behind a `Transport`.
 *
 * @example
 * const transport = new EthAppSimulator({ version: '1.13.0' })
 * const ledger = new LedgerDevice({ transport })
 */
export class EthAppSimulator extends Transport {
  readonly options: EthAppSimulatorOptions
  /** Every APDU received, as hex. */
  readonly received: Hex[] = []
  /** Every signature made. */
  readonly signed: SignedRecord[] = []
  readonly #accounts = new Map<string, HDAccount>()
  #structs = new Map<string, FieldDef[]>()
  #roots: RootImpl[] = []
  #pendingField: Uint8Array[] = []

  constructor(options: EthAppSimulatorOptions = {}) {
    super()
    this.options = options
    if (options.model !== undefined) {
      ;(this as { deviceModel: unknown }).deviceModel = { id: options.model }
    }
  }

  override async exchange(apdu: Buffer): Promise<Buffer> {
    const bytes = new Uint8Array(apdu)
    this.received.push(bytesToHex(bytes))
    const parsed: Apdu = {
      cla: bytes[0] ?? 0,
      ins: bytes[1] ?? 0,
      p1: bytes[2] ?? 0,
      p2: bytes[3] ?? 0,
      data: bytes.subarray(5, 5 + (bytes[4] ?? 0)),
    }
    const intercepted = this.options.intercept?.(parsed)
    if (intercepted instanceof Error) throw intercepted
    if (typeof intercepted === 'number') return reply(new Uint8Array(), intercepted)
    const [data, status] = await this.#run(parsed)
    return reply(data, status)
  }

  override async close(): Promise<void> {}

  async #run({ cla, ins, p1, p2, data }: Apdu): Promise<[Uint8Array, number]> {
    const version = (this.options.version ?? '1.13.0').split('.').map(Number)
    if (cla === 0xb0 && ins === 0x01) {
      const name = new TextEncoder().encode('Ethereum')
      const ver = new TextEncoder().encode(this.options.version ?? '1.13.0')
      return [Uint8Array.from([1, name.length, ...name, ver.length, ...ver, 1, 0]), OK]
    }
    if (cla !== 0xe0) return [new Uint8Array(), 0x6e00]
    const full = this.options.fullEip712 ?? true
    switch (ins) {
      case 0x06:
        return [Uint8Array.from([this.options.blindSigning === false ? 0 : 1, ...version.slice(0, 3)]), OK]
      case 0x02:
        return [this.#address(data), OK]
      case 0x1a:
        if (!full) return [new Uint8Array(), 0x6d00]
        this.#structDef(p2, data)
        return [new Uint8Array(), OK]
      case 0x1c:
        if (!full) return [new Uint8Array(), 0x6d00]
        this.#structImpl(p1, p2, data)
        return [new Uint8Array(), OK]
      case 0x1e:
        return [new Uint8Array(), OK]
      case 0x0c:
        return this.#sign(p2, data)
      default:
        return [new Uint8Array(), 0x6d00]
    }
  }

  #address(data: Uint8Array): Uint8Array {
    const { path } = readPath(data)
    const account = this.#account(this.options.mnemonic ?? TEST_MNEMONIC, path)
    const publicKey = hexToBytes(account.publicKey)
    const address = new TextEncoder().encode(account.address.slice(2))
    return Uint8Array.from([publicKey.length, ...publicKey, address.length, ...address])
  }

  #structDef(p2: number, data: Uint8Array): void {
    const text = new TextDecoder()
    if (p2 === 0x00) {
      this.#structs.set(text.decode(data), [])
      return
    }
    const current = [...this.#structs.values()].at(-1)
    if (!current) throw new Error('simulator: field before struct name')
    let offset = 0
    const desc = data[offset++] ?? 0
    if (desc & 0x80) throw new Error('simulator: array fields are not simulated')
    const key = desc & 0x0f
    let custom = ''
    if (key === 0) {
      const length = data[offset++] ?? 0
      custom = text.decode(data.subarray(offset, offset + length))
      offset += length
    }
    const size = desc & 0x40 ? (data[offset++] ?? 0) : undefined
    const nameLength = data[offset++] ?? 0
    const name = text.decode(data.subarray(offset, offset + nameLength))
    const type =
      key === 1
        ? `int${(size ?? 32) * 8}`
        : key === 2
          ? `uint${(size ?? 32) * 8}`
          : key === 3
            ? 'address'
            : key === 4
              ? 'bool'
              : key === 5
                ? 'string'
                : key === 6
                  ? `bytes${size}`
                  : key === 7
                    ? 'bytes'
                    : custom
    current.push({ name, type })
  }

  #structImpl(p1: number, p2: number, data: Uint8Array): void {
    if (p2 === 0x00) {
      this.#roots.push({ type: new TextDecoder().decode(data), values: {}, index: 0 })
      return
    }
    if (p2 !== 0xff) throw new Error('simulator: arrays are not simulated')
    this.#pendingField.push(data.slice())
    if (p1 === 0x01) return // partial: more chunks follow
    const whole = concatBytes(this.#pendingField)
    this.#pendingField = []
    const length = ((whole[0] ?? 0) << 8) | (whole[1] ?? 0)
    const value = whole.subarray(2, 2 + length)
    const root = this.#roots.at(-1)
    const fields = root && this.#structs.get(root.type)
    const field = fields?.[root?.index ?? 0]
    if (!root || !field) throw new Error('simulator: field value without a struct')
    root.values[field.name] = decodeValue(field.type, value)
    root.index++
  }

  async #sign(p2: number, data: Uint8Array): Promise<[Uint8Array, number]> {
    const { path, rest } = readPath(data)
    let digest: Hex
    if (p2 === 0x00) {
      if (this.options.blindSigning === false) return [new Uint8Array(), 0x6a80]
      const domainHash = bytesToHex(rest.subarray(0, 32))
      const messageHash = bytesToHex(rest.subarray(32, 64))
      digest = keccak256(concat(['0x1901', domainHash, messageHash]))
      this.signed.push({ mode: 'eip712-hashed', path, domainHash, messageHash, digest })
    } else {
      const domain = this.#roots.find((root) => root.type === 'EIP712Domain')
      const message = this.#roots.findLast((root) => root.type !== 'EIP712Domain')
      if (!domain || !message) return [new Uint8Array(), 0x6a80]
      const typedData: SimulatedTypedData = {
        types: Object.fromEntries(this.#structs),
        primaryType: message.type,
        domain: domain.values,
        message: message.values,
      }
      digest = hashTypedData(typedData as never)
      this.signed.push({ mode: 'eip712-full', path, typedData, digest })
      this.#structs = new Map()
      this.#roots = []
    }
    const account = this.#account(
      this.options.signingMnemonic ?? this.options.mnemonic ?? TEST_MNEMONIC,
      path,
    )
    let target = digest
    if (this.options.tamper === 'other-hash') target = keccak256(concat([digest, '0x01']))
    if (this.options.tamper === 'personal') target = hashMessage({ raw: digest })
    return [await signRaw(account, target, this.options.tamper === 'high-s'), OK]
  }

  #account(mnemonic: string, path: string): HDAccount {
    const key = `${mnemonic}|${path}`
    let account = this.#accounts.get(key)
    if (!account) {
      account = mnemonicToAccount(mnemonic, { path: path as `m/44'/60'/${string}` })
      this.#accounts.set(key, account)
    }
    return account
  }
}

async function signRaw(account: HDAccount, hash: Hex, highS: boolean): Promise<Uint8Array> {
  const privateKey = account.getHdKey().privateKey
  if (!privateKey) throw new Error('simulator: no private key')
  const signature = await sign({ hash, privateKey: bytesToHex(privateKey) })
  let s = hexToBigInt(signature.s)
  let yParity = signature.yParity ?? 0
  if (highS) {
    s = SECP256K1_N - s
    yParity = yParity === 0 ? 1 : 0
  }
  return Uint8Array.from([
    27 + yParity,
    ...hexToBytes(signature.r),
    ...hexToBytes(numberToHex(s, { size: 32 })),
  ])
}

function readPath(data: Uint8Array): { path: string; rest: Uint8Array } {
  const depth = data[0] ?? 0
  const parts: string[] = []
  for (let i = 0; i < depth; i++) {
    const offset = 1 + i * 4
    const value =
      (((data[offset] ?? 0) << 24) |
        ((data[offset + 1] ?? 0) << 16) |
        ((data[offset + 2] ?? 0) << 8) |
        (data[offset + 3] ?? 0)) >>>
      0
    parts.push(value >= 0x8000_0000 ? `${value - 0x8000_0000}'` : `${value}`)
  }
  return { path: `m/${parts.join('/')}`, rest: data.subarray(1 + depth * 4) }
}

function decodeValue(type: string, value: Uint8Array): unknown {
  if (type.startsWith('uint')) return value.length === 0 ? 0n : hexToBigInt(bytesToHex(value))
  if (type.startsWith('int')) {
    const bits = BigInt(value.length * 8)
    const raw = value.length === 0 ? 0n : hexToBigInt(bytesToHex(value))
    return bits > 0n && raw >> (bits - 1n) === 1n ? raw - (1n << bits) : raw
  }
  if (type === 'address') return bytesToHex(value)
  if (type === 'bool') return value.some((byte) => byte !== 0)
  if (type === 'string') return new TextDecoder().decode(value)
  if (type.startsWith('bytes')) return bytesToHex(value)
  throw new Error(`simulator: nested type ${type} is not simulated`)
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

function reply(data: Uint8Array, status: number): Buffer {
  return Buffer.from([...data, status >> 8, status & 0xff])
}
