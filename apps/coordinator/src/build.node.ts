// Node only: builds the app with Vite's JS API: the renderer (tests and the bench build it once per
// run; `vite build` does the same), and main + preload for Electron (`pnpm run build`).
import { join } from 'node:path'
import { build } from 'vite'

const appDir = join(import.meta.dirname, '..')

/**
 * Builds the renderer into `outDir` and returns it.
 *
 * @example
 * const dir = await buildRenderer({ outDir: '/tmp/coordinator-renderer' })
 */
export async function buildRenderer({ outDir }: { outDir: string }): Promise<string> {
  await build({
    configFile: join(appDir, 'vite.config.ts'),
    build: { outDir, emptyOutDir: true },
    logLevel: 'warn',
  })
  return outDir
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
export async function buildMain({ outDir }: { outDir?: string | undefined } = {}): Promise<{
  main: string
  preload: string
}> {
  const dir = outDir ?? join(appDir, 'dist')
  const entries = [
    { entry: 'coordinator.main.ts', file: 'coordinator.main.js', format: 'es', external: mainExternals },
    {
      entry: 'coordinator.preload.ts',
      file: 'coordinator.preload.cjs',
      format: 'cjs',
      external: ['electron'],
    },
  ] as const
  for (const { entry, file, format, external } of entries) {
    await build({
      configFile: false,
      root: appDir,
      logLevel: 'error',
      build: {
        ssr: join(appDir, 'src', entry),
        outDir: dir,
        emptyOutDir: false,
        target: 'node20',
        minify: false,
        rollupOptions: { external: [...external], output: { format, entryFileNames: file } },
      },
      ssr: { noExternal: true, external: ['electron'] },
    })
  }
  return { main: join(dir, 'coordinator.main.js'), preload: join(dir, 'coordinator.preload.cjs') }
}
