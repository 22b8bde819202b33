// CRC-32 (IEEE 802.3, the zlib polynomial) as the UR spec uses it for bytewords and fountain messages.
// Table-driven and Buffer-free so it runs in the renderer as well as in Node.

const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/**
 * CRC-32 of `bytes` as an unsigned 32-bit number.
 *
 * @example
 * Crc32.checksum(new TextEncoder().encode('Hello, world!')) // 0xebe6c6e6
 */
export function checksum(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) {
    crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  }
  return (crc ^ 0xffffffff) >>> 0
}

/**
 * CRC-32 as 4 big-endian bytes (the form bytewords appends).
 *
 * @example
 * Crc32.bytes(new Uint8Array([1, 2, 3])) // Uint8Array(4)
 */
export function bytes(data: Uint8Array): Uint8Array {
  const value = checksum(data)
  return new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff])
}
