// Node only: builds the app with Vite's JS API. The renderer (tests and the benchmark build it once
// per run), and main + preload for Electron: main as one ES module (electron and Node built-ins
// external; node-hid is loaded only when a Ledger is asked for), the preload as one CommonJS file that
// requires nothing but electron, as a sandboxed preload must.
import { join } from 'node:path'
import { build } from 'vite'

const appDir = join(import.meta.dirname, '..')
const configFile = join(appDir, 'vite.config.ts')

/**
 * Builds the renderer into `outDir` (default apps/signer/dist/renderer) and returns the directory.
 *
 * @example
 * const dir = await buildRenderer({ outDir: mkdtempSync(join(tmpdir(), 'renderer-')) })
 */
export async function buildRenderer({ outDir }: { outDir?: string | undefined } = {}): Promise<string> {
  const dir = outDir ?? join(appDir, 'dist', 'renderer')
  await build({ configFile, build: { outDir: dir, emptyOutDir: true }, logLevel: 'error' })
  return dir
}

/**
 * Builds main (`signer.main.js`) and the preload (`signer.preload.cjs`) into `outDir` (default
 * apps/signer/dist, next to the renderer) and returns their paths.
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
    {
      entry: 'signer.main.ts',
      file: 'signer.main.js',
      format: 'es',
      external: [/^node:/, 'node-hid', 'usb'],
    },
    { entry: 'signer.preload.ts', file: 'signer.preload.cjs', format: 'cjs', external: [] },
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
        rollupOptions: { external: ['electron', ...external], output: { format, entryFileNames: file } },
      },
      ssr: { noExternal: true, external: ['electron'] },
    })
  }
  return { main: join(dir, 'signer.main.js'), preload: join(dir, 'signer.preload.cjs') }
}
