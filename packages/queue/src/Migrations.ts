import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Db } from './Db.ts'
import { MigrationError } from './errors.ts'

export type Migration = { version: number; name: string; sql: string; checksum: string }

const directory = fileURLToPath(new URL('./migrations/', import.meta.url))
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/
// Any constant: it only keeps two processes from migrating the same database at once.
const LOCK_KEY = 0x41_69_72_4c

/**
 * The shipped migrations (numbered `NNNN_name.sql` files), in order.
 *
 * @example
 * Migrations.list().map((m) => m.name) // ['actions']
 */
export function list(): Migration[] {
  const files = readdirSync(directory)
    .filter((file) => FILE.test(file))
    .sort()
  return files.map((file, index) => {
    const [, number, name] = FILE.exec(file) as RegExpExecArray
    const version = Number(number)
    if (version !== index + 1) {
      throw new MigrationError(`Migration ${file} is out of sequence (expected number ${index + 1}).`, {
        hint: 'Number migrations 0001, 0002, … without gaps.',
      })
    }
    const sql = readFileSync(`${directory}${file}`, 'utf8')
    return { version, name: name as string, sql, checksum: createHash('sha256').update(sql).digest('hex') }
  })
}

/**
 * Applies the migrations not yet applied, all in one transaction under an advisory lock, and records
 * them in `schema_migrations`. Safe to run again and from several processes at once. An applied
 * migration whose file changed since is refused.
 *
 * @example
 * await Migrations.apply(db) // [1] the first time, [] afterwards
 */
export async function apply(db: Db, migrations: Migration[] = list()): Promise<number[]> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
      const rows = await tx.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
      const applied = new Map(rows.map((row) => [Number(row.version), row]))
      const done: number[] = []
      for (const migration of migrations) {
        const row = applied.get(migration.version)
        if (row) {
          if (row.checksum !== migration.checksum) {
            throw new MigrationError(
              `Migration ${migration.version} (${migration.name}) was changed after it was applied.`,
              { hint: 'Never edit an applied migration; add a new numbered file instead.' },
            )
          }
          continue
        }
        await tx.exec(migration.sql)
        await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ])
        done.push(migration.version)
      }
      const newest = Math.max(0, ...applied.keys())
      if (newest > migrations.length) {
        throw new MigrationError(`The database has migration ${newest}, newer than this Airlock knows.`, {
          hint: 'Upgrade Airlock on this machine to the version the rest of the team runs.',
        })
      }
      return done
    })
  } catch (cause) {
    if (cause instanceof MigrationError) throw cause
    throw new MigrationError('The queue database could not be migrated.', {
      hint: 'Check that the database is reachable and the user may create tables.',
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
}
