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
