// Property: for every command that writes an --out, no file or directory that existed before the run
// changes unless --force is given, and --force never replaces or empties a directory. Each run builds
// a fresh directory with the command's real inputs and a random pre-existing entry at (or inside) the
// output path, runs the real command in-process and compares the tree byte for byte.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditKey } from '@airlock/audit-log'
import { openLog } from '@airlock/audit-log/node'
import { runCli } from '@airlock/cli/testing'
import { openPgliteStore } from '@airlock/queue'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const policyDir = join(import.meta.dirname, '..', 'policies', 'treasury-default')
let fixtures: string
let root: string

type Layout = 'absent' | 'file' | 'empty-dir' | 'full-dir' | 'input'
type Spec = {
  name: string
  /** The output is a directory (frames) rather than a file. */
  dirOutput: boolean
  /** Copies the command's inputs into `dir`; returns the argv (without --out) and an input path. */
  setup: (dir: string) => { argv: string[]; input: string }
  /** Whether the command has --force (audit import never overwrites a log). */
  forceAllowed: boolean
}

const specs: Spec[] = [
  {
    name: 'qr encode',
    dirOutput: true,
    forceAllowed: true,
    setup: (dir) => {
      writeFileSync(join(dir, 'in.txt'), 'hello airlock\n')
      return { argv: ['qr', 'encode', 'in.txt'], input: 'in.txt' }
    },
  },
  {
    name: 'qr decode',
    dirOutput: false,
    forceAllowed: true,
    setup: (dir) => {
      cpSync(join(fixtures, 'frames'), join(dir, 'frames'), { recursive: true })
      return { argv: ['qr', 'decode', 'frames/frame-0001.png'], input: 'frames/frame-0001.png' }
    },
  },
  {
    name: 'policy bundle',
    dirOutput: false,
    forceAllowed: true,
    setup: (dir) => {
      cpSync(policyDir, join(dir, 'policy'), { recursive: true })
      return { argv: ['policy', 'bundle', join(dir, 'policy'), '--version', '1'], input: 'policy/org.json' }
    },
  },
  {
    name: 'audit import',
    dirOutput: false,
    forceAllowed: false,
    setup: (dir) => {
      cpSync(join(fixtures, 'parts.txt'), join(dir, 'parts.txt'))
      return { argv: ['audit', 'import', join(dir, 'parts.txt')], input: 'parts.txt' }
    },
  },
  {
    name: 'audit report',
    dirOutput: false,
    forceAllowed: true,
    setup: (dir) => {
      cpSync(join(fixtures, 'audit.jsonl'), join(dir, 'audit.jsonl'))
      const key = AuditKey.toHex(AuditKey.signer(new Uint8Array(32).fill(7)).publicKey)
      return {
        argv: ['audit', 'report', 'audit.jsonl', '--public-keys', key, '--format', 'json'],
        input: 'audit.jsonl',
      }
    },
  },
]

/** Every entry under `dir`: files by content, directories by the marker 'dir'. */
function snapshot(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = join(prefix, name)
    if (statSync(join(dir, rel)).isDirectory()) {
      out.set(rel, 'dir')
      for (const [k, v] of snapshot(dir, rel)) out.set(k, v)
    } else out.set(rel, readFileSync(join(dir, rel)).toString('base64'))
  }
  return out
}

beforeAll(async () => {
  fixtures = mkdtempSync(join(tmpdir(), 'airlock-faults-fixtures-'))
  root = mkdtempSync(join(tmpdir(), 'airlock-faults-outputs-'))
  writeFileSync(join(fixtures, 'payload.txt'), 'decoded payload\n')
  const encoded = await runCli(['qr', 'encode', 'payload.txt', '--out', 'frames'], { cwd: fixtures })
  expect(encoded.code, encoded.stderr).toBe(0)
  const logPath = join(fixtures, 'audit.jsonl')
  const log = await openLog({ path: logPath, signer: AuditKey.signer(new Uint8Array(32).fill(7)) })
  await log.append({ event: 'refused', decision: 'refused', reasons: ['unknown target'] })
  await log.close()
  const exported = await runCli(['audit', 'export', logPath, '--ur'], { cwd: fixtures })
  expect(exported.code, exported.stderr).toBe(0)
  writeFileSync(join(fixtures, 'parts.txt'), exported.stdout)
})

