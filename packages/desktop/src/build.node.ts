// Node only: what both apps' builds share, over Vite's JS API. The renderer from the app's
// vite.config.ts; main as one ES module (Electron, Node built-ins and the app's own externals left to
// node_modules) and the preload as one CommonJS file that requires nothing but electron, as a
// sandboxed preload must. The apps name their entries and externals; electron-builder.yml expects
// the files in the app's dist/.
import { join } from 'node:path'
import { build } from 'vite'

/**
 * Builds an app's renderer (its `vite.config.ts`) into `outDir` and returns the directory.
 *
 * @example
 * const dir = await buildRenderer({ appDir, outDir: join(appDir, 'dist', 'renderer') })
 */
export async function buildRenderer({
  appDir,
  outDir,
  logLevel = 'error',
}: {
  appDir: string
  outDir: string
  logLevel?: 'error' | 'warn' | undefined
}): Promise<string> {
  await build({
    configFile: join(appDir, 'vite.config.ts'),
    build: { outDir, emptyOutDir: true },
    logLevel,
  })
  return outDir
}

/**
 * Builds an app's main (`NAME.main.js`, ES module) and preload (`NAME.preload.cjs`, CommonJS) from
 * `src/NAME.main.ts` and `src/NAME.preload.ts` into `outDir`, and returns their paths.
 *
 * @example
 * const { main, preload } = await buildMain({ appDir, name: 'signer', outDir, mainExternals: [/^node:/] })
 */
export async function buildMain({
  appDir,
  name,
  outDir,
  mainExternals,
}: {
  appDir: string
  name: string
  outDir: string
  /** What main leaves to node_modules besides electron. */
  mainExternals: readonly (string | RegExp)[]
}): Promise<{ main: string; preload: string }> {
  const main = {
    entry: `${name}.main.ts`,
    file: `${name}.main.js`,
    format: 'es' as const,
    external: mainExternals,
  }
  const preload = {
    entry: `${name}.preload.ts`,
    file: `${name}.preload.cjs`,
    format: 'cjs' as const,
    external: [],
  }
  for (const { entry, file, format, external } of [main, preload] as const) {
    await build({
      configFile: false,
      root: appDir,
      logLevel: 'error',
      build: {
        ssr: join(appDir, 'src', entry),
        outDir,
        emptyOutDir: false,
        target: 'node20',
        minify: false,
        rollupOptions: { external: ['electron', ...external], output: { format, entryFileNames: file } },
      },
      ssr: { noExternal: true, external: ['electron'] },
    })
  }
  return { main: join(outDir, main.file), preload: join(outDir, preload.file) }
}
