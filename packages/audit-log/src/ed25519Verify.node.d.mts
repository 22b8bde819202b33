/** Which library checks signatures: libsodium (sodium-native) when it loads, else OpenSSL. */
export declare const backend: 'libsodium' | 'openssl'
/** A verification function for one raw 32-byte public key; never throws. `use` picks the library. */
export declare function verifierFor(
  publicKey: Uint8Array,
  use?: 'libsodium' | 'openssl',
): (message: Uint8Array, signature: Uint8Array) => boolean
