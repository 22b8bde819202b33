import pg from 'pg'
import { type Db, type Row, withRetries } from './Db.ts'
import { DatabaseUnavailableError } from './errors.ts'
import * as Migrations from './Migrations.ts'
import { createSqlStore } from './SqlStore.ts'
import type { Store, StoreOptions } from './Store.ts'

export type OpenPostgresStoreParameters = StoreOptions & {
  /** `postgres://user:pass@host:port/db`; defaults to `DATABASE_URL`. */
  connectionString?: string | undefined
  /** Connections in the pool (default 5). */
  poolSize?: number | undefined
}

/**
 * Opens (and migrates) the team queue in PostgreSQL. Several coordinators may share it: every change
 * runs in a transaction that locks the action row.
 *
 * @example
 * const store = await openPostgresStore({ connectionString: process.env.DATABASE_URL })
 */
export async function openPostgresStore({
  connectionString = process.env.DATABASE_URL,
  poolSize = 5,
  ...options
}: OpenPostgresStoreParameters = {}): Promise<Store> {
  if (!connectionString) {
    throw new DatabaseUnavailableError('No PostgreSQL connection string was given.', {
      hint: 'Set DATABASE_URL (postgres://user:password@host:5432/airlock), or use the embedded store.',
    })
  }
  const pool = new pg.Pool({ connectionString, max: poolSize })
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {})
  const db: Db = {
    kind: 'postgres',
    async query(sql, params) {
      return (await pool.query<Row>(sql, params ? [...params] : undefined)).rows
    },
    transaction: (fn) =>
      withRetries(async () => {
        const client = await pool.connect()
        try {
          await client.query('BEGIN')
          const result = await fn({
            query: async (sql, params) =>
              (await client.query<Row>(sql, params ? [...params] : undefined)).rows,
            exec: async (sql) => {
              await client.query(sql)
            },
          })
          await client.query('COMMIT')
          return result
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw error
        } finally {
          client.release()
        }
      }),
    close: () => pool.end(),
  }
  try {
    await pool.query('SELECT 1')
  } catch (cause) {
    await pool.end().catch(() => {})
    throw new DatabaseUnavailableError('The PostgreSQL queue database cannot be reached.', {
      hint: 'Check DATABASE_URL (host, port, user, password, database) and that the server is running.',
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
  try {
    await Migrations.apply(db)
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }
  return createSqlStore(db, options)
}
