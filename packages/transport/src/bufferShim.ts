// @ngraveio/bc-ur (and cbor-sync under it) use the global `Buffer`, which exists in Node but not in a
// sandboxed Electron renderer or a browser. Install the `buffer` package's implementation when it is
// missing, before those modules load; our own API stays Uint8Array-only. In Node this is a no-op.
import { Buffer as BufferPolyfill } from 'buffer'

const scope = globalThis as { Buffer?: unknown }
if (scope.Buffer === undefined) scope.Buffer = BufferPolyfill
