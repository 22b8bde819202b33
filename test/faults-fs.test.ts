// File-system and network faults end in one typed line and a non-zero exit, never "internal error"
// with a stack trace, and leave nothing behind: a full disk and a read-only disk (a real 1 MiB tmpfs,
// remounted read-only), a directory where a file belongs (EISDIR), a directory the user may not write
// (EACCES, run as the unprivileged user `nobody`), a dead RPC (closed port) and a hanging one (a
// server that accepts and never answers) under `sentry run`, which must fail loudly.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { Bundle } from '@airlock/policy'
import { openPgliteStore, type Store } from '@airlock/queue'
import { getAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const policyDir = join(import.meta.dirname, '..', 'policies', 'treasury-default')
const repo = join(import.meta.dirname, '..')
/** Runs the CLI from its sources (the bundled bin would build into the repository, which nobody may write). */
const runner = `import { register } from '${join(repo, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')}'
register()
const { main } = await import('${join(repo, 'apps', 'cli', 'src', 'main.ts')}')
process.exitCode = await main(process.argv.slice(2))
`
const admins = [0, 1].map((addressIndex) =>
  mnemonicToAccount(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    {
      addressIndex,
    },
  ),
)

let dir: string
let mnt: string
let mounted = false

/** Every path under `root` (relative), for "nothing left behind" checks. */
function tree(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = join(prefix, e.name)
    return e.isDirectory() ? [`${rel}/`, ...tree(root, rel)] : [rel]
  })
}

/** One typed line on stderr (the last), a non-zero exit that is not the internal-error 70. */
function expectTypedFailure(result: { code: number; stderr: string }, pattern: RegExp): void {
  expect(result.code, result.stderr).not.toBe(0)
  expect(result.code).not.toBe(70)
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /)
  expect(result.stderr.trim().split('\n').at(-1)).toMatch(pattern)
}

const cli = (...argv: string[]) => runCli(argv, { cwd: dir })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-faults-fs-'))
  chmodSync(dir, 0o755)
  writeFileSync(join(dir, 'in.txt'), 'hello airlock\n', { mode: 0o644 })
  writeFileSync(join(dir, 'airlock.mjs'), runner, { mode: 0o644 })
  const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  org.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  let bundle = Bundle.create({
    version: 1,
    policies: { 'rules.cedar': readFileSync(join(policyDir, 'rules.cedar'), 'utf8') },
    org,
  })
  for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle), { mode: 0o644 })
  writeFileSync(join(dir, 'org.json'), JSON.stringify(org))
  mnt = join(dir, 'mnt')
  mkdirSync(mnt)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' })
    mounted = true
  } catch {
    // Not root (or no mount namespace): the disk tests below are skipped, the others still run.
  }
})

afterAll(() => {
  if (mounted) execFileSync('umount', [mnt])
  rmSync(dir, { recursive: true, force: true })
})

