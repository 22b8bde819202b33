// Node only: builds the app with Vite's JS API: the renderer (tests and the bench build it once per
// run; `vite build` does the same), and main + preload for Electron (`pnpm run build`).
import { join } from 'node:path'
import * as Desktop from '@airlock/desktop/build'

const appDir = join(import.meta.dirname, '..')

/**
 * Builds the renderer into `outDir` and returns it.
 *
 * @example
 * const dir = await buildRenderer({ outDir: '/tmp/coordinator-renderer' })
 */
export function buildRenderer({ outDir }: { outDir: string }): Promise<string> {
  return Desktop.buildRenderer({ appDir, outDir, logLevel: 'warn' })
}

/** What main leaves to node_modules: Electron, Node, and packages that load their own WebAssembly or native parts. */
export const mainExternals: readonly (string | RegExp)[] = [
  'electron',
  /^node:/,
  /^@electric-sql\/pglite/,
  /^@cedar-policy\/cedar-wasm/,
  'pg',
  'pg-native',
]

/**
 * Builds main (`coordinator.main.js`, one ES module) and the preload (`coordinator.preload.cjs`, one
 * CommonJS file that requires nothing but electron, as a sandboxed preload must) into `outDir`
 * (default apps/coordinator/dist, next to the renderer), as electron-builder.yml expects them.
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
    name: 'coordinator',
    outDir: outDir ?? join(appDir, 'dist'),
    mainExternals: mainExternals.filter((e) => e !== 'electron'),
  })
}
