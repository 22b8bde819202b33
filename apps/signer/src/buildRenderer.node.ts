// Node only: builds the app with Vite's JS API. The renderer (tests and the benchmark build it once
// per run), and main + preload for Electron: main as one ES module (electron and Node built-ins
// external; node-hid is loaded only when a Ledger is asked for), the preload as one CommonJS file that
// requires nothing but electron, as a sandboxed preload must.
import { join } from 'node:path'
import * as Desktop from '@airlock/desktop/build'

const appDir = join(import.meta.dirname, '..')

/**
 * Builds the renderer into `outDir` (default apps/signer/dist/renderer) and returns the directory.
 *
 * @example
 * const dir = await buildRenderer({ outDir: mkdtempSync(join(tmpdir(), 'renderer-')) })
 */
export function buildRenderer({ outDir }: { outDir?: string | undefined } = {}): Promise<string> {
  return Desktop.buildRenderer({ appDir, outDir: outDir ?? join(appDir, 'dist', 'renderer') })
}

/**
 * Builds main (`signer.main.js`) and the preload (`signer.preload.cjs`) into `outDir` (default
 * apps/signer/dist, next to the renderer) and returns their paths.
 *
 * @example
 * const { main, preload } = await buildMain()
 */
export function buildMain({ outDir }: { outDir?: string | undefined } = {}): Promise<{
  main: string
  preload: string
}> {
  return Desktop.buildMain({
    appDir,
    name: 'signer',
    outDir: outDir ?? join(appDir, 'dist'),
    mainExternals: [/^node:/, 'node-hid', 'usb'],
  })
}
