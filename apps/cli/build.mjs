// Builds the airlock command into apps/cli/dist with esbuild, so it starts without compiling TypeScript:
// main.mjs plus one chunk per lazily loaded command module, and commands.json (every command's path and
// summary, for `airlock --help` without loading the modules). Each build goes to its own directory and
// dist/current.json names the finished one, switched by an atomic rename: a command started during a
// rebuild never sees a half-written build.
//
// The workspace packages (@airlock/*, TypeScript sources) and a few pure ESM libraries (viem, @noble…)
// are bundled and tree-shaken; every other package stays external, imported by its resolved absolute
// path, so wasm files, native addons and package data are found where they were installed. The build is per checkout (dist/ is not committed): bin/airlock.mjs
// runs it when a source is newer than the build, and scripts/setup.sh runs it after installing.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const cliDir = dirname(fileURLToPath(import.meta.url))
const root = join(cliDir, '..', '..')
export const distDir = join(cliDir, 'dist')
const stamp = join(distDir, 'current.json')

/** Newest modification time (ms) of any TypeScript source the CLI bundles. */
function newestSource() {
  let newest = 0
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.(ts|mts|mjs|json|cedarschema)$/.test(entry.name))
        newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  walk(join(cliDir, 'src'))
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', pkg, 'src')
    if (existsSync(src)) walk(src)
    const manifest = join(root, 'packages', pkg, 'package.json')
    if (existsSync(manifest)) newest = Math.max(newest, statSync(manifest).mtimeMs)
  }
  return Math.max(newest, statSync(join(cliDir, 'build.mjs')).mtimeMs)
}

/** True when dist/ is missing or older than a source. */
export function isStale() {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSource()
}

/** The finished build: its directory (main.mjs, chunks/) and its command list, or undefined. */
export function current() {
  try {
    const { dir } = JSON.parse(readFileSync(stamp, 'utf8'))
    const buildDir = join(distDir, dir)
    return { dir: buildDir, commands: JSON.parse(readFileSync(join(buildDir, 'commands.json'), 'utf8')) }
  } catch {
    return undefined
  }
}

/** Pure ESM packages with no files of their own to find at run time: bundled and tree-shaken. */
const bundled = [
  'viem',
  'ox',
  'abitype',
  '@noble/hashes',
  '@noble/curves',
  '@scure/base',
  '@scure/bip32',
  '@scure/bip39',
  'cborg',
  'isows',
]

/** Bundles the CLI into a new dist/build-* directory and makes it current. */
export async function build() {
  const name = `build-${Date.now()}-${process.pid}`
  const outdir = join(distDir, name)
  const esbuild = await import('esbuild')
  const external = {
    name: 'external-by-path',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.inner || args.path.startsWith('@airlock/')) return undefined
        // Plain ESM libraries are bundled and tree-shaken (loading all of viem costs more than the rest).
        if (bundled.some((name) => args.path === name || args.path.startsWith(`${name}/`))) return undefined
        if (args.path.startsWith('node:')) return { path: args.path, external: true }
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: { inner: true },
        })
        if (resolved.errors.length > 0) return { errors: resolved.errors }
        // Node built-ins without the node: prefix resolve to themselves.
        if (!resolved.path.startsWith('/')) return { path: args.path, external: true }
        return { path: pathToFileURL(resolved.path).href, external: true }
      })
    },
  }
  // Bundled sources that find files next to themselves (wasm, fixtures, package data) keep their own
  // location: import.meta.url/dirname/filename are written in as the source file's.
  const ownLocation = {
    name: 'own-location',
    setup(b) {
      b.onLoad({ filter: /\.(ts|mts|mjs)$/ }, async (args) => {
        const text = readFileSync(args.path, 'utf8')
        if (!text.includes('import.meta.')) return undefined
        const contents = text
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
        return { contents, loader: args.path.endsWith('.mjs') ? 'js' : 'ts' }
      })
    },
  }
  await esbuild.build({
    entryPoints: { main: join(cliDir, 'src', 'main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [external, ownLocation],
    logLevel: 'error',
    legalComments: 'none',
  })
  const { commandModules } = await import(pathToFileURL(join(outdir, 'main.mjs')).href)
  const commands = []
  for (const module of commandModules) {
    for (const command of await module.load()) commands.push({ path: command.path, summary: command.summary })
  }
  writeFileSync(join(outdir, 'commands.json'), `${JSON.stringify(commands, null, 2)}\n`)
  const next = `${stamp}.${process.pid}`
  writeFileSync(next, `${JSON.stringify({ dir: name })}\n`)
  renameSync(next, stamp)
  // Older builds may still be running in another process: remove only those a minute old.
  for (const entry of readdirSync(distDir)) {
    if (!entry.startsWith('build-') || entry === name) continue
    const path = join(distDir, entry)
    if (Date.now() - statSync(path).mtimeMs > 60_000) rmSync(path, { recursive: true, force: true })
  }
}

/** Builds when stale; returns whether it built. */
export async function ensureBuilt() {
  if (!isStale()) return false
  await build()
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force')
  if (force || isStale()) {
    await build()
    process.stderr.write(`airlock: built ${distDir}\n`)
  }
}
