import { openPgliteStore } from './PgliteStore.ts'
import { openPostgresStore } from './PostgresStore.ts'
import type { Store, StoreOptions } from './Store.ts'

export type OpenStoreParameters = StoreOptions & {
  /** PostgreSQL for teams; defaults to `DATABASE_URL`. When neither is set, the embedded store is used. */
  databaseUrl?: string | undefined
  /** The embedded store's directory (default: the user's data dir). */
  dataDir?: string | undefined
}

/**
 * Opens the queue the environment asks for: PostgreSQL when a database URL is set, else embedded PGlite.
 *
 * @example
 * const store = await openStore() // DATABASE_URL ? PostgreSQL : PGlite in the user's data dir
 */
export function openStore({
  databaseUrl = process.env.DATABASE_URL,
  dataDir,
  ...options
}: OpenStoreParameters = {}): Promise<Store> {
  return databaseUrl
    ? openPostgresStore({ connectionString: databaseUrl, ...options })
    : openPgliteStore({ dataDir, ...options })
}
