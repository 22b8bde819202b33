// The migration that moves `delay_until` to chain time: a delay started by the store's clock before it
// is carried over by the offset between the two clocks recorded at the action's creation.
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

test('a running delay moves from the store clock to chain time; one without a chain time stays', async () => {
  const all = Migrations.list()
  const at = all.findIndex((m) => m.name === 'delay_by_chain_time')
  expect(at).toBeGreaterThan(0)
  await Migrations.apply(db, all.slice(0, at))
  const insert = (id: string, createdChainAt: string | null) =>
    db.query(
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
  await db.query(
    "INSERT INTO safes (chain_id, address, onchain_nonce, updated_at) VALUES (1, $1, 0, '2026-01-01T00:00:00Z')",
    [`0x${'11'.repeat(20)}`],
  )
  await insert('a', '2026-01-11T00:00:00Z')
  await insert('b', null)
  expect(await Migrations.apply(db)).toEqual(all.slice(at).map((m) => m.version))
  const rows = await db.query('SELECT id, delay_until FROM actions ORDER BY id')
  expect(rows.map((r) => [r.id, new Date(String(r.delay_until)).toISOString()])).toEqual([
    ['a', '2026-01-11T01:00:00.000Z'],
    ['b', '2026-01-01T01:00:00.000Z'],
  ])
})