afterAll(() => {
  rmSync(fixtures, { recursive: true, force: true })
  rmSync(root, { recursive: true, force: true })
})

describe('outputs never clobber', () => {
  it('leaves every pre-existing entry unchanged unless --force, and never replaces a directory', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...specs),
        fc.constantFrom<Layout>('absent', 'file', 'empty-dir', 'full-dir', 'input'),
        fc.boolean(),
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        async (spec, layout, forceWanted, bytes) => {
          // An audit log is never overwritten, so audit import has no --force at all.
          const force = forceWanted && spec.forceAllowed
          const dir = join(root, String(run++))
          mkdirSync(dir)
          const { argv, input } = spec.setup(dir)
          let out = 'out'
          if (layout === 'file') writeFileSync(join(dir, out), bytes)
          if (layout === 'empty-dir') mkdirSync(join(dir, out))
          if (layout === 'full-dir') {
            mkdirSync(join(dir, out))
            writeFileSync(join(dir, out, 'frame-0001.png'), bytes)
            writeFileSync(join(dir, out, 'keep.txt'), bytes)
          }
          if (layout === 'input') out = input
          const before = snapshot(dir)
          const result = await runCli([...argv, '--out', out, ...(force ? ['--force'] : [])], { cwd: dir })
          const after = snapshot(dir)

          // Never a stack trace, never a left-over temporary file or directory.
          expect(result.stderr).not.toMatch(/internal error|\n\s+at /)
          expect([...after.keys()].filter((k) => k.endsWith('.tmp'))).toEqual([])
          const target = join(out)
          const changed = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k)
          // Directories are never removed or emptied (only our own frame files may be rewritten with --force).
          for (const [k, v] of before) if (v === 'dir') expect(after.get(k)).toBe('dir')
          expect(after.get('out/keep.txt')).toBe(before.get('out/keep.txt'))
          const existed = before.has(target)
          const targetIsDir = before.get(target) === 'dir'
          const mayWrite =
            !existed ||
            (spec.dirOutput ? targetIsDir && (layout === 'empty-dir' || force) : !targetIsDir && force)
          if (!mayWrite || !force) {
            // Without --force, nothing that existed changes at all.
            expect(changed).toEqual([])
          } else {
            // With --force only the output itself (or, for frames, its own frame files) changed.
            const allowed = (k: string) =>
              k === target || (spec.dirOutput && k.startsWith(`${target}/frame-`))
            expect(changed.filter((k) => !allowed(k))).toEqual([])
          }
          expect(result.code === 0, result.stderr).toBe(mayWrite)
          if (!mayWrite) expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^airlock: /)
          rmSync(dir, { recursive: true, force: true })
        },
      ),
      { numRuns: 40 },
    )
  })
})

describe('action qr never clobbers', () => {
  it('refuses --out over the org config it reads (the frames directory never replaces a file)', async () => {
    const home = join(root, 'home')
    mkdirSync(home)
    cpSync(join(policyDir, 'org.json'), join(home, 'org.json'))
    const treasury = '0x00000000000000000000000000000000000a11ce'
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ rpcUrl: 'http://127.0.0.1:9', chainId: 1, org: 'org.json', treasury }),
    )
    const store = await openPgliteStore({ dataDir: join(home, 'queue') })
    const { id } = await store.createAction({
      safe: { chainId: 1n, address: treasury, version: '1.4.1' },
      tx: { to: '0x00000000000000000000000000000000000a1e57', value: 1n, nonce: 0n },
      title: 'pay',
      requirements: { signatures: 1, attestations: 0, delaySeconds: 0 },
      actor: 'test',
      submit: true,
    })
    await store.close()
    const before = snapshot(home)
    // The case: the org config named as the frames directory was deleted.
    const result = await runCli(['action', 'qr', id, '--out', 'org.json', '--home', home], { cwd: home })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/org\.json is a file; the output is a directory/)
    const after = snapshot(home)
    for (const [path, content] of before)
      if (!path.startsWith('queue/')) expect(after.get(path)).toBe(content)
  })
})
