// Request ids are UUIDs on the wire (16 bytes under tag 37) and canonical strings in the API,
// as in Keystone's SDK. Portable: Web Crypto only, no Buffer.
import { KeystoneRequestParameterError } from './errors.ts'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A fresh random (version 4) UUID; Keystone's own SDK refuses to print ids that are not RFC 4122.
 *
 * @example
 * random() // 'e3b0c442-98fc-4c14-9afb-f4c8996fb924'
 */
export function random(): string {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  return format(bytes)
}

/**
 * A UUID string to its 16 bytes.
 *
 * @example
 * parse('9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d') // Uint8Array(16) [0x9b, 0x1d, …]
 */
export function parse(id: string): Uint8Array {
  if (typeof id !== 'string' || !UUID_PATTERN.test(id)) {
    throw new KeystoneRequestParameterError(`The request id is not a UUID: ${JSON.stringify(id)}.`, {
      hint: 'Give a UUID like 9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d, or leave it out to get a random one.',
    })
  }
  const hex = id.replaceAll('-', '')
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/**
 * 16 bytes to the canonical lowercase string.
 *
 * @example
 * format(parse(id)) === id.toLowerCase()
 */
export function format(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
