import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { FileSystemError, systemErrorOf } from '@airlock/errors'
import { PGlite } from '@electric-sql/pglite'
import { type DataDirLock, lockDataDir } from './DataDirLock.ts'
import { type Db, type Row, withRetries } from './Db.ts'
import { DatabaseUnavailableError, QueueInUseError } from './errors.ts'
import * as Migrations from './Migrations.ts'
import { createSqlStore } from './SqlStore.ts'
import type { Store, StoreOptions } from './Store.ts'

export type OpenPgliteStoreParameters = StoreOptions & {
  /** A directory for the database (created if missing), `'memory'` for a throw-away one; default `defaultDataDir()`. */
  dataDir?: string | undefined
}

/**
 * The per-user data directory of the embedded queue: `$XDG_DATA_HOME/airlock/queue` (Linux,
 * default `~/.local/share`), `~/Library/Application Support/airlock/queue` (macOS),
 * `%LOCALAPPDATA%\airlock\queue` (Windows).
 *
 * @example
 * defaultDataDir() // '/home/alice/.local/share/airlock/queue'
 */
export function defaultDataDir({ env = process.env, platform = process.platform } = {}): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'airlock', 'queue')
  if (platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'airlock', 'queue')
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'airlock', 'queue')
}

/**
 * Opens (creating and migrating) the embedded PGlite queue: zero setup, one process at a time (a
 * second process gets QueueInUseError at once; PostgreSQL is the path for several).
 *
 * @example
 * const store = await openPgliteStore() // in the user's data dir
 * const scratch = await openPgliteStore({ dataDir: 'memory' })
 */
export async function openPgliteStore({
  dataDir,
  ...options
}: OpenPgliteStoreParameters = {}): Promise<Store> {
  const dir = dataDir ?? defaultDataDir()
  let lock: DataDirLock | undefined
  let pglite: PGlite
  try {
    if (dir !== 'memory') {
      mkdirSync(dirname(dir), { recursive: true })
      // One process per directory, checked before PGlite touches it: a second one fails at once.
      lock = lockDataDir(dir)
      mkdirSync(dir, { recursive: true })
    }
    pglite = await PGlite.create(dir === 'memory' ? undefined : dir)
  } catch (cause) {
    lock?.release()
    if (cause instanceof QueueInUseError || cause instanceof FileSystemError) throw cause
    if (systemErrorOf(cause)) throw FileSystemError.from({ cause, path: dir, doing: 'open the queue' })
    throw new DatabaseUnavailableError(`The queue database in ${dir} could not be opened.`, {
      hint: 'Check that the directory is writable and the disk is not full.',
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
  const db = pgliteDb(pglite)
  try {
    await Migrations.apply(db)
  } catch (error) {
    await pglite.close()
    lock?.release()
    throw error
  }
  const store = createSqlStore(db, options)
  return {
    ...store,
    async close() {
      try {
        await store.close()
      } finally {
        lock?.release()
      }
    },
  }
}

/**
 * The store's database interface over a PGlite instance (exported for migration tests).
 *
 * @example
 * await Migrations.apply(pgliteDb(await PGlite.create()))
 */
export function pgliteDb(pglite: PGlite): Db {
  return {
    kind: 'pglite',
    async query(sql, params) {
      return (await pglite.query<Row>(sql, params ? [...params] : undefined)).rows
    },
    transaction: (fn) =>
      withRetries(() =>
        pglite.transaction((tx) =>
          fn({
            query: async (sql, params) => (await tx.query<Row>(sql, params ? [...params] : undefined)).rows,
            exec: async (sql) => {
              await tx.exec(sql)
            },
          }),
        ),
      ),
    close: () => pglite.close(),
  }
}
