// The signer set's records (migration 4) on both stores: receipts kept once, witnessed heads replaced
// only by compare-and-set, alerts by action.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getAddress, type Hex, keccak256, toHex } from 'viem'
import { afterAll, describe, expect, test } from 'vitest'
import { openPgliteStore } from './PgliteStore.ts'
import { openPostgresStore } from './PostgresStore.ts'
import type { Store } from './Store.ts'
import { findPostgresBin, type PostgresServer, startPostgres } from './testing.ts'

const dir = mkdtempSync(join(tmpdir(), 'airlock-signer-set-store-'))
let server: PostgresServer | undefined
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await server?.stop()
})

const stores: [string, () => Promise<Store>][] = [
  ['PGlite', () => openPgliteStore({ dataDir: join(dir, 'queue') })],
  ...(findPostgresBin() || process.env.CI
    ? [
        [
          'PostgreSQL',
          async () => {
            server ??= await startPostgres()
            return openPostgresStore({ connectionString: server.url })
          },
        ] as [string, () => Promise<Store>],
      ]
    : []),
]

const safe = {
  chainId: 1n,
  address: getAddress('0x2222222222222222222222222222222222222222'),
  version: '1.4.1' as const,
}
const owner = getAddress('0x3333333333333333333333333333333333333333')
const actor = 'alice@ops'

describe.each(stores)('signer-set records (%s)', (_name, open) => {
  test('keeps receipts once each, witnessed heads by compare-and-set, and alerts by action', async () => {
    const store = await open()
    try {
      const action = await store.createAction({
        safe,
        tx: { to: owner, value: 1n, data: '0x', nonce: 0n },
        title: 'pay',
        requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
        actor,
        submit: true,
      })
      const receipt = (keyId: string, nonce: bigint, signerTime: number) => ({
        keyId,
        owner,
        chainId: safe.chainId,
        safe: safe.address,
        nonce,
        safeTxHash: keccak256(toHex(`${keyId}-${nonce}`)),
        kind: 'safe-signature' as const,
        signerTime,
        wire: toHex(`receipt ${keyId} ${nonce}`),
        actionId: action.id,
      })
      expect(await store.addReceipt(receipt('00000000000000aa', 0n, 1000))).toBe('added')
      expect(await store.addReceipt(receipt('00000000000000aa', 0n, 1000))).toBe('duplicate')
      expect(await store.addReceipt(receipt('00000000000000bb', 1n, 2000))).toBe('added')
      const all = await store.receipts({ chainId: safe.chainId, safe: safe.address })
      expect(all.map((r) => [r.keyId, r.nonce])).toEqual([
        ['00000000000000aa', 0n],
        ['00000000000000bb', 1n],
      ])
      const recent = await store.receipts({ chainId: safe.chainId, safe: safe.address, since: 1500 })
      expect(recent).toMatchObject([
        { keyId: '00000000000000bb', nonce: 1n, signerTime: 2000, actionId: action.id },
      ])
      expect(recent[0]!.wire).toBe(toHex('receipt 00000000000000bb 1'))
      expect(await store.receipts({ chainId: 2n, safe: safe.address })).toEqual([])
      await expect(store.addReceipt({ ...receipt('nothex', 2n, 1) })).rejects.toMatchObject({
        name: 'Queue.InvalidInputError',
      })

      const head = (size: number) => ({
        size,
        root: keccak256(toHex(size)),
        time: '2026-01-01T00:00:00.000Z',
        keyId: '00000000000000aa',
        sig: `0x${'cd'.repeat(64)}` as Hex,
      })
      expect(await store.witnessedHeads()).toEqual({})
      await store.witnessHead({ owner, previous: undefined, next: head(3) })
      expect(await store.witnessedHeads()).toEqual({ [owner.toLowerCase()]: head(3) })
      // Another operator witnessed meanwhile: the stale compare fails and nothing changes.
      await expect(store.witnessHead({ owner, previous: undefined, next: head(9) })).rejects.toMatchObject({
        name: 'Queue.WitnessConflictError',
      })
      await store.witnessHead({ owner, previous: head(3), next: head(5) })
      expect(await store.witnessedHeads()).toEqual({ [owner.toLowerCase()]: head(5) })

      const alert = await store.addAlert({
        owner,
        code: 'log-rollback',
        message: 'rolled back',
        actionId: action.id,
        previous: head(5),
        next: head(2),
        raisedBy: actor,
      })
      expect(alert).toMatchObject({
        code: 'log-rollback',
        actionId: action.id,
        previous: head(5),
        next: head(2),
      })
      await store.addAlert({
        owner,
        code: 'log-fork',
        message: 'forked',
        actionId: null,
        previous: null,
        next: null,
        raisedBy: actor,
      })
      expect((await store.alerts({ actionId: action.id })).map((a) => a.code)).toEqual(['log-rollback'])
      expect((await store.alerts()).map((a) => a.code)).toEqual(['log-rollback', 'log-fork'])

      // Everything is still there after re-opening.
      await store.close()
      const again = await open()
      try {
        expect(await again.witnessedHeads()).toEqual({ [owner.toLowerCase()]: head(5) })
        expect((await again.receipts({ chainId: safe.chainId, safe: safe.address })).length).toBe(2)
      } finally {
        await again.close()
      }
    } finally {
      await store.close().catch(() => {})
    }
  })
})
