// The portable packages must run in the Electron renderer: bundled for the browser with esbuild, they
// may pull in no Node built-in and no Node polyfill. The lint rules in biome.json say the same at the
// source level. Both checks are shown to fail on a deliberate `node:fs` import in a copy of @airlock/safe.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The portable entry points, as the renderer imports them. */
const entries = [
  '@airlock/errors',
  '@airlock/safe',
  '@airlock/transport',
  '@airlock/policy',
  '@airlock/audit-log',
  // The signer's review and approval engine (review, Signer, Keystone session); no state directory.
  '@airlock/signer-core',
]

/** Packages that only stand in for Node built-ins in a browser: their presence means Node leaked in. */
const polyfills = [
  'assert',
  'buffer',
  'events',
  'process',
  'util',
  'stream-browserify',
  'readable-stream',
  'safe-buffer',
  'string_decoder',
  'path-browserify',
  'crypto-browserify',
  'browserify-zlib',
  'os-browserify',
  'sha.js',
]

type BundleCheck = { ok: true; packages: string[] } | { ok: false; problems: string[] }

/** Bundles `source` for the browser and lists what in it belongs to Node. */
async function bundleForBrowser(source: string, resolveDir: string): Promise<BundleCheck> {
  try {
    const result = await build({
      stdin: { contents: source, resolveDir, loader: 'ts' },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    })
    const packages = [
      ...new Set(
        Object.keys(result.metafile.inputs)
          .filter((path) => path.includes('node_modules/'))
          .map((path) => {
            const rest = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length).split('/')
            return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
          }),
      ),
    ].sort()
    const leaked = packages.filter((name) => polyfills.includes(name))
    return leaked.length === 0
      ? { ok: true, packages }
      : { ok: false, problems: leaked.map((name) => `Node polyfill ${name}`) }
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors ?? [{ text: String(error) }]
    return { ok: false, problems: errors.map((e) => e.text) }
  }
}

const temp = mkdtempSync(join(tmpdir(), 'airlock-portable-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

describe('portable packages bundle for the browser', () => {
  for (const entry of entries) {
    it(`${entry} pulls in no Node built-in or polyfill`, async () => {
      const check = await bundleForBrowser(`export * from '${entry}'`, join(root, 'test'))
      expect(check).toMatchObject({ ok: true })
    })
  }

  it('a node:fs import in @airlock/safe fails the bundle check and the lint rule (in a copy)', async () => {
    // A copy of the package at the same relative place, with biome.json, so the lint override applies.
    const copy = join(temp, 'packages', 'safe')
    cpSync(join(root, 'packages', 'safe', 'src'), join(copy, 'src'), { recursive: true })
    symlinkSync(join(root, 'packages', 'safe', 'node_modules'), join(copy, 'node_modules'))
    const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'))
    writeFileSync(join(temp, 'biome.json'), JSON.stringify({ ...config, $schema: undefined, vcs: undefined }))
    const index = join(copy, 'src', 'index.ts')
    writeFileSync(
      index,
      `import { readFileSync } from 'node:fs'\nexport const leak = readFileSync\n${readFileSync(index, 'utf8')}`,
    )

    const clean = await bundleForBrowser(
      `export * from '${join(root, 'packages', 'safe', 'src', 'index.ts')}'`,
      root,
    )
    expect(clean).toMatchObject({ ok: true })
    const leaked = await bundleForBrowser(`export * from '${index}'`, temp)
    expect(leaked.ok).toBe(false)
    expect(JSON.stringify(leaked)).toContain('node:fs')

    const biome = join(root, 'node_modules', '.bin', 'biome')
    const lint = (file: string) => {
      try {
        execFileSync(biome, ['lint', '--max-diagnostics=5', file], {
          cwd: temp,
          encoding: 'utf8',
          stdio: 'pipe',
        })
        return ''
      } catch (error) {
        return `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`
      }
    }
    expect(lint('packages/safe/src/index.ts')).toMatch(/noRestrictedImports[\s\S]*\*\.node\.ts module/)
    // The same import is allowed in a *.node.ts module.
    writeFileSync(
      join(copy, 'src', 'read.node.ts'),
      `import { readFileSync } from 'node:fs'\nexport const read = readFileSync\n`,
    )
    expect(lint('packages/safe/src/read.node.ts')).not.toMatch(/noRestrictedImports/)
  })
})
