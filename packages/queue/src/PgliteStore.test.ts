import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { expect, test } from 'vitest'
import { defaultDataDir, openPgliteStore } from './PgliteStore.ts'
import { storeSuite } from './storeSuite.test-helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'airlock-queue-'))

storeSuite({
  name: 'PGlite',
  open: (options) => openPgliteStore({ dataDir: join(dir, 'queue'), ...options }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
})

test('the embedded store lives in the user data dir by default', () => {
  expect(defaultDataDir({ env: { XDG_DATA_HOME: '/x' }, platform: 'linux' })).toBe('/x/airlock/queue')
  expect(defaultDataDir({ env: {}, platform: 'linux' })).toMatch(/\/\.local\/share\/airlock\/queue$/)
  expect(defaultDataDir({ env: {}, platform: 'darwin' })).toMatch(
    /Library\/Application Support\/airlock\/queue$/,
  )
})

test('a queue from before migration 2 upgrades in place: its execution reads back without a block hash', async () => {
  const dataDir = join(dir, 'legacy')
  const safe = {
    chainId: 1n,
    address: '0x2222222222222222222222222222222222222222' as const,
    version: '1.4.1' as const,
  }
  const current = await openPgliteStore({ dataDir })
  const action = await current.createAction({
    safe,
    tx: { to: '0x1111111111111111111111111111111111111111', nonce: 0n },
    title: 'executed before the upgrade',
    requirements: { signatures: 0, attestations: 0, delaySeconds: 0 },
    actor: 'alice',
    submit: true,
  })
  const execution = {
    txHash: `0x${'ab'.repeat(32)}`,
    blockNumber: 7n,
    status: 'success',
    revertReason: null,
  } as const
  await current.recordExecution(action.id, { ...execution, blockHash: `0x${'cd'.repeat(32)}`, actor: 'bob' })
  await current.close()
  // Put the database back as migration 1 left it.
  const raw = await PGlite.create(dataDir)
  await raw.exec(
    'ALTER TABLE actions DROP COLUMN exec_block_hash; DELETE FROM schema_migrations WHERE version = 2;',
  )
  await raw.close()

  const upgraded = await openPgliteStore({ dataDir })
  expect((await upgraded.migrations()).map((m) => m.version)).toEqual([1, 2, 3, 4, 5])
  expect(await upgraded.getAction(action.id)).toMatchObject({
    state: 'executed',
    execution: { ...execution, blockHash: null },
  })
  await upgraded.close()
})