describe('disk faults on a real 1 MiB tmpfs', () => {
  it('a full disk: typed errors, no temporary or lock files left behind, then it works once freed', async (ctx) => {
    if (!mounted) ctx.skip()
    try {
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(2 * 1024 * 1024, 1))
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC')
    }
    const frames = await cli('qr', 'encode', 'in.txt', '--out', join(mnt, 'frames'))
    expectTypedFailure(frames, /disk holding .* is full/)
    const init = await cli('sign', 'init', '--bundle', 'bundle.json', '--state', join(mnt, 'state'))
    expectTypedFailure(init, /^airlock: /)
    // Nothing half-written: no temporary file, no lock file, no frames.
    const left = tree(mnt).filter((p) => p !== 'filler')
    expect(left.filter((p) => /\.tmp$|\.lock$|frames/.test(p))).toEqual([])

    rmSync(join(mnt, 'filler'))
    expect((await cli('qr', 'encode', 'in.txt', '--out', join(mnt, 'frames'))).code).toBe(0)
    const again = await cli('sign', 'init', '--bundle', 'bundle.json', '--state', join(mnt, 'state'))
    expect(again.code, again.stderr).toBe(0)
  })

  it('a read-only disk: typed errors for outputs, the signer state and the embedded queue', async (ctx) => {
    if (!mounted) ctx.skip()
    const home = join(mnt, 'home')
    mkdirSync(home, { recursive: true })
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({
        rpcUrl: 'http://127.0.0.1:9',
        chainId: 1,
        org: join(dir, 'org.json'),
        treasury: '0x00000000000000000000000000000000000a11ce',
      }),
    )
    const state = join(mnt, 'state-ro')
    expect((await cli('sign', 'init', '--bundle', 'bundle.json', '--state', state)).code).toBe(0)
    execFileSync('mount', ['-o', 'remount,ro', mnt])
    try {
      const before = tree(mnt)
      expectTypedFailure(
        await cli('qr', 'encode', 'in.txt', '--out', join(mnt, 'frames-ro')),
        /read-only file system/,
      )
      expectTypedFailure(
        await cli('policy', 'bundle', policyDir, '--version', '2', '--out', join(mnt, 'b.json')),
        /read-only/,
      )
      expectTypedFailure(
        await cli('sign', 'init', '--bundle', 'bundle.json', '--state', state),
        /EROFS|read-only/,
      )
      expectTypedFailure(await cli('action', 'list', '--home', home), /read-only file system/)
      expect(tree(mnt)).toEqual(before)
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt])
    }
  })
})

describe('the embedded queue on a full disk', () => {
  it('a write that does not fit is a typed error; every acknowledged action is still there', async (ctx) => {
    if (!mounted) ctx.skip()
    // PGlite needs some room of its own, so this disk is larger than the 1 MiB one.
    const disk = join(dir, 'queue-disk')
    mkdirSync(disk)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=80m', 'tmpfs', disk])
    try {
      const dataDir = join(disk, 'queue')
      const safe = {
        chainId: 1n,
        address: getAddress('0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe'),
        version: '1.4.1' as const,
      }
      const create = (store: Store, i: number) =>
        store.createAction({
          safe,
          tx: { to: safe.address, value: BigInt(i), nonce: BigInt(i), data: `0x${'ab'.repeat(4000)}` },
          title: `action ${i}`,
          requirements: { signatures: 1, attestations: 0, delaySeconds: 0 },
          actor: 'test',
        })
      const store = await openPgliteStore({ dataDir })
      const acked = [(await create(store, 0)).id]
      try {
        writeFileSync(join(disk, 'filler'), Buffer.alloc(128 * 1024 * 1024))
      } catch {
        // ENOSPC: the disk is full now.
      }
      let failure: unknown
      for (let i = 1; i < 500 && failure === undefined; i++) {
        try {
          acked.push((await create(store, i)).id)
        } catch (error) {
          failure = error
        }
      }
      expect(failure).toMatchObject({
        name: 'Queue.DatabaseUnavailableError',
        shortMessage: 'The queue database ran out of space or memory; the change was not stored.',
      })
      // Once there is room again the same process goes on, with everything it acknowledged.
      rmSync(join(disk, 'filler'))
      acked.push((await create(store, 1000)).id)
      const stored = (await store.listActions()).map((a) => a.id)
      await store.close()
      expect(stored.sort()).toEqual([...acked].sort())
    } finally {
      execFileSync('umount', [disk])
    }
  })
})

