// The queue test-suite, written once and run against every store (PGlite and PostgreSQL).
import { analyze, SafeTxHash } from '@airlock/safe'
import { getAddress, type Hex, keccak256, toHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import * as Rejection from './Rejection.ts'
import type { Store, StoreOptions } from './Store.ts'
import type { Requirements, SafeInfo } from './types.ts'
import { ownerVerifier } from './Verifier.ts'

export type StoreFactory = {
  name: string
  /** Opens a store on the suite's database (every call the same database; the previous one is closed first). */
  open(options: StoreOptions): Promise<Store>
  /** Called once after the suite. */
  cleanup?: (() => Promise<void>) | undefined
}

const owners = Array.from({ length: 3 }, (_, i) => privateKeyToAccount(toHex(i + 1, { size: 32 })))
const outsider = privateKeyToAccount(toHex(99, { size: 32 }))
const recipient = getAddress('0x1111111111111111111111111111111111111111')
const routine: Requirements = { signatures: 2, attestations: 0, delaySeconds: 0 }
const critical: Requirements = { signatures: 2, attestations: 2, delaySeconds: 3600 }
const blockHashOf = (block: bigint): Hex => keccak256(toHex(block))

let safeCounter = 0
/** A fresh Safe per test, so tests sharing one database never see each other's actions. */
function newSafe(): SafeInfo {
  safeCounter++
  return {
    chainId: 1n,
    address: getAddress(keccak256(toHex(`safe-${safeCounter}-${Math.random()}`)).slice(0, 42)),
    version: '1.4.1',
  }
}

async function sign(account: (typeof owners)[number], hash: Hex): Promise<Hex> {
  return account.sign({ hash })
}

/**
 * Registers the whole queue suite for one store kind.
 *
 * @example
 * storeSuite({ name: 'pglite', open: (options) => openPgliteStore({ dataDir: 'memory', ...options }) })
 */
export function storeSuite(factory: StoreFactory): void {
  describe(`queue store (${factory.name})`, () => {
    let clock = new Date('2026-01-01T00:00:00Z')
    let store: Store
    const actor = 'alice@ops'

    beforeAll(async () => {
      store = await factory.open({ now: () => clock })
    })
    afterAll(async () => {
      await store?.close()
      await factory.cleanup?.()
    })

    const transfer = (safe: SafeInfo, nonce: bigint, value = 1n) =>
      store.createAction({
        safe,
        tx: { to: recipient, value, data: '0x', nonce },
        title: `pay ${value}`,
        requirements: routine,
        actor,
        submit: true,
      })

    test('creates an action with our own safeTxHash and tier, exact numbers and a creation event', async () => {
      const safe = newSafe()
      const max = (1n << 256n) - 1n
      const tx = {
        to: recipient,
        value: max,
        data: '0xdeadbeef',
        nonce: 123456789012345678901234567890n,
        safeTxHash: `0x${'ab'.repeat(32)}`,
      }
      const action = await store.createAction({
        safe,
        tx,
        title: 'Max value',
        description: 'd',
        requirements: () => routine,
        actor,
      })
      const context = { chainId: safe.chainId, safe: safe.address, version: safe.version }
      expect(action.safeTxHash).toBe(SafeTxHash.compute({ tx: action.tx, context }).safeTxHash)
      expect(action.safeTxHash).not.toBe(tx.safeTxHash)
      expect(action.tx.value).toBe(max)
      expect(action.nonce).toBe(tx.nonce)
      expect(action.tier).toBe(analyze({ tx: action.tx, context }).tier)
      expect(action).toMatchObject({
        state: 'draft',
        title: 'Max value',
        description: 'd',
        kind: 'transaction',
        createdBy: actor,
      })
      expect(action.requirements).toEqual(routine)
      const history = await store.history(action.id)
      expect(history.map((e) => [e.from, e.to, e.actor, e.reason])).toEqual([
        [null, 'draft', actor, 'created'],
      ])
      expect(await store.getAction(action.id)).toEqual(action)
    })

    test('tier and requirements follow the analysis: an untrusted delegatecall is existential', async () => {
      const safe = newSafe()
      const action = await store.createAction({
        safe,
        tx: { to: recipient, data: '0x12345678', operation: 1, nonce: 0 },
        title: 'delegatecall',
        requirements: ({ tier }) =>
          tier === 'existential' ? { signatures: 3, attestations: 3, delaySeconds: 86400 } : routine,
        actor,
      })
      expect(action.tier).toBe('existential')
      expect(action.requirements).toEqual({ signatures: 3, attestations: 3, delaySeconds: 86400 })
    })

    test('routine: submit, two signatures, ready, executed; every transition is in the history', async () => {
      const safe = newSafe()
      const draft = await store.createAction({
        safe,
        tx: { to: recipient, value: 5n, nonce: 0n },
        title: 'pay',
        requirements: routine,
        actor,
      })
      const submitted = await store.submit(draft.id, { actor })
      expect(submitted.state).toBe('collecting-signatures')
      const verify = ownerVerifier({ owners: owners.map((o) => o.address) })
      const first = await store.addSignature(
        draft.id,
        {
          signer: owners[0]!.address,
          signature: await sign(owners[0]!, draft.safeTxHash),
          kind: 'safe-signature',
        },
        { actor: 'bob', verify },
      )
      expect(first.status).toBe('added')
      expect(first.action.state).toBe('collecting-signatures')
      const second = await store.addSignature(
        draft.id,
        {
          signer: owners[1]!.address,
          signature: await sign(owners[1]!, draft.safeTxHash),
          kind: 'safe-signature',
        },
        { actor: 'bob', verify },
      )
      expect(second.action.state).toBe('ready')
      expect(second.action.collected).toEqual({ signatures: 2, attestations: 0 })
      const executed = await store.recordExecution(draft.id, {
        txHash: `0x${'12'.repeat(32)}`,
        blockNumber: 99n,
        blockHash: blockHashOf(99n),
        status: 'success',
        revertReason: null,
        actor: 'executor',
      })
      expect(executed.state).toBe('executed')
      expect(executed.execution).toEqual({
        txHash: `0x${'12'.repeat(32)}`,
        blockNumber: 99n,
        blockHash: blockHashOf(99n),
        status: 'success',
        revertReason: null,
      })
      expect(await store.onchainNonce(safe)).toBe(1n)
      const history = await store.history(draft.id)
      expect(history.map((e) => `${e.from ?? '-'}→${e.to} by ${e.actor}`)).toEqual([
        '-→draft by alice@ops',
        'draft→collecting-attestations by alice@ops',
        'collecting-attestations→collecting-signatures by alice@ops',
        'collecting-signatures→ready by bob',
        'ready→executed by executor',
      ])
      expect(history[3]?.reason).toBe('2/2 signatures collected')
    })

    test('critical: attestations, then the delay, then signatures', async () => {
      const safe = newSafe()
      const action = await store.createAction({
        safe,
        tx: { to: recipient, value: 7n, nonce: 0n },
        title: 'big',
        requirements: critical,
        actor,
        submit: true,
      })
      expect(action.state).toBe('collecting-attestations')
      const early = store.addSignature(
        action.id,
        {
          signer: owners[0]!.address,
          signature: await sign(owners[0]!, action.safeTxHash),
          kind: 'safe-signature',
        },
        { actor },
      )
      await expect(early).rejects.toMatchObject({ name: 'Queue.NotAcceptingSignaturesError' })
      await store.addSignature(
        action.id,
        { signer: owners[0]!.address, signature: '0x01', kind: 'approval-attestation' },
        { actor },
      )
      // The chain's clock is a day behind the store's (a skewed host, or anvil before time travel):
      // the delay runs by the chain's.
      const chainStart = new Date(clock.getTime() - 86_400_000)
      const after = await store.addSignature(
        action.id,
        { signer: owners[1]!.address, signature: '0x02', kind: 'approval-attestation' },
        { actor, chainTime: chainStart },
      )
      expect(after.action.state).toBe('delay-running')
      expect(after.action.delayUntil).toEqual(new Date(chainStart.getTime() + 3600_000))
      expect((await store.advance(action.id, { actor })).state).toBe('delay-running')
      expect(await store.canExecute(action.id, { onchainNonce: 0n })).toMatchObject({
        ok: false,
        reason: 'delay-running',
      })
      // The store's clock far past the end decides nothing; neither does a block a second early.
      clock = new Date(clock.getTime() + 7 * 86_400_000)
      expect((await store.advance(action.id, { actor: 'cron' })).state).toBe('delay-running')
      const second = new Date(chainStart.getTime() + 3599_000)
      expect((await store.advance(action.id, { actor: 'cron', chainTime: second })).state).toBe(
        'delay-running',
      )
      const ended = new Date(chainStart.getTime() + 3600_000)
      expect((await store.advance(action.id, { actor: 'cron', chainTime: ended })).state).toBe(
        'collecting-signatures',
      )
      expect((await store.history(action.id)).at(-1)?.reason).toContain('by chain time')
      for (const owner of owners.slice(0, 2)) {
        await store.addSignature(
          action.id,
          { signer: owner.address, signature: await sign(owner, action.safeTxHash), kind: 'safe-signature' },
          { actor },
        )
      }
      expect((await store.getAction(action.id)).state).toBe('ready')
      expect((await store.history(action.id)).map((e) => e.to)).toEqual([
        'draft',
        'collecting-attestations',
        'delay-running',
        'collecting-signatures',
        'ready',
      ])
    })

    test('a delay does not start without the chain time; it starts at the block time given later', async () => {
      const safe = newSafe()
      const action = await store.createAction({
        safe,
        tx: { to: recipient, value: 8n, nonce: 0n },
        title: 'big',
        requirements: critical,
        actor,
        submit: true,
      })
      for (const [i, owner] of owners.slice(0, 2).entries()) {
        await store.addSignature(
          action.id,
          { signer: owner.address, signature: `0x0${i + 1}`, kind: 'approval-attestation' },
          { actor },
        )
      }
      const waiting = await store.getAction(action.id)
      expect(waiting).toMatchObject({ state: 'collecting-attestations', delayUntil: null })
      const chainNow = new Date(clock.getTime() + 30 * 86_400_000)
      const started = await store.advance(action.id, { actor, chainTime: chainNow })
      expect(started).toMatchObject({
        state: 'delay-running',
        delayUntil: new Date(chainNow.getTime() + 3600_000),
      })
      await expect(
        store.advance(action.id, { actor, chainTime: new Date(Number.NaN) }),
      ).rejects.toMatchObject({ name: 'Queue.InvalidInputError' })
      // A delay with no attestations starts at creation, by the chain time given with it.
      const direct = await store.createAction({
        safe,
        tx: { to: recipient, value: 9n, nonce: 1n },
        title: 'delayed',
        requirements: { signatures: 2, attestations: 0, delaySeconds: 60 },
        actor,
        submit: true,
        chainTime: chainNow,
      })
      expect(direct).toMatchObject({
        state: 'delay-running',
        delayUntil: new Date(chainNow.getTime() + 60_000),
      })
    })

    test('invalid transitions are typed errors and change nothing', async () => {
      const safe = newSafe()
      const action = await transfer(safe, 0n)
      await expect(store.transition(action.id, { to: 'ready', actor, reason: 'skip' })).rejects.toMatchObject(
        {
          name: 'Queue.InvalidTransitionError',
          from: 'collecting-signatures',
          to: 'ready',
        },
      )
      await expect(
        store.transition(action.id, { to: 'draft', actor, reason: 'back' }),
      ).rejects.toThrowErrorMatchingInlineSnapshot(`
        [Queue.InvalidTransitionError: An action cannot go from "collecting-signatures" to "draft".
        From "collecting-signatures" it can go to: ready, cancelled, superseded.]
      `)
      await expect(
        store.transition(action.id, { to: 'nope' as never, actor, reason: 'x' }),
      ).rejects.toMatchObject({ name: 'Queue.InvalidInputError' })
      await expect(
        store.recordExecution(action.id, {
          txHash: `0x${'00'.repeat(32)}`,
          blockNumber: 1n,
          blockHash: blockHashOf(1n),
          status: 'success',
          revertReason: null,
          actor,
        }),
      ).rejects.toMatchObject({ name: 'Queue.InvalidTransitionError' })
      await store.cancel(action.id, { actor, reason: 'wrong amount' })
      await expect(
        store.cancel(action.id, { actor, reason: 'again' }),
      ).rejects.toThrowErrorMatchingInlineSnapshot(`
        [Queue.InvalidTransitionError: An action cannot go from "cancelled" to "cancelled".
        "cancelled" is final; create a new action instead.]
      `)
      await expect(store.submit(action.id, { actor })).rejects.toMatchObject({
        name: 'Queue.InvalidTransitionError',
      })
      const history = await store.history(action.id)
      expect(history.at(-1)).toMatchObject({
        from: 'collecting-signatures',
        to: 'cancelled',
        reason: 'wrong amount',
      })
      expect(history).toHaveLength(4)
    })

    test('a reverted execution fails; it may be retried and then executes', async () => {
      const safe = newSafe()
      const action = await store.createAction({
        safe,
        tx: { to: recipient, nonce: 0n },
        title: 't',
        requirements: { signatures: 0, attestations: 0, delaySeconds: 0 },
        actor,
        submit: true,
      })
      expect(action.state).toBe('ready')
      const failed = await store.recordExecution(action.id, {
        txHash: `0x${'34'.repeat(32)}`,
        blockNumber: 5n,
        blockHash: blockHashOf(5n),
        status: 'reverted',
        revertReason: 'GS013',
        actor,
      })
      expect(failed).toMatchObject({
        state: 'failed',
        execution: { status: 'reverted', revertReason: 'GS013' },
      })
      expect(await store.onchainNonce(safe)).toBe(0n)
      await store.transition(action.id, { to: 'ready', actor, reason: 'retry with more gas' })
      expect(
        (
          await store.recordExecution(action.id, {
            txHash: `0x${'35'.repeat(32)}`,
            blockNumber: 6n,
            blockHash: blockHashOf(6n),
            status: 'success',
            revertReason: null,
            actor,
          })
        ).state,
      ).toBe('executed')
    })

    const execute = (id: string, block: bigint) =>
      store.recordExecution(id, {
        txHash: `0x${block.toString(16).padStart(64, '0')}`,
        blockNumber: block,
        blockHash: blockHashOf(block),
        status: 'success',
        revertReason: null,
        actor: 'executor',
      })

    test('recordReorg: executed goes back to ready, the nonce rolls back, superseded rivals stay', async () => {
      const safe = newSafe()
      const action = await transfer(safe, 0n, 1n)
      const rival = await transfer(safe, 0n, 2n)
      for (const id of [action.id, rival.id]) {
        for (const owner of owners.slice(0, 2)) {
          const target = await store.getAction(id)
          await store.addSignature(
            id,
            {
              signer: owner.address,
              signature: await sign(owner, target.safeTxHash),
              kind: 'safe-signature',
            },
            { actor },
          )
        }
      }
      // A malformed block hash is refused before anything is recorded.
      await expect(
        store.recordExecution(action.id, {
          txHash: `0x${'40'.repeat(32)}`,
          blockNumber: 40n,
          blockHash: '0x1234',
          status: 'success',
          revertReason: null,
          actor,
        }),
      ).rejects.toMatchObject({ name: 'Safe.InvalidHexError' })
      expect(await store.getAction(action.id)).toMatchObject({ state: 'ready', execution: null })
      await execute(action.id, 40n)
      expect((await store.getAction(action.id)).execution).toMatchObject({
        blockNumber: 40n,
        blockHash: blockHashOf(40n),
      })
      expect(await store.getAction(rival.id)).toMatchObject({ state: 'superseded' })
      expect(await store.onchainNonce(safe)).toBe(1n)
      expect(await store.nextExecutable({ safe, onchainNonce: 0n })).toBeUndefined()

      const back = await store.recordReorg(action.id, { actor: 'watcher', reason: 'block 40 reorged away' })
      expect(back).toMatchObject({ state: 'ready', execution: null, collected: { signatures: 2 } })
      expect(await store.onchainNonce(safe)).toBe(0n)
      expect(await store.getAction(rival.id)).toMatchObject({ state: 'superseded' })
      expect((await store.nextExecutable({ safe, onchainNonce: 0n }))?.id).toBe(action.id)
      expect(await store.canExecute(action.id, { onchainNonce: 0n })).toMatchObject({ ok: true })
      expect(
        (await store.history(action.id)).slice(-2).map((e) => [e.from, e.to, e.actor, e.reason]),
      ).toEqual([
        ['ready', 'executed', 'executor', `executed in 0x${40n.toString(16).padStart(64, '0')} (block 40)`],
        ['executed', 'ready', 'watcher', 'block 40 reorged away'],
      ])
      // transition() still refuses the move: only recordReorg makes it.
      await execute(action.id, 41n)
      await expect(store.transition(action.id, { to: 'ready', actor, reason: 'back' })).rejects.toMatchObject(
        { name: 'Queue.InvalidTransitionError', from: 'executed', to: 'ready' },
      )
      expect(await store.getAction(action.id)).toMatchObject({
        state: 'executed',
        execution: { blockNumber: 41n, status: 'success' },
      })
      expect(await store.onchainNonce(safe)).toBe(1n)
    })

    test('recordReorg is refused from any state but executed, and changes nothing', async () => {
      const safe = newSafe()
      const open = await transfer(safe, 0n)
      const cancelled = await transfer(safe, 1n)
      await store.cancel(cancelled.id, { actor, reason: 'no' })
      for (const [id, from] of [
        [open.id, 'collecting-signatures'],
        [cancelled.id, 'cancelled'],
      ] as const) {
        const before = await store.history(id)
        await expect(store.recordReorg(id, { actor, reason: 'reorg' })).rejects.toMatchObject({
          name: 'Queue.InvalidTransitionError',
          from,
          to: 'ready',
        })
        expect(await store.history(id)).toEqual(before)
      }
      await expect(store.recordReorg('no-such-id', { actor, reason: 'r' })).rejects.toMatchObject({
        name: 'Queue.UnknownActionError',
      })
    })

    test('recordReorg is refused when a later nonce executed on top', async () => {
      const safe = newSafe()
      const zero = { signatures: 0, attestations: 0, delaySeconds: 0 }
      const make = (nonce: bigint) =>
        store.createAction({
          safe,
          tx: { to: recipient, nonce },
          title: `n${nonce}`,
          requirements: zero,
          actor,
          submit: true,
        })
      const first = await make(0n)
      const second = await make(1n)
      await execute(first.id, 10n)
      await execute(second.id, 11n)
      const error = await store.recordReorg(first.id, { actor, reason: 'reorg' }).catch((e: unknown) => e)
      expect(error).toMatchObject({ name: 'Queue.ReorgRefusedError', nonce: 0n, onchainNonce: 2n })
      expect(String((error as Error).message)).toContain('later actions already executed')
      expect(await store.getAction(first.id)).toMatchObject({
        state: 'executed',
        execution: { blockNumber: 10n },
      })
      expect(await store.onchainNonce(safe)).toBe(2n)
      // Newest first works: the later one, then the earlier one.
      await store.recordReorg(second.id, { actor, reason: 'reorg' })
      expect(await store.onchainNonce(safe)).toBe(1n)
      expect(await store.recordReorg(first.id, { actor, reason: 'reorg' })).toMatchObject({ state: 'ready' })
      expect(await store.onchainNonce(safe)).toBe(0n)
    })

    test('unknown actions, stale nonces and bad input are typed errors', async () => {
      const safe = newSafe()
      await expect(store.getAction('no-such-id')).rejects.toThrowErrorMatchingInlineSnapshot(`
        [Queue.UnknownActionError: No action with id "no-such-id" is in the queue.
        Check the id (airlock action list shows them); it may belong to another database.]
      `)
      await expect(
        store.addSignature(
          'no-such-id',
          { signer: owners[0]!.address, signature: '0x01', kind: 'safe-signature' },
          { actor },
        ),
      ).rejects.toMatchObject({ name: 'Queue.UnknownActionError' })
      await expect(store.history('')).rejects.toMatchObject({ name: 'Queue.UnknownActionError' })
      await store.syncNonce({ safe, onchainNonce: 10n, actor })
      await expect(transfer(safe, 9n)).rejects.toThrowErrorMatchingInlineSnapshot(`
        [Queue.StaleNonceError: Nonce 9 is already used: the Safe's on-chain nonce is 10.
        Use nonce 10 or later (queue next-nonce suggests one).]
      `)
      const other = newSafe()
      await expect(
        store.createAction({
          safe: other,
          tx: { to: recipient, nonce: 3n },
          title: 't',
          requirements: routine,
          actor,
          onchainNonce: 4n,
        }),
      ).rejects.toMatchObject({ name: 'Queue.StaleNonceError', nonce: 3n, onchainNonce: 4n })
      await expect(
        store.createAction({
          safe,
          tx: { to: 'nope', nonce: 10n },
          title: 't',
          requirements: routine,
          actor,
        }),
      ).rejects.toMatchObject({ name: 'Safe.InvalidAddressError' })
      await expect(
        store.createAction({
          safe,
          tx: { to: recipient, nonce: 10n },
          title: ' ',
          requirements: routine,
          actor,
        }),
      ).rejects.toMatchObject({ name: 'Queue.InvalidInputError' })
      await expect(
        store.createAction({
          safe,
          tx: { to: recipient, nonce: 10n },
          title: 't',
          requirements: { signatures: -1, attestations: 0, delaySeconds: 0 },
          actor,
        }),
      ).rejects.toMatchObject({ name: 'Queue.InvalidInputError' })
      await expect(
        store.createAction({
          safe,
          tx: { to: recipient, nonce: 10n },
          title: 't',
          requirements: routine,
          actor: '',
        }),
      ).rejects.toMatchObject({ name: 'Queue.InvalidInputError' })
      const action = await transfer(safe, 10n)
      await expect(
        store.addSignature(
          action.id,
          { signer: owners[0]!.address, signature: 'zz', kind: 'safe-signature' },
          { actor },
        ),
      ).rejects.toMatchObject({ name: 'Safe.InvalidHexError' })
      await expect(
        store.addSignature(
          action.id,
          { signer: owners[0]!.address, signature: '0x01', kind: 'other' as never },
          { actor },
        ),
      ).rejects.toMatchObject({ name: 'Queue.InvalidInputError' })
      expect(await store.signatures(action.id)).toEqual([])
    })

    test('duplicates are idempotent; the same signer with other bytes is a conflict', async () => {
      const safe = newSafe()
      const action = await store.createAction({
        safe,
        tx: { to: recipient, nonce: 0n },
        title: 't',
        requirements: { signatures: 3, attestations: 0, delaySeconds: 0 },
        actor,
        submit: true,
      })
      const signature = await sign(owners[0]!, action.safeTxHash)
      const input = { signer: owners[0]!.address, signature, kind: 'safe-signature' } as const
      expect((await store.addSignature(action.id, input, { actor: 'a' })).status).toBe('added')
      const again = await store.addSignature(
        action.id,
        {
          ...input,
          signer: input.signer.toLowerCase(),
          signature: signature.toUpperCase().replace('0X', '0x'),
        },
        { actor: 'b' },
      )
      expect(again.status).toBe('duplicate')
      expect(again.signature.addedBy).toBe('a')
      const other = await sign(owners[0]!, keccak256('0x01'))
      const conflict = store.addSignature(action.id, { ...input, signature: other }, { actor: 'c' })
      await expect(conflict).rejects.toMatchObject({ name: 'Queue.SignatureConflictError' })
      await expect(conflict).rejects.toThrow(
        `${owners[0]!.address} already has a different safe-signature recorded for action ${action.id}.`,
      )
      // The same signer may also attest: a different kind is a different entry.
      await store.addSignature(
        action.id,
        { ...input, signature: other, kind: 'approval-attestation' },
        { actor },
      )
      const stored = await store.signatures(action.id)
      expect(stored.map((s) => [s.signer, s.kind, s.signature])).toEqual([
        [owners[0]!.address, 'safe-signature', signature],
        [owners[0]!.address, 'approval-attestation', other],
      ])
      expect((await store.getAction(action.id)).collected).toEqual({ signatures: 1, attestations: 1 })
    })

    test('the verifier checks the signer against our hash and the current owners', async () => {
      const safe = newSafe()
      const verify = ownerVerifier({ owners: owners.map((o) => o.address) })
      const action = await transfer(safe, 0n)
      const wrongHash = await sign(owners[0]!, keccak256('0xbeef'))
      await expect(
        store.addSignature(
          action.id,
          { signer: owners[0]!.address, signature: wrongHash, kind: 'safe-signature' },
          { actor, verify },
        ),
      ).rejects.toMatchObject({ name: 'Queue.SignatureRejectedError' })
      const byOutsider = await sign(outsider, action.safeTxHash)
      await expect(
        store.addSignature(
          action.id,
          { signer: outsider.address, signature: byOutsider, kind: 'safe-signature' },
          { actor, verify },
        ),
      ).rejects.toMatchObject({ name: 'Queue.SignatureRejectedError' })
      // A real owner's signature claimed for another owner.
      const mislabelled = await sign(owners[1]!, action.safeTxHash)
      await expect(
        store.addSignature(
          action.id,
          { signer: owners[0]!.address, signature: mislabelled, kind: 'safe-signature' },
          { actor, verify },
        ),
      ).rejects.toMatchObject({ name: 'Queue.SignatureRejectedError' })
      await expect(
        store.addSignature(
          action.id,
          { signer: owners[0]!.address, signature: '0x1234', kind: 'approval-attestation' },
          { actor, verify },
        ),
      ).rejects.toMatchObject({ name: 'Queue.SignatureRejectedError' })
      expect(await store.signatures(action.id)).toEqual([])
    })

    test('concurrent ingestion of the same signatures records each exactly once', async () => {
      const safe = newSafe()
      const accounts = Array.from({ length: 20 }, () => privateKeyToAccount(generatePrivateKey()))
      const action = await store.createAction({
        safe,
        tx: { to: recipient, nonce: 0n },
        title: 't',
        requirements: { signatures: 20, attestations: 0, delaySeconds: 0 },
        actor,
        submit: true,
      })
      const inputs = await Promise.all(
        accounts.map(async (a) => ({
          signer: a.address,
          signature: await sign(a, action.safeTxHash),
          kind: 'safe-signature' as const,
        })),
      )
      const results = await Promise.all(
        [...inputs, ...inputs.toReversed()].map((input) => store.addSignature(action.id, input, { actor })),
      )
      expect(results.filter((r) => r.status === 'added')).toHaveLength(20)
      expect((await store.signatures(action.id)).map((s) => s.signer).sort()).toEqual(
        accounts.map((a) => a.address).sort(),
      )
      const history = await store.history(action.id)
      expect(history.filter((e) => e.to === 'ready')).toHaveLength(1)
    })

    test('nonce conflicts, replacements, rejections and execution order', async () => {
      const safe = newSafe()
      const a5 = await transfer(safe, 5n, 1n)
      const b5 = await transfer(safe, 5n, 2n)
      const a6 = await transfer(safe, 6n, 3n)
      expect(await store.nextNonce(safe)).toBe(7n)
      const groups = await store.conflicts(safe)
      expect(groups.map((g) => [g.nonce, g.actions.map((x) => x.id)])).toEqual([[5n, [a5.id, b5.id]]])

      // Replace b5 by a corrected one: atomically superseded.
      const c5 = await store.createAction({
        safe,
        tx: { to: recipient, value: 22n, nonce: 5n },
        title: 'fixed',
        requirements: routine,
        actor,
        replaces: b5.id,
        submit: true,
      })
      expect(c5.supersedes).toBe(b5.id)
      expect(await store.getAction(b5.id)).toMatchObject({ state: 'superseded', supersededBy: c5.id })
      await expect(
        store.createAction({
          safe,
          tx: { to: recipient, value: 23n, nonce: 6n },
          title: 'x',
          requirements: routine,
          actor,
          replaces: c5.id,
        }),
      ).rejects.toMatchObject({ name: 'Queue.NonceMismatchError' })
      expect((await store.listActions({ safe })).map((x) => x.id).sort()).toEqual(
        [a5.id, a6.id, b5.id, c5.id].sort(),
      )

      // A rejection of nonce 5: an empty call to the Safe itself.
      const rejection = await store.createRejection({
        safe,
        nonce: 5n,
        requirements: routine,
        actor,
        submit: true,
      })
      expect(rejection.kind).toBe('rejection')
      expect(rejection.tx).toEqual(Rejection.tx({ safe: safe.address, nonce: 5n }))
      expect(Rejection.isRejection({ tx: rejection.tx, safe: safe.address })).toBe(true)
      expect((await store.conflicts(safe))[0]?.actions).toHaveLength(3)

      const signAll = async (id: string, hash: Hex) => {
        for (const owner of owners.slice(0, 2)) {
          await store.addSignature(
            id,
            { signer: owner.address, signature: await sign(owner, hash), kind: 'safe-signature' },
            { actor },
          )
        }
      }
      // The later nonce is ready first, yet cannot run before nonce 5.
      await signAll(a6.id, a6.safeTxHash)
      expect(await store.canExecute(a6.id, { onchainNonce: 5n })).toMatchObject({
        ok: false,
        reason: 'earlier-nonce-pending',
      })
      expect(await store.nextExecutable({ safe, onchainNonce: 5n })).toBeUndefined()
      expect(await store.canExecute(a5.id, { onchainNonce: 5n })).toMatchObject({
        ok: false,
        reason: 'not-ready',
      })

      await signAll(a5.id, a5.safeTxHash)
      await signAll(rejection.id, rejection.safeTxHash)
      expect(await store.canExecute(a5.id, { onchainNonce: 5n })).toMatchObject({
        ok: false,
        reason: 'nonce-conflict',
      })
      await expect(store.nextExecutable({ safe, onchainNonce: 5n })).rejects.toMatchObject({
        name: 'Queue.NonceConflictError',
        actionIds: [a5.id, rejection.id],
      })

      // The rejection runs: every other action at nonce 5 is superseded, and nonce 6 is next.
      await store.recordExecution(rejection.id, {
        txHash: `0x${'56'.repeat(32)}`,
        blockNumber: 10n,
        blockHash: blockHashOf(10n),
        status: 'success',
        revertReason: null,
        actor,
      })
      expect(await store.getAction(a5.id)).toMatchObject({ state: 'superseded', supersededBy: null })
      expect(await store.getAction(c5.id)).toMatchObject({ state: 'superseded' })
      expect((await store.history(a5.id)).at(-1)?.reason).toBe(`nonce 5 was used by action ${rejection.id}`)
      expect(await store.conflicts(safe)).toEqual([])
      expect(await store.canExecute(a5.id, { onchainNonce: 6n })).toMatchObject({
        ok: false,
        reason: 'nonce-used',
      })
      expect((await store.nextExecutable({ safe, onchainNonce: 6n }))?.id).toBe(a6.id)
      // A stale caller view cannot bring back nonce 5.
      expect((await store.nextExecutable({ safe, onchainNonce: 5n }))?.id).toBe(a6.id)
      expect(await store.canExecute(a6.id, { onchainNonce: 6n })).toMatchObject({ ok: true })
      expect((await store.listActions({ safe, live: true })).map((x) => x.id)).toEqual([a6.id])
      expect((await store.listActions({ safe, states: ['superseded'] })).length).toBe(3)
    })

    test('syncNonce supersedes what the chain has passed; timelocks hold execution until their eta', async () => {
      const safe = newSafe()
      const old = await transfer(safe, 0n)
      const next = await store.createAction({
        safe,
        tx: { to: recipient, nonce: 1n },
        title: 't',
        requirements: { signatures: 0, attestations: 0, delaySeconds: 0 },
        actor,
        submit: true,
      })
      const passed = await store.syncNonce({ safe, onchainNonce: 1n, actor: 'sentry' })
      expect(passed.map((x) => x.id)).toEqual([old.id])
      expect((await store.getAction(old.id)).state).toBe('superseded')
      expect(await store.syncNonce({ safe, onchainNonce: 0n, actor: 'sentry' })).toEqual([])
      expect(await store.onchainNonce(safe)).toBe(1n)
      const eta = new Date(clock.getTime() + 60_000)
      const scheduled = await store.setTimelock(next.id, { operationId: `0x${'77'.repeat(32)}`, eta, actor })
      expect(scheduled.timelock).toEqual({ operationId: `0x${'77'.repeat(32)}`, eta })
      expect(await store.canExecute(next.id, { onchainNonce: 1n })).toMatchObject({
        ok: false,
        reason: 'timelock-pending',
      })
      expect(await store.nextExecutable({ safe, onchainNonce: 1n })).toBeUndefined()
      // The chain's time decides when given: the timelock contract reads block.timestamp.
      const chainTime = new Date(eta.getTime())
      expect(await store.canExecute(next.id, { onchainNonce: 1n, chainTime })).toMatchObject({ ok: true })
      expect((await store.nextExecutable({ safe, onchainNonce: 1n, chainTime }))?.id).toBe(next.id)
      const behind = await store.canExecute(next.id, {
        onchainNonce: 1n,
        chainTime: new Date(eta.getTime() - 1),
      })
      expect(behind).toMatchObject({ ok: false, reason: 'timelock-pending' })
      expect(behind.ok === false && behind.message).toContain('on chain')
      // The store's clock past the eta decides nothing: only the chain's time does.
      clock = new Date(eta.getTime() + 60_000)
      expect(await store.canExecute(next.id, { onchainNonce: 1n })).toMatchObject({
        ok: false,
        reason: 'timelock-pending',
      })
      expect(await store.nextExecutable({ safe, onchainNonce: 1n })).toBeUndefined()
    })

    test('nothing is half-recorded: a failing create leaves no trace; the same transaction twice is refused', async () => {
      const safe = newSafe()
      const first = await transfer(safe, 0n)
      const before = await store.listActions({ safe })
      await expect(transfer(safe, 0n)).rejects.toMatchObject({
        name: 'Queue.DuplicateActionError',
        existingId: first.id,
      })
      await expect(
        store.createAction({
          safe,
          tx: { to: recipient, value: 9n, nonce: 1n },
          title: 't',
          requirements: routine,
          actor,
          replaces: first.id,
        }),
      ).rejects.toMatchObject({ name: 'Queue.NonceMismatchError' })
      expect(await store.listActions({ safe })).toEqual(before)
      expect((await store.history(first.id)).length).toBe(3)
      // Once cancelled, the same transaction may be queued again.
      await store.cancel(first.id, { actor, reason: 'redo' })
      expect((await transfer(safe, 0n)).state).toBe('collecting-signatures')
    })

    test('migrations are recorded once; re-opening applies nothing and keeps the data', async () => {
      const safe = newSafe()
      const action = await transfer(safe, 0n)
      const applied = await store.migrations()
      expect(applied.map((m) => [m.version, m.name])).toEqual([
        [1, 'actions'],
        [2, 'execution_block_hash'],
        [3, 'timelock_operations_chain_time'],
        [4, 'signer_set'],
        [5, 'delay_by_chain_time'],
      ])
      await store.close()
      store = await factory.open({ now: () => clock })
      expect(await store.migrations()).toEqual(applied)
      expect(await store.getAction(action.id)).toEqual(action)
    })
  })
}
