// The little a store needs from a database: queries, transactions with retries, multi-statement
// scripts for migrations. PGlite and node-postgres both fit behind it.
import { isBaseError, systemErrorOf } from '@airlock/errors'
import { DatabaseUnavailableError } from './errors.ts'

export type Row = Record<string, unknown>

export type Tx = {
  query(sql: string, params?: readonly unknown[] | undefined): Promise<Row[]>
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>
}

export type Db = {
  readonly kind: 'pglite' | 'postgres'
  query(sql: string, params?: readonly unknown[] | undefined): Promise<Row[]>
  /**
   * Runs `fn` in one transaction; commits when it returns, rolls back when it throws. Serialization
   * failures and deadlocks (SQLSTATE 40001, 40P01) are retried with the whole function.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** The SQLSTATE of a database error, if it has one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
  }
  return undefined
}

/** The constraint a database error names, if any. */
export function constraintOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'constraint' in error) {
    const name = (error as { constraint: unknown }).constraint
    if (typeof name === 'string') return name
  }
  return undefined
}

/** Whether the whole transaction may simply be run again. */
export function isRetryable(error: unknown): boolean {
  const code = sqlState(error)
  return code === '40001' || code === '40P01'
}

/** Runs `attempt` again after retryable failures, with a short random back-off. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  { tries = 8 }: { tries?: number } = {},
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt()
    } catch (error) {
      if (i >= tries || !isRetryable(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * i))
    }
  }
}

/**
 * The same database, with the faults it raises about itself (a full disk, an I/O error, a lost
 * connection) turned into DatabaseUnavailableError saying what to do. Errors about the data
 * (constraints, serialization) and Airlock's own errors pass through for the store to interpret.
 *
 * @example
 * const db = withFaults(pgliteDb(pglite))
 */
export function withFaults(db: Db): Db {
  const rethrow = (error: unknown): never => {
    throw databaseFault(error) ?? error
  }
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params).catch(rethrow),
    transaction: (fn) => db.transaction(fn).catch(rethrow),
    close: () => db.close(),
  }
}

function databaseFault(error: unknown): DatabaseUnavailableError | undefined {
  if (isBaseError(error)) return undefined
  const details = error instanceof Error ? error.message : String(error)
  const fault = (message: string, hint: string) =>
    new DatabaseUnavailableError(message, { hint, details, cause: error })
  // An errno (EROFS, ECONNREFUSED …) first: some are five capitals, like a SQLSTATE.
  if (systemErrorOf(error)) {
    return fault(
      'The queue database cannot be reached or written.',
      'Check DATABASE_URL and the server, or the disk holding the embedded queue, then run the command again.',
    )
  }
  switch (sqlState(error)?.slice(0, 2)) {
    case '53': // insufficient resources: disk full, out of memory
      return fault(
        'The queue database ran out of space or memory; the change was not stored.',
        'Free space on the disk holding the queue (or the PostgreSQL server), then run the command again.',
      )
    case '58': // system error: I/O
    case 'XX':
      return fault(
        'The queue database reported a system error; the change was not stored.',
        'Check the disk holding the queue (or the PostgreSQL server logs), then run the command again.',
      )
    case '08': // connection exception
    case '57': // operator intervention: shutdown
      return fault(
        'The connection to the queue database was lost; the change was not acknowledged.',
        'Check that the database server is running, then run the command again (check with action list first).',
      )
  }
  return undefined
}
