// Test support: a throw-away PostgreSQL server on loopback, started from the Debian binaries.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseError } from '@airlock/errors'
import pg from 'pg'

/** No PostgreSQL server binaries were found. */
export class PostgresNotInstalledError extends BaseError {
  override name = 'Queue.PostgresNotInstalledError'
}

export type PostgresServer = {
  /** `postgres://airlock@127.0.0.1:<port>/<database>` */
  url: string
  port: number
  /** Creates another empty database on the same server and returns its URL. */
  createDatabase(name: string): Promise<string>
  stop(): Promise<void>
}

/**
 * The directory with `initdb` and `pg_ctl`: `$POSTGRES_BIN`, else the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian's layout); undefined when none is installed.
 *
 * @example
 * findPostgresBin() // '/usr/lib/postgresql/15/bin'
 */
export function findPostgresBin(): string | undefined {
  const candidates: string[] = []
  if (process.env.POSTGRES_BIN) candidates.push(process.env.POSTGRES_BIN)
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((version) => join(root, version, 'bin')))
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
}

/** The message to show when PostgreSQL is missing. */
export const postgresMissingMessage =
  'PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. ' +
  'Run `npm test` (its setup script installs the Debian package "postgresql" when run as root), ' +
  'or `sudo apt-get install postgresql`, or set POSTGRES_BIN.'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts a private PostgreSQL server: `initdb` in a temp dir (as the `postgres` system user when
 * running as root, since the server refuses root), on a free loopback port with its unix socket in
 * the temp dir, trust auth, and one database. `stop()` shuts it down and deletes everything.
 *
 * @example
 * const server = await startPostgres()
 * const store = await openPostgresStore({ connectionString: server.url })
 * await server.stop()
 */
export async function startPostgres({
  database = 'airlock_test',
}: {
  database?: string
} = {}): Promise<PostgresServer> {
  const bin = findPostgresBin()
  if (!bin) throw new PostgresNotInstalledError(postgresMissingMessage)
  // /dev/shm keeps the throw-away cluster in memory (faster on slow CI disks).
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'airlock-pg-'))
  const data = join(dir, 'data')
  let runAs: string[] = []
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
    runAs = ['runuser', '-u', 'postgres', '--']
  }
  chmodSync(dir, 0o700)
  const run = (command: string, args: string[]) => {
    const full = [...runAs, join(bin, command), ...args]
    const result = spawnSync(full[0] as string, full.slice(1), { encoding: 'utf8', cwd: dir })
    if (result.status !== 0) {
      throw new Error(
        `${command} failed (${result.status}): ${result.stderr || result.stdout || result.error}`,
      )
    }
  }
  try {
    run('initdb', [
      '-D',
      data,
      '-U',
      'airlock',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ])
    const port = await freePort()
    // fsync off: the server process is never killed in tests, only clients are.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'])
    const base = `postgres://airlock@127.0.0.1:${port}`
    const createDatabase = async (name: string) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`)
      const client = new pg.Client({ connectionString: `${base}/postgres` })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${name}`)
      } finally {
        await client.end()
      }
      return `${base}/${name}`
    }
    const url = await createDatabase(database)
    let stopped = false
    return {
      url,
      port,
      createDatabase,
      async stop() {
        if (stopped) return
        stopped = true
        try {
          run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      },
    }
  } catch (error) {
    spawnSync(runAs[0] ?? join(bin, 'pg_ctl'), [
      ...runAs.slice(1),
      ...(runAs.length ? [join(bin, 'pg_ctl')] : []),
      '-D',
      data,
      '-m',
      'immediate',
      'stop',
    ])
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
