// The little a store needs from a database: queries, transactions with retries, multi-statement
// scripts for migrations. PGlite and node-postgres both fit behind it.

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
