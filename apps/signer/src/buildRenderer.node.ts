// Node only: builds the renderer with Vite's JS API (tests and the benchmark build once per run).
import { join } from 'node:path'
import { build } from 'vite'

const configFile = join(import.meta.dirname, '..', 'vite.config.ts')

/**
 * Builds the renderer into `outDir` (default apps/signer/dist/renderer) and returns the directory.
 *
 * @example
 * const dir = await buildRenderer({ outDir: mkdtempSync(join(tmpdir(), 'renderer-')) })
 */
export async function buildRenderer({ outDir }: { outDir?: string | undefined } = {}): Promise<string> {
  const dir = outDir ?? join(import.meta.dirname, '..', 'dist', 'renderer')
  await build({ configFile, build: { outDir: dir, emptyOutDir: true }, logLevel: 'error' })
  return dir
}
