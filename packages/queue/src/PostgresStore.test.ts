import { afterAll, describe, expect, test } from 'vitest'
import { openPostgresStore } from './PostgresStore.ts'
import { storeSuite } from './storeSuite.test-helpers.ts'
import { findPostgresBin, type PostgresServer, postgresMissingMessage, startPostgres } from './testing.ts'

// The same suite as PGlite, against a real PostgreSQL server this file starts and stops.
if (findPostgresBin() || process.env.CI) {
  let server: PostgresServer | undefined
  storeSuite({
    name: 'PostgreSQL',
    async open(options) {
      server ??= await startPostgres()
      return openPostgresStore({ connectionString: server.url, ...options })
    },
  })
  afterAll(async () => server?.stop())

  test('several processes opening a fresh database at once migrate it exactly once', async () => {
    server ??= await startPostgres()
    const url = await server.createDatabase('fresh')
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStore({ connectionString: url })),
    )
    try {
      for (const store of stores)
        expect((await store.migrations()).map((m) => m.version)).toEqual([1, 2, 3, 4, 5])
    } finally {
      await Promise.all(stores.map((store) => store.close()))
    }
  })

  test('an unreachable server is a typed error saying what to check', async () => {
    await expect(
      openPostgresStore({ connectionString: 'postgres://nobody@127.0.0.1:1/none' }),
    ).rejects.toMatchObject({
      name: 'Queue.DatabaseUnavailableError',
      shortMessage: 'The PostgreSQL queue database cannot be reached.',
    })
    await expect(openPostgresStore({ connectionString: '' })).rejects.toMatchObject({
      name: 'Queue.DatabaseUnavailableError',
    })
  })
} else {
  describe.skip(`PostgreSQL queue store: skipped locally. ${postgresMissingMessage}`, () => {
    test('needs PostgreSQL', () => {})
  })
}
