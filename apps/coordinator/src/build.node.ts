// Builds the renderer with Vite (used by the tests and the bench; `vite build` does the same).
import { join } from 'node:path'
import { build } from 'vite'

/**
 * Builds the renderer into `outDir` and returns it.
 *
 * @example
 * const dir = await buildRenderer({ outDir: '/tmp/coordinator-renderer' })
 */
export async function buildRenderer({ outDir }: { outDir: string }): Promise<string> {
  await build({
    configFile: join(import.meta.dirname, '..', 'vite.config.ts'),
    build: { outDir, emptyOutDir: true },
    logLevel: 'warn',
  })
  return outDir
}