describe('EISDIR and EACCES', () => {
  it('a directory where the signer keeps a file is a typed error', async () => {
    const state = join(dir, 'state-eisdir')
    mkdirSync(join(state, 'decisions.jsonl'), { recursive: true })
    expectTypedFailure(await cli('sign', 'init', '--bundle', 'bundle.json', '--state', state), /^airlock: /)
    const keyDir = join(dir, 'state-keydir')
    mkdirSync(join(keyDir, 'audit.key'), { recursive: true })
    expectTypedFailure(await cli('sign', 'init', '--bundle', 'bundle.json', '--state', keyDir), /audit\.key/)
  })

  it('a directory the user may not write is a typed error (run as nobody)', () => {
    const locked = join(dir, 'root-only')
    mkdirSync(locked, { mode: 0o755 })
    // Root ignores permissions, so the commands run as the unprivileged user.
    const script = [
      `node airlock.mjs qr encode in.txt --out ${join(locked, 'frames')}; echo "exit $?"`,
      `node airlock.mjs sign init --bundle bundle.json --state ${join(locked, 'state')}; echo "exit $?"`,
    ].join('; ')
    const run = spawnSync('su', ['nobody', '-s', '/bin/sh', '-c', `cd ${dir} && ${script}`], {
      encoding: 'utf8',
    })
    if (run.error || /does not exist|unknown user/i.test(run.stderr)) return // no such user here
    expect(run.stdout.match(/exit \d+/g)).toEqual(['exit 1', 'exit 1'])
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /)
    expect(run.stderr).toMatch(/Permission denied on .*root-only\/frames/)
    expect(run.stderr).toMatch(/EACCES|Permission denied/)
    expect(readdirSync(locked)).toEqual([])
  })
})

describe('signer state recovery from the command line', () => {
  it('a lost bundle file is restored by sign init with the same bundle; a lost key is never recreated', async () => {
    const state = join(dir, 'state-recovery')
    const init = (...extra: string[]) =>
      cli('sign', 'init', '--bundle', 'bundle.json', '--state', state, ...extra)
    expect((await init()).code).toBe(0)

    rmSync(join(state, 'policy-bundle.json'))
    const address = await cli('sign', 'address', '--state', state)
    expectTypedFailure(address, /policy-bundle\.json is missing.*sign init --bundle FILE/)
    const restored = await init()
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.stdout).toMatch(/^Already installed: policy bundle version 1/)

    rmSync(join(state, 'audit.key'))
    expectTypedFailure(await init(), /audit\.key is missing.*Restore .* from your backup.*--new-audit-key/)
    expect(readdirSync(state)).not.toContain('audit.key')
    const rotated = await init('--new-audit-key')
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(rotated.stdout).toMatch(/^New audit key 0x[0-9a-f]{64}: the policy admins must enrol it/m)
    expect(readdirSync(state).filter((name) => name.includes('.retired-')).length).toBeGreaterThanOrEqual(2)
  })
})

describe('RPC faults: sentry run fails loudly', () => {
  let hanging: Server
  let hangingUrl: string
  const sockets = new Set<Socket>()
  beforeAll(async () => {
    hanging = createServer((socket) => {
      // Accept the connection and never answer.
      sockets.add(socket)
    })
    await new Promise<void>((done) => hanging.listen(0, '127.0.0.1', done))
    hangingUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((done) => hanging.close(done))
  })

  const rules = {
    rules: [
      {
        id: 'floor',
        kind: 'at-least',
        left: { kind: 'native-balance', address: '0x00000000000000000000000000000000000a11ce' },
        right: { kind: 'native-balance', address: '0x000000000000000000000000000000000000beef' },
      },
    ],
  }
  function home(name: string, rpcUrl: string): string {
    const path = join(dir, name)
    mkdirSync(path, { recursive: true })
    writeFileSync(
      join(path, 'config.json'),
      JSON.stringify({
        rpcUrl,
        chainId: 1,
        org: join(dir, 'org.json'),
        treasury: '0x00000000000000000000000000000000000a11ce',
      }),
    )
    writeFileSync(join(path, 'rules.json'), JSON.stringify(rules))
    return path
  }

  it.each([
    ['dead (closed port)', () => 'http://127.0.0.1:9'],
    ['hanging (never answers)', () => hangingUrl],
  ])('%s: exit 3 and an ALERT line, not "no breach"', async (name, url) => {
    const h = home(`sentry-${name.split(' ')[0]}`, url())
    const result = await cli('sentry', 'run', '--rules', join(h, 'rules.json'), '--polls', '1', '--home', h)
    expect(result.code, result.stderr).toBe(3)
    expect(result.stderr).toMatch(
      /^ALERT sentry: 1 of 1 poll\(s\) could not read the chain: nothing was watched/m,
    )
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /)
  })
})
