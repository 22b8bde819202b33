import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { Db } from './Db.ts'
import * as Migrations from './Migrations.ts'
import { pgliteDb } from './PgliteStore.ts'

let db: Db
beforeAll(async () => {
  db = pgliteDb(await PGlite.create())
})
afterAll(() => db.close())

test('the shipped migrations are numbered files, applied once, then never again', async () => {
  const shipped = Migrations.list()
  expect(shipped.map((m) => [m.version, m.name])).toEqual([
    [1, 'actions'],
    [2, 'execution_block_hash'],
    [3, 'timelock_operations_chain_time'],
    [4, 'signer_set'],
    [5, 'delay_by_chain_time'],
  ])
  expect(shipped[0]?.checksum).toMatch(/^[0-9a-f]{64}$/)
  expect(await Migrations.apply(db)).toEqual(shipped.map((m) => m.version))
  expect(await Migrations.apply(db)).toEqual([])
  const tables = await db.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  )
  expect(tables.map((t) => t.table_name)).toEqual([
    'action_events',
    'action_signatures',
    'action_timelock_operations',
    'actions',
    'safes',
    'schema_migrations',
    'signer_alerts',
    'signer_receipts',
    'witnessed_heads',
  ])
})

test('a failing migration rolls back entirely; an edited applied one is refused', async () => {
  const shipped = Migrations.list()
  const broken = {
    version: shipped.length + 1,
    name: 'broken',
    sql: 'CREATE TABLE half (a int); SELECT no_such_function();',
    checksum: 'x',
  }
  await expect(Migrations.apply(db, [...shipped, broken])).rejects.toMatchObject({
    name: 'Queue.MigrationError',
  })
  expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'")).toEqual([])
  expect(await db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(
    shipped.map((m) => ({ version: m.version })),
  )

  const edited = shipped.map((m) => ({ ...m, sql: `${m.sql}\n-- edited`, checksum: 'different' }))
  await expect(Migrations.apply(db, edited)).rejects.toThrowErrorMatchingInlineSnapshot(`
    [Queue.MigrationError: Migration 1 (actions) was changed after it was applied.
    Never edit an applied migration; add a new numbered file instead.]
  `)

  const next = shipped.length + 1
  const added = { version: next, name: 'extra', sql: 'CREATE TABLE extra (a int);', checksum: 'e' }
  expect(await Migrations.apply(db, [...shipped, added])).toEqual([next])
  await expect(Migrations.apply(db, shipped)).rejects.toMatchObject({
    name: 'Queue.MigrationError',
    shortMessage: `The database has migration ${next}, newer than this Airlock knows.`,
  })
})

test('a running delay moves from the store clock to chain time; one without a chain time stays', async () => {
  // A fresh database: the delay's meaning changes with migration 5, on rows written before it.
  const fresh = pgliteDb(await PGlite.create())
  const all = Migrations.list()
  const at = all.findIndex((m) => m.name === 'delay_by_chain_time')
  expect(at).toBeGreaterThan(0)
  await Migrations.apply(fresh, all.slice(0, at))
  const insert = (id: string, createdChainAt: string | null) =>
    fresh.query(
      `INSERT INTO actions (id, chain_id, safe, safe_version, to_address, value, data, operation, safe_tx_gas,
         base_gas, gas_price, gas_token, refund_receiver, nonce, safe_tx_hash, tier, kind, title, description,
         state, required_signatures, required_attestations, delay_seconds, delay_until, created_by, created_at,
         updated_at, created_chain_at)
       VALUES ($1, 1, $2, '1.4.1', $2, 0, '0x', 0, 0, 0, 0, $2, $2, $3, $4, 'critical', 'transaction', 't', '',
         'delay-running', 2, 2, 3600, '2026-01-01T01:00:00Z', 'ops', '2026-01-01T00:00:00Z',
         '2026-01-01T00:00:00Z', $5)`,
      [
        id,
        `0x${'11'.repeat(20)}`,
        id === 'a' ? 0 : 1,
        `0x${(id === 'a' ? 'aa' : 'bb').repeat(32)}`,
        createdChainAt,
      ],
    )
  // The chain was 10 days ahead of the store's clock when `a` was created (anvil after time travel).
  await fresh.query(
    "INSERT INTO safes (chain_id, address, onchain_nonce, updated_at) VALUES (1, $1, 0, '2026-01-01T00:00:00Z')",
    [`0x${'11'.repeat(20)}`],
  )
  await insert('a', '2026-01-11T00:00:00Z')
  await insert('b', null)
  expect(await Migrations.apply(fresh)).toEqual(all.slice(at).map((m) => m.version))
  const rows = await fresh.query('SELECT id, delay_until FROM actions ORDER BY id')
  expect(rows.map((r) => [r.id, new Date(String(r.delay_until)).toISOString()])).toEqual([
    ['a', '2026-01-11T01:00:00.000Z'],
    ['b', '2026-01-01T01:00:00.000Z'],
  ])
  await fresh.close()
})
