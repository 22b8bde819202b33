// Node only. Reaches node:fs and node:module through process.getBuiltinModule (Node ≥ 20.16), not
// through static imports, so the portable images index can re-export this without pulling Node
// built-ins into the renderer bundle; calling it outside Node fails with a typed error.
import { ZxingLoadError } from './errors.ts'

/**
 * Reads the zxing reader WebAssembly binary from the installed `zxing-wasm` package (node_modules),
 * for `QrReader.create({ wasmBinary })` in Node, tests and benchmarks.
 *
 * @example
 * const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
 */
export async function loadZxingReaderWasm(): Promise<Uint8Array> {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule
  if (typeof getBuiltin !== 'function') {
    throw new ZxingLoadError('Loading the QR decoder from node_modules only works in Node.', {
      hint: 'In the browser or Electron renderer, pass the bundled zxing_reader.wasm bytes to QrReader.create.',
    })
  }
  const { createRequire } = getBuiltin('node:module') as typeof import('node:module')
  const { readFile } = getBuiltin('node:fs/promises') as typeof import('node:fs/promises')
  let path: string
  try {
    path = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm')
  } catch (cause) {
    throw new ZxingLoadError('The zxing-wasm package is not installed.', {
      hint: 'Run pnpm install in the repository.',
      details: String(cause),
      cause,
    })
  }
  return new Uint8Array(await readFile(path))
}
