import { randomUUID } from 'node:crypto'
import { type AnalyzeParameters, analyze, SafeTx, SafeTxHash } from '@airlock/safe'
import type { Address, Hex } from 'viem'
import { constraintOf, type Db, type Row, sqlState, type Tx, withFaults } from './Db.ts'
import {
  DuplicateActionError,
  InvalidQueueInputError,
  InvalidTransitionError,
  NonceConflictError,
  NonceMismatchError,
  NotAcceptingSignaturesError,
  ReorgRefusedError,
  SignatureConflictError,
  SignatureRejectedError,
  StaleNonceError,
  UnknownActionError,
} from './errors.ts'
import * as Rejection from './Rejection.ts'
import { signerSetStore } from './SignerSetStore.ts'
import * as StateMachine from './StateMachine.ts'
import type { Store, StoreOptions } from './Store.ts'
import * as TimelockTier from './TimelockTier.ts'
import type {
  Action,
  ActionEvent,
  ActionKind,
  ActionState,
  AddSignatureResult,
  CanExecuteResult,
  CreateActionParameters,
  NonceGroup,
  Requirements,
  SafeRef,
  SignatureKind,
  StoredSignature,
  Tier,
} from './types.ts'

const LIVE = StateMachine.live.map((state) => `'${state}'`).join(', ')

const ACTION_COLUMNS = `a.id, a.chain_id::text AS chain_id, a.safe, a.safe_version, a.to_address,
  a.value::text AS value, a.data, a.operation, a.safe_tx_gas::text AS safe_tx_gas,
  a.base_gas::text AS base_gas, a.gas_price::text AS gas_price, a.gas_token, a.refund_receiver,
  a.nonce::text AS nonce, a.safe_tx_hash, a.tier, a.kind, a.title, a.description, a.state,
  a.required_signatures, a.required_attestations, a.delay_seconds, a.delay_until, a.supersedes,
  a.superseded_by, a.timelock_operation_id, a.timelock_eta, a.exec_tx_hash, a.exec_block::text AS exec_block,
  a.exec_block_hash, a.exec_status, a.exec_revert_reason, a.created_by, a.created_at, a.updated_at, a.signature_count,
  a.attestation_count, a.created_chain_at`

// Which states take which kind: attestations from submission on; Safe signatures only once the
// attestations and the delay are behind (the order the signers' policy expects).
const ACCEPTS: Record<SignatureKind, readonly ActionState[]> = {
  'approval-attestation': [
    'collecting-attestations',
    'delay-running',
    'collecting-signatures',
    'ready',
    'failed',
  ],
  'safe-signature': ['collecting-signatures', 'ready', 'failed'],
}

const MAX_TEXT = 10_000

/**
 * A Store over any `Db` (PGlite or PostgreSQL): all the queue logic, in SQL both understand.
 * Use `openPgliteStore` / `openPostgresStore` / `openStore` rather than this directly.
 *
 * @example
 * const store = createSqlStore(db, { now: () => new Date() })
 */
export function createSqlStore(
  rawDb: Db,
  { now = () => new Date(), verify: defaultVerify }: StoreOptions = {},
): Store {
  // A full disk or a lost connection is a typed error, never a raw database exception.
  const db = withFaults(rawDb)
  async function load(q: Tx | Db, id: string, { lock = false } = {}): Promise<Action> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw new UnknownActionError(String(id))
    const rows = await q.query(
      `SELECT ${ACTION_COLUMNS} FROM actions a WHERE a.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    )
    const row = rows[0]
    if (!row) throw new UnknownActionError(id)
    return toAction(row)
  }

  async function event(
    tx: Tx,
    actionId: string,
    from: ActionState | null,
    to: ActionState,
    actor: string,
    reason: string,
  ) {
    await tx.query(
      'INSERT INTO action_events (action_id, at, actor, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5, $6)',
      [actionId, now(), actor, from, to, reason],
    )
  }

  /** Moves a locked action; `sets` are extra `column = value` assignments for the same UPDATE. */
  async function move(
    tx: Tx,
    action: Action,
    to: ActionState,
    actor: string,
    reason: string,
    sets: Record<string, unknown> = {},
  ): Promise<void> {
    StateMachine.assertTransition(action.state, to)
    const columns = Object.keys(sets)
    const assignments = columns.map((column, i) => `, ${column} = $${i + 4}`).join('')
    await tx.query(`UPDATE actions SET state = $2, updated_at = $3${assignments} WHERE id = $1`, [
      action.id,
      to,
      now(),
      ...columns.map((column) => sets[column]),
    ])
    await event(tx, action.id, action.state, to, actor, reason)
    action.state = to
  }

  /**
   * Moves a locked action as far forward as its collected items and the chain's clock allow. A delay
   * starts and ends by `chainTime` only (the latest block's timestamp the caller read), the clock the
   * signers' policy, the timelock and the coordinator's progress judge it by: without it the action
   * waits where it is rather than mix the store's clock into a chain-time delay.
   */
  async function advanceLocked(tx: Tx, action: Action, actor: string, chainTime: Date | null): Promise<void> {
    for (;;) {
      const { requirements: need, collected } = action
      if (action.state === 'collecting-attestations' && collected.attestations >= need.attestations) {
        const got = `${collected.attestations}/${need.attestations} attestations collected`
        if (need.delaySeconds > 0) {
          if (chainTime === null) return
          const until = new Date(chainTime.getTime() + need.delaySeconds * 1000)
          await move(
            tx,
            action,
            'delay-running',
            actor,
            `${got}; delay runs until ${until.toISOString()} by chain time`,
            { delay_until: until },
          )
          action.delayUntil = until
        } else {
          await move(tx, action, 'collecting-signatures', actor, `${got}; no delay`)
        }
      } else if (
        action.state === 'delay-running' &&
        action.delayUntil !== null &&
        chainTime !== null &&
        chainTime.getTime() >= action.delayUntil.getTime()
      ) {
        await move(
          tx,
          action,
          'collecting-signatures',
          actor,
          `delay ended at ${action.delayUntil.toISOString()} by chain time (block time ${chainTime.toISOString()})`,
        )
      } else if (action.state === 'collecting-signatures' && collected.signatures >= need.signatures) {
        await move(
          tx,
          action,
          'ready',
          actor,
          `${collected.signatures}/${need.signatures} signatures collected`,
        )
      } else {
        return
      }
    }
  }

  /** Locks the Safe's row (creating it) and moves its on-chain nonce forward if `onchainNonce` is newer. */
  async function lockSafe(tx: Tx, safe: SafeRef, onchainNonce?: bigint | undefined): Promise<bigint> {
    const rows = await tx.query(
      `INSERT INTO safes (chain_id, address, onchain_nonce, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (chain_id, address) DO UPDATE
         SET onchain_nonce = GREATEST(safes.onchain_nonce, EXCLUDED.onchain_nonce), updated_at = EXCLUDED.updated_at
       RETURNING onchain_nonce::text AS onchain_nonce`,
      [safe.chainId.toString(), safe.address, (onchainNonce ?? 0n).toString(), now()],
    )
    return BigInt(String(rows[0]?.onchain_nonce))
  }

  /** Live actions of the Safe below `nonce` (excluding `except`) become superseded: they can never run. */
  async function supersedeBelow(
    tx: Tx,
    safe: SafeRef,
    nonce: bigint,
    actor: string,
    reason: (action: Action) => string,
    { by, except }: { by?: string | undefined; except?: string | undefined } = {},
  ): Promise<Action[]> {
    const rows = await tx.query(
      `SELECT ${ACTION_COLUMNS} FROM actions a
       WHERE a.chain_id = $1 AND a.safe = $2 AND a.nonce < $3 AND a.state IN (${LIVE}) AND a.id <> $4
       ORDER BY a.nonce, a.seq FOR UPDATE`,
      [safe.chainId.toString(), safe.address, nonce.toString(), except ?? ''],
    )
    const superseded: Action[] = []
    for (const row of rows) {
      const action = toAction(row)
      await move(tx, action, 'superseded', actor, reason(action), { superseded_by: by ?? null })
      superseded.push({ ...action, supersededBy: by ?? null })
    }
    return superseded
  }

  async function insertAction(parameters: CreateActionParameters & { kind: ActionKind }): Promise<Action> {
    const actor = checkActor(parameters.actor)
    const title = checkText(parameters.title, 'title', { required: true })
    const description = checkText(parameters.description ?? '', 'description')
    const info = checkSafe(parameters.safe)
    const context = SafeTx.context({ chainId: info.chainId, safe: info.address, version: info.version })
    const tx = SafeTx.from(parameters.tx as SafeTx.SafeTxInput)
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    const analysis = analyze({
      tx,
      context,
      org: parameters.analyze?.org as AnalyzeParameters['org'],
      abis: parameters.analyze?.abis as AnalyzeParameters['abis'],
      // An owner Safe's approveHash of another Safe's transaction: judged with that transaction shown.
      approved: parameters.analyze?.approved as AnalyzeParameters['approved'],
    })
    const operations = TimelockTier.operations(analysis)
    const chainTime = parameters.chainTime === undefined ? null : checkDate(parameters.chainTime, 'chainTime')
    const onchainNonce =
      parameters.onchainNonce === undefined
        ? undefined
        : SafeTx.parseUint(parameters.onchainNonce, 'onchainNonce')
    const safe: SafeRef = { chainId: context.chainId, address: context.safe }
    const id = randomUUID()
    try {
      await db.transaction(async (q) => {
        const current = await lockSafe(q, safe, onchainNonce)
        if (tx.nonce < current) throw new StaleNonceError({ nonce: tx.nonce, onchainNonce: current })
        const replaced =
          parameters.replaces === undefined ? undefined : await load(q, parameters.replaces, { lock: true })
        if (replaced) {
          if (
            replaced.safe.chainId !== safe.chainId ||
            replaced.safe.address !== safe.address ||
            replaced.nonce !== tx.nonce
          ) {
            throw new NonceMismatchError(
              `Action ${replaced.id} is nonce ${replaced.nonce} of ${replaced.safe.address} on chain ${replaced.safe.chainId}; the replacement is nonce ${tx.nonce} of ${safe.address} on chain ${safe.chainId}.`,
              { hint: 'A replacement must use the same Safe, chain and nonce as the action it replaces.' },
            )
          }
          StateMachine.assertTransition(replaced.state, 'superseded')
        }
        const existing = await q.query(
          `SELECT id FROM actions WHERE safe_tx_hash = $1 AND state IN (${LIVE})`,
          [safeTxHash],
        )
        if (existing[0]) throw new DuplicateActionError({ existingId: String(existing[0].id), safeTxHash })
        // An execute of an operation this Safe already scheduled (executed or fully signed) is judged
        // by what is left to check, as the signers judge it: not a second Critical round.
        const executes = operations.filter((o) => o.op === 'execute')
        const left = TimelockTier.leftToCheck({
          analysis,
          org: parameters.analyze?.org as AnalyzeParameters['org'],
          scheduled: executes.length === 0 ? [] : await scheduledIn(q, safe, executes),
        })
        const judged = { ...analysis, tier: left.tier, tierReasons: left.tierReasons }
        const requirements = checkRequirements(
          typeof parameters.requirements === 'function'
            ? parameters.requirements(judged)
            : parameters.requirements,
        )
        const at = now()
        await q.query(
          `INSERT INTO actions (id, chain_id, safe, safe_version, to_address, value, data, operation, safe_tx_gas,
             base_gas, gas_price, gas_token, refund_receiver, nonce, safe_tx_hash, tier, kind, title, description,
             state, required_signatures, required_attestations, delay_seconds, supersedes, created_by, created_at,
             updated_at, created_chain_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 'draft',
             $20, $21, $22, $23, $24, $25, $25, $26)`,
          [
            id,
            safe.chainId.toString(),
            safe.address,
            context.version,
            tx.to,
            tx.value.toString(),
            tx.data,
            tx.operation,
            tx.safeTxGas.toString(),
            tx.baseGas.toString(),
            tx.gasPrice.toString(),
            tx.gasToken,
            tx.refundReceiver,
            tx.nonce.toString(),
            safeTxHash,
            left.tier,
            parameters.kind,
            title,
            description,
            requirements.signatures,
            requirements.attestations,
            requirements.delaySeconds,
            replaced?.id ?? null,
            actor,
            at,
            chainTime,
          ],
        )
        for (const o of new Map(
          operations.map((o) => [`${o.op}:${o.timelock}:${o.operationId}`, o]),
        ).values()) {
          await q.query(
            'INSERT INTO action_timelock_operations (action_id, op, timelock, operation_id) VALUES ($1, $2, $3, $4)',
            [id, o.op, o.timelock, o.operationId],
          )
        }
        await event(q, id, null, 'draft', actor, replaced ? `created to replace ${replaced.id}` : 'created')
        if (replaced) {
          await move(q, replaced, 'superseded', actor, `replaced by ${id} (same nonce ${tx.nonce})`, {
            superseded_by: id,
          })
        }
        if (parameters.submit === true) {
          const action = await load(q, id)
          await move(q, action, 'collecting-attestations', actor, 'submitted')
          await advanceLocked(q, action, actor, chainTime)
        }
      })
    } catch (error) {
      // Two operators queuing the same transaction at once: the unique index decides.
      if (sqlState(error) === '23505' && constraintOf(error) === 'actions_live_hash') {
        const rows = await db.query(`SELECT id FROM actions WHERE safe_tx_hash = $1 AND state IN (${LIVE})`, [
          safeTxHash,
        ])
        throw new DuplicateActionError({ existingId: String(rows[0]?.id ?? 'unknown'), safeTxHash })
      }
      throw error
    }
    return load(db, id)
  }

  /** Of `wanted`, the operations whose schedule an executed or fully signed action of the Safe holds. */
  async function scheduledIn(
    q: Tx | Db,
    safe: SafeRef,
    wanted?: readonly TimelockTier.OperationRef[],
  ): Promise<TimelockTier.OperationRef[]> {
    const ids = wanted?.map((o) => o.operationId.toLowerCase()) ?? []
    const only =
      wanted === undefined ? '' : ` AND o.operation_id IN (${ids.map((_, i) => `$${i + 3}`).join(', ')})`
    const rows = await q.query(
      `SELECT DISTINCT o.timelock, o.operation_id FROM action_timelock_operations o
       JOIN actions a ON a.id = o.action_id
       WHERE a.chain_id = $1 AND a.safe = $2 AND o.op = 'schedule' AND a.state IN ('executed', 'ready')${only}
       ORDER BY o.timelock, o.operation_id`,
      [safe.chainId.toString(), safe.address, ...ids],
    )
    return rows.map((row) => ({ timelock: row.timelock as Address, operationId: row.operation_id as Hex }))
  }

  /** Runs `fn` on the locked action in a transaction and returns the action as stored afterwards. */
  async function mutate(id: string, fn: (tx: Tx, action: Action) => Promise<void>): Promise<Action> {
    await db.transaction(async (tx) => fn(tx, await load(tx, id, { lock: true })))
    return load(db, id)
  }

  async function liveAt(q: Tx | Db, safe: SafeRef, nonce: bigint): Promise<Action[]> {
    const rows = await q.query(
      `SELECT ${ACTION_COLUMNS} FROM actions a
       WHERE a.chain_id = $1 AND a.safe = $2 AND a.nonce = $3 AND a.state IN (${LIVE})
       ORDER BY a.seq`,
      [safe.chainId.toString(), safe.address, nonce.toString()],
    )
    return rows.map(toAction)
  }

  async function onchainNonce(safe: SafeRef): Promise<bigint> {
    const ref = checkSafeRef(safe)
    const rows = await db.query(
      'SELECT onchain_nonce::text AS onchain_nonce FROM safes WHERE chain_id = $1 AND address = $2',
      [ref.chainId.toString(), ref.address],
    )
    return rows[0] ? BigInt(String(rows[0].onchain_nonce)) : 0n
  }

  const store: Store = {
    ...signerSetStore(db, { now }),
    kind: db.kind,

    createAction: async (parameters) => insertAction({ ...parameters, kind: 'transaction' }),

    createRejection: async ({ safe, nonce, title, description, ...rest }) => {
      const info = checkSafe(safe)
      const parsedNonce = SafeTx.parseUint(nonce, 'nonce')
      return insertAction({
        ...rest,
        safe: info,
        tx: Rejection.tx({ safe: info.address, nonce: parsedNonce }),
        title: title ?? `Reject nonce ${parsedNonce} on chain`,
        description:
          description ??
          `An empty transaction from the Safe to itself at nonce ${parsedNonce}: executing it uses up the nonce so no other transaction signed for it can run.`,
        kind: 'rejection',
      })
    },

    getAction: async (id) => load(db, id),

    async listActions({ safe, states, nonce, live } = {}) {
      const where: string[] = []
      const params: unknown[] = []
      if (safe) {
        const ref = checkSafeRef(safe)
        params.push(ref.chainId.toString(), ref.address)
        where.push(`a.chain_id = $${params.length - 1} AND a.safe = $${params.length}`)
      }
      if (states) {
        for (const state of states) {
          if (!StateMachine.isState(state)) {
            throw new InvalidQueueInputError(`"${String(state)}" is not an action state.`, {
              hint: `Use one of: ${StateMachine.states.join(', ')}.`,
            })
          }
        }
        params.push([...states])
        where.push(`a.state = ANY($${params.length}::text[])`)
      }
      if (nonce !== undefined) {
        params.push(SafeTx.parseUint(nonce, 'nonce').toString())
        where.push(`a.nonce = $${params.length}`)
      }
      if (live) where.push(`a.state IN (${LIVE})`)
      const rows = await db.query(
        `SELECT ${ACTION_COLUMNS} FROM actions a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY a.chain_id, a.safe, a.nonce, a.seq`,
        params,
      )
      return rows.map(toAction)
    },

    async signatures(id, { kind } = {}) {
      await load(db, id)
      const rows = await db.query(
        `SELECT action_id, signer, kind, signature, added_by, added_at FROM action_signatures
         WHERE action_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY seq`,
        [id, kind ?? null],
      )
      return rows.map(toSignature)
    },

    async history(id) {
      await load(db, id)
      const rows = await db.query(
        'SELECT id::text AS id, action_id, at, actor, from_state, to_state, reason FROM action_events WHERE action_id = $1 ORDER BY action_events.id',
        [id],
      )
      return rows.map(
        (row): ActionEvent => ({
          id: BigInt(String(row.id)),
          actionId: String(row.action_id),
          at: toDate(row.at),
          actor: String(row.actor),
          from: (row.from_state ?? null) as ActionState | null,
          to: row.to_state as ActionState,
          reason: String(row.reason),
        }),
      )
    },

    async submit(id, { actor, reason, chainTime }) {
      const who = checkActor(actor)
      const at = optionalDate(chainTime, 'chainTime')
      return mutate(id, async (tx, action) => {
        if (action.state !== 'draft') {
          throw new InvalidTransitionError({
            from: action.state,
            to: 'collecting-attestations',
            hint: 'Only a draft can be submitted.',
          })
        }
        await move(tx, action, 'collecting-attestations', who, checkText(reason ?? 'submitted', 'reason'))
        await advanceLocked(tx, action, who, at)
      })
    },

    async transition(id, { to, actor, reason, chainTime }) {
      const who = checkActor(actor)
      const at = optionalDate(chainTime, 'chainTime')
      const why = checkText(reason, 'reason', { required: true })
      if (!StateMachine.isState(to)) {
        throw new InvalidQueueInputError(`"${String(to)}" is not an action state.`, {
          hint: `Use one of: ${StateMachine.states.join(', ')}.`,
        })
      }
      return mutate(id, async (tx, action) => {
        if (to === 'collecting-attestations' && action.state === 'draft') {
          await move(tx, action, to, who, why)
          await advanceLocked(tx, action, who, at)
        } else if (to === 'cancelled') {
          await move(tx, action, to, who, why)
        } else if (to === 'ready' && action.state === 'failed') {
          if (action.collected.signatures < action.requirements.signatures) {
            throw new InvalidTransitionError({
              from: action.state,
              to,
              hint: `It has ${action.collected.signatures} of ${action.requirements.signatures} signatures.`,
            })
          }
          await move(tx, action, to, who, why)
        } else {
          StateMachine.assertTransition(action.state, to)
          throw new InvalidTransitionError({
            from: action.state,
            to,
            hint:
              to === 'executed' || to === 'failed'
                ? 'Record executions with recordExecution (it keeps the receipt).'
                : to === 'superseded'
                  ? 'Use supersede (it names the replacing action).'
                  : 'Actions move forward by themselves when their requirements are met (advance).',
          })
        }
      })
    },

    cancel: async (id, { actor, reason }) => store.transition(id, { to: 'cancelled', actor, reason }),

    async supersede({ id, by, actor, reason }) {
      const who = checkActor(actor)
      const why = checkText(reason, 'reason', { required: true })
      await db.transaction(async (tx) => {
        // Lock in id order so two opposite supersede calls cannot deadlock.
        const [first, second] = [id, by].sort()
        const a = await load(tx, first as string, { lock: true })
        const b = await load(tx, second as string, { lock: true })
        const [old, replacement] = a.id === id ? [a, b] : [b, a]
        if (old.id === replacement.id) {
          throw new InvalidQueueInputError('An action cannot supersede itself.', {
            hint: 'Name the replacing action in "by".',
          })
        }
        if (
          old.safe.chainId !== replacement.safe.chainId ||
          old.safe.address !== replacement.safe.address ||
          old.nonce !== replacement.nonce
        ) {
          throw new NonceMismatchError(
            `Action ${replacement.id} (nonce ${replacement.nonce}) cannot replace ${old.id} (nonce ${old.nonce}): they must share Safe, chain and nonce.`,
            { hint: 'Create the replacement with the same nonce (createAction with replaces).' },
          )
        }
        if (!StateMachine.live.includes(replacement.state)) {
          throw new InvalidQueueInputError(
            `The replacing action ${replacement.id} is ${replacement.state}.`,
            {
              hint: 'Replace with a live action.',
            },
          )
        }
        await move(tx, old, 'superseded', who, `${why} (replaced by ${replacement.id})`, {
          superseded_by: replacement.id,
        })
      })
      return load(db, id)
    },

    async advance(id, { actor, chainTime }) {
      const who = checkActor(actor)
      const at = optionalDate(chainTime, 'chainTime')
      return mutate(id, (tx, action) => advanceLocked(tx, action, who, at))
    },

    async addSignature(id, input, { actor, verify, chainTime }) {
      const who = checkActor(actor)
      const at = optionalDate(chainTime, 'chainTime')
      if (input === null || typeof input !== 'object') {
        throw new InvalidQueueInputError('The signature is not an object.', {
          hint: 'Give { signer, signature, kind }.',
        })
      }
      const kind = input.kind
      if (kind !== 'safe-signature' && kind !== 'approval-attestation') {
        throw new InvalidQueueInputError(`"${String(kind)}" is not a signature kind.`, {
          hint: 'Use "safe-signature" or "approval-attestation".',
        })
      }
      const signer = SafeTx.parseAddress(input.signer, 'signer')
      const signature = SafeTx.parseHex(input.signature, 'signature')
      if (signature === '0x') {
        throw new InvalidQueueInputError('The signature is empty.', { hint: 'Scan the signature again.' })
      }
      const before = await load(db, id)
      assertAccepts(before, kind)
      // The hash never changes after insert, so verifying outside the transaction is sound and keeps
      // a slow verifier (an RPC for contract owners) from holding the row lock.
      const verifier = verify ?? defaultVerify
      if (verifier) {
        let ok: boolean
        try {
          ok = await verifier({ action: before, signer, signature, kind })
        } catch (cause) {
          throw new SignatureRejectedError(`The ${kind} from ${signer} failed verification.`, {
            hint: 'It must recover to a current owner over the safeTxHash the queue computed; ask the signer to sign again.',
            details: cause instanceof Error ? cause.message : String(cause),
            cause,
          })
        }
        if (!ok) {
          throw new SignatureRejectedError(
            `The ${kind} from ${signer} does not verify for ${before.safeTxHash}.`,
            {
              hint: 'It must recover to a current owner over the safeTxHash the queue computed; ask the signer to sign again.',
            },
          )
        }
      }
      const result = await db.transaction(
        async (tx): Promise<Pick<AddSignatureResult, 'status' | 'signature'>> => {
          const action = await load(tx, id, { lock: true })
          assertAccepts(action, kind)
          const inserted = await tx.query(
            `INSERT INTO action_signatures (action_id, signer, kind, signature, added_by, added_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (action_id, signer, kind) DO NOTHING
           RETURNING action_id, signer, kind, signature, added_by, added_at`,
            [id, signer, kind, signature, who, now()],
          )
          if (inserted[0]) {
            const counter = kind === 'safe-signature' ? 'signature_count' : 'attestation_count'
            await tx.query(`UPDATE actions SET ${counter} = ${counter} + 1 WHERE id = $1`, [id])
            if (kind === 'safe-signature') action.collected.signatures += 1
            else action.collected.attestations += 1
            await advanceLocked(tx, action, who, at)
            return { status: 'added', signature: toSignature(inserted[0]) }
          }
          const rows = await tx.query(
            `SELECT action_id, signer, kind, signature, added_by, added_at FROM action_signatures
           WHERE action_id = $1 AND signer = $2 AND kind = $3`,
            [id, signer, kind],
          )
          const existing = rows[0] ? toSignature(rows[0]) : undefined
          if (!existing) throw new Error('a conflicting signature row vanished') // rows are never deleted
          if (existing.signature !== signature) {
            throw new SignatureConflictError(
              `${signer} already has a different ${kind} recorded for action ${id}.`,
              {
                hint: 'Keep the recorded one; if the signer re-signed on purpose, find out why before replacing the action.',
                details: `recorded ${existing.signature}, offered ${signature}`,
              },
            )
          }
          return { status: 'duplicate', signature: existing }
        },
      )
      return { ...result, action: await load(db, id) }
    },

    async setTimelock(id, { operationId, eta, actor }) {
      checkActor(actor)
      const op = SafeTx.parseHex(operationId, 'operationId', { bytes: 32 })
      const when = checkDate(eta, 'eta')
      return mutate(id, async (tx, action) => {
        if (!StateMachine.live.includes(action.state)) {
          throw new InvalidTransitionError({
            from: action.state,
            to: action.state,
            hint: 'A finished action cannot be scheduled.',
          })
        }
        await tx.query(
          'UPDATE actions SET timelock_operation_id = $2, timelock_eta = $3, updated_at = $4 WHERE id = $1',
          [id, op, when, now()],
        )
      })
    },

    async recordExecution(id, { txHash, blockNumber, blockHash, status, revertReason, actor }) {
      const who = checkActor(actor)
      const hash = SafeTx.parseHex(txHash, 'txHash', { bytes: 32 })
      const block = SafeTx.parseUint(blockNumber, 'blockNumber')
      const blockHashHex = SafeTx.parseHex(blockHash, 'blockHash', { bytes: 32 })
      if (status !== 'success' && status !== 'reverted') {
        throw new InvalidQueueInputError(`"${String(status)}" is not a receipt status.`, {
          hint: 'Use "success" or "reverted".',
        })
      }
      const reason =
        revertReason === null || revertReason === undefined ? null : checkText(revertReason, 'revertReason')
      return mutate(id, async (tx, action) => {
        const sets = {
          exec_tx_hash: hash,
          exec_block: block.toString(),
          exec_block_hash: blockHashHex,
          exec_status: status,
          exec_revert_reason: reason,
        }
        if (status === 'reverted') {
          await move(
            tx,
            action,
            'failed',
            who,
            `execution reverted in ${hash}${reason ? `: ${reason}` : ''}`,
            sets,
          )
          return
        }
        StateMachine.assertTransition(action.state, 'executed')
        const safe = { chainId: action.safe.chainId, address: action.safe.address }
        await lockSafe(tx, safe, action.nonce + 1n)
        await move(tx, action, 'executed', who, `executed in ${hash} (block ${block})`, sets)
        await supersedeBelow(
          tx,
          safe,
          action.nonce + 1n,
          who,
          (other) =>
            other.nonce === action.nonce
              ? `nonce ${action.nonce} was used by action ${action.id}`
              : `nonce ${other.nonce} was used on chain before ${action.id} executed`,
          { by: undefined, except: action.id },
        )
      })
    },

    async recordReorg(id, { actor, reason }) {
      const who = checkActor(actor)
      const why = checkText(reason, 'reason', { required: true })
      return mutate(id, async (tx, action) => {
        StateMachine.assertReorg(action.state)
        const safe = { chainId: action.safe.chainId, address: action.safe.address }
        const current = await lockSafe(tx, safe)
        // Undoing this execution is only sound while nothing executed on top of it; otherwise the
        // later reorgs come first (newest first), or the chain still holds them.
        if (current !== action.nonce + 1n) {
          throw new ReorgRefusedError({ actionId: action.id, nonce: action.nonce, onchainNonce: current })
        }
        // lockSafe only moves forward, so the rollback is its own UPDATE.
        await tx.query(
          'UPDATE safes SET onchain_nonce = $3, updated_at = $4 WHERE chain_id = $1 AND address = $2',
          [safe.chainId.toString(), safe.address, action.nonce.toString(), now()],
        )
        // Not through move(): executed → ready is outside the ordinary table (StateMachine.reorg).
        // Actions this execution superseded stay superseded: the operator chose this one for the nonce.
        const from = action.state
        await tx.query(
          `UPDATE actions SET state = $2, updated_at = $3, exec_tx_hash = NULL, exec_block = NULL,
             exec_block_hash = NULL, exec_status = NULL, exec_revert_reason = NULL WHERE id = $1`,
          [action.id, StateMachine.reorg.to, now()],
        )
        await event(tx, action.id, from, StateMachine.reorg.to, who, why)
      })
    },

    onchainNonce,

    async syncNonce({ safe, onchainNonce: nonce, actor }) {
      const who = checkActor(actor)
      const ref = checkSafeRef(safe)
      const parsed = SafeTx.parseUint(nonce, 'onchainNonce')
      return db.transaction(async (tx) => {
        const current = await lockSafe(tx, ref, parsed)
        return supersedeBelow(
          tx,
          ref,
          current,
          who,
          (action) => `nonce ${action.nonce} was used on chain (on-chain nonce is ${current})`,
        )
      })
    },

    async nextNonce(safe) {
      const ref = checkSafeRef(safe)
      const rows = await db.query(
        `SELECT max(nonce)::text AS nonce FROM actions WHERE chain_id = $1 AND safe = $2 AND state IN (${LIVE})`,
        [ref.chainId.toString(), ref.address],
      )
      const onchain = await onchainNonce(ref)
      const queued = rows[0]?.nonce == null ? undefined : BigInt(String(rows[0].nonce)) + 1n
      return queued === undefined ? onchain : maxBigInt(queued, onchain)
    },

    async conflicts(safe) {
      const ref = checkSafeRef(safe)
      const rows = await db.query(
        `SELECT ${ACTION_COLUMNS} FROM actions a
         WHERE a.chain_id = $1 AND a.safe = $2 AND a.state IN (${LIVE}) AND (
           SELECT count(*) FROM actions b
           WHERE b.chain_id = a.chain_id AND b.safe = a.safe AND b.nonce = a.nonce AND b.state IN (${LIVE})) > 1
         ORDER BY a.nonce, a.seq`,
        [ref.chainId.toString(), ref.address],
      )
      const groups = new Map<bigint, NonceGroup>()
      for (const action of rows.map(toAction)) {
        const group = groups.get(action.nonce) ?? { safe: ref, nonce: action.nonce, actions: [] }
        group.actions.push(action)
        groups.set(action.nonce, group)
      }
      return [...groups.values()]
    },

    async nextExecutable({ safe, onchainNonce: nonce, chainTime }) {
      const ref = checkSafeRef(safe)
      const recorded = await onchainNonce(ref)
      const parsed = SafeTx.parseUint(nonce, 'onchainNonce')
      // The chain never goes back: a stale caller view cannot make an older nonce executable.
      const at = maxBigInt(parsed, recorded)
      const ready = (await liveAt(db, ref, at)).filter((action) => action.state === 'ready')
      if (ready.length > 1)
        throw new NonceConflictError({ nonce: at, actionIds: ready.map((action) => action.id) })
      const action = ready[0]
      if (!action) return undefined
      // The timelock reads block.timestamp: without the chain's time its readiness is unknown.
      if (action.timelock && (chainTime === undefined || action.timelock.eta.getTime() > chainTime.getTime()))
        return undefined
      return action
    },

    async scheduledOperations(safe) {
      return scheduledIn(db, checkSafeRef(safe))
    },

    async canExecute(id, { onchainNonce: nonce, chainTime }) {
      const action = await load(db, id)
      const recorded = await onchainNonce(action.safe)
      const parsed = SafeTx.parseUint(nonce, 'onchainNonce')
      const current = maxBigInt(parsed, recorded)
      const no = (
        reason: Exclude<CanExecuteResult, { ok: true }>['reason'],
        message: string,
      ): CanExecuteResult => ({
        ok: false,
        reason,
        message,
        action,
      })
      if (action.nonce < current) {
        return no('nonce-used', `Nonce ${action.nonce} is already used on chain (the Safe is at ${current}).`)
      }
      if (action.state === 'delay-running') {
        return no('delay-running', `The delay runs until ${action.delayUntil?.toISOString()} by chain time.`)
      }
      if (action.state !== 'ready') {
        return no('not-ready', `The action is ${action.state}, not ready.`)
      }
      if (action.nonce > current) {
        return no(
          'earlier-nonce-pending',
          `Nonce ${action.nonce} must wait: the Safe is at nonce ${current}, so ${action.nonce - current} earlier transaction(s) must execute first.`,
        )
      }
      const others = (await liveAt(db, action.safe, action.nonce)).filter(
        (other) => other.id !== action.id && other.state === 'ready',
      )
      if (others.length > 0) {
        return no(
          'nonce-conflict',
          `${others.length} other action(s) are ready at nonce ${action.nonce}: ${others.map((o) => o.id).join(', ')}.`,
        )
      }
      if (action.timelock && chainTime === undefined) {
        return no(
          'timelock-pending',
          `The timelock operation becomes executable at ${action.timelock.eta.toISOString()} by chain time, and no chain time was given.`,
        )
      }
      if (action.timelock && chainTime && action.timelock.eta.getTime() > chainTime.getTime()) {
        return no(
          'timelock-pending',
          `The timelock operation becomes executable at ${action.timelock.eta.toISOString()} (it is ${chainTime.toISOString()} on chain).`,
        )
      }
      return { ok: true, action }
    },

    async migrations() {
      const rows = await db.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')
      return rows.map((row) => ({
        version: Number(row.version),
        name: String(row.name),
        appliedAt: toDate(row.applied_at),
      }))
    },

    close: () => db.close(),
  }
  return store
}

function assertAccepts(action: Action, kind: SignatureKind): void {
  if (ACCEPTS[kind].includes(action.state)) return
  const waiting =
    action.state === 'draft'
      ? 'Submit the draft first.'
      : action.state === 'delay-running'
        ? `Safe signatures are taken once the delay ends (${action.delayUntil?.toISOString()} by chain time).`
        : action.state === 'collecting-attestations'
          ? `It still needs ${action.requirements.attestations - action.collected.attestations} approval attestation(s) before Safe signatures.`
          : 'The action is finished.'
  throw new NotAcceptingSignaturesError(
    `Action ${action.id} is ${action.state} and does not take a ${kind} now.`,
    {
      hint: waiting,
    },
  )
}

function toAction(row: Row): Action {
  const big = (key: string) => BigInt(String(row[key]))
  const tx: SafeTx.SafeTx = {
    to: row.to_address as Address,
    value: big('value'),
    data: row.data as Hex,
    operation: Number(row.operation) as 0 | 1,
    safeTxGas: big('safe_tx_gas'),
    baseGas: big('base_gas'),
    gasPrice: big('gas_price'),
    gasToken: row.gas_token as Address,
    refundReceiver: row.refund_receiver as Address,
    nonce: big('nonce'),
  }
  return {
    id: String(row.id),
    safe: {
      chainId: big('chain_id'),
      address: row.safe as Address,
      version: row.safe_version as Action['safe']['version'],
    },
    tx,
    safeTxHash: row.safe_tx_hash as Hex,
    tier: row.tier as Tier,
    kind: row.kind as ActionKind,
    title: String(row.title),
    description: String(row.description),
    state: row.state as ActionState,
    nonce: tx.nonce,
    requirements: {
      signatures: Number(row.required_signatures),
      attestations: Number(row.required_attestations),
      delaySeconds: Number(row.delay_seconds),
    },
    collected: { signatures: Number(row.signature_count), attestations: Number(row.attestation_count) },
    delayUntil: row.delay_until == null ? null : toDate(row.delay_until),
    supersedes: row.supersedes == null ? null : String(row.supersedes),
    supersededBy: row.superseded_by == null ? null : String(row.superseded_by),
    timelock:
      row.timelock_operation_id == null
        ? null
        : { operationId: row.timelock_operation_id as Hex, eta: toDate(row.timelock_eta) },
    execution:
      row.exec_tx_hash == null
        ? null
        : {
            txHash: row.exec_tx_hash as Hex,
            blockNumber: big('exec_block'),
            blockHash: row.exec_block_hash == null ? null : (row.exec_block_hash as Hex),
            status: row.exec_status as 'success' | 'reverted',
            revertReason: row.exec_revert_reason == null ? null : String(row.exec_revert_reason),
          },
    createdBy: String(row.created_by),
    createdAt: toDate(row.created_at),
    createdChainAt: row.created_chain_at == null ? null : toDate(row.created_chain_at),
    updatedAt: toDate(row.updated_at),
  }
}

function toSignature(row: Row): StoredSignature {
  return {
    actionId: String(row.action_id),
    signer: row.signer as Address,
    signature: row.signature as Hex,
    kind: row.kind as SignatureKind,
    addedBy: String(row.added_by),
    addedAt: toDate(row.added_at),
  }
}

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value))
}

function checkActor(actor: unknown): string {
  return checkText(actor, 'actor', { required: true, max: 200 })
}

function checkText(value: unknown, field: string, { required = false, max = MAX_TEXT } = {}): string {
  if (typeof value !== 'string' || (required && value.trim() === '')) {
    throw new InvalidQueueInputError(`${field} is ${typeof value === 'string' ? 'empty' : 'missing'}.`, {
      hint: `Give a non-empty ${field}.`,
    })
  }
  if (value.length > max || value.includes('\u0000')) {
    throw new InvalidQueueInputError(`${field} is too long or contains a NUL character.`, {
      hint: `Keep ${field} under ${max} characters of text.`,
    })
  }
  return value
}

function checkDate(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidQueueInputError(`${field} is not a valid date.`, { hint: `Give ${field} as a Date.` })
  }
  return value
}

function optionalDate(value: unknown, field: string): Date | null {
  return value === undefined ? null : checkDate(value, field)
}

function checkRequirements(value: unknown): Requirements {
  const r = (value ?? {}) as Partial<Record<keyof Requirements, unknown>>
  for (const key of ['signatures', 'attestations', 'delaySeconds'] as const) {
    const n = r[key]
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > 2 ** 31 - 1) {
      throw new InvalidQueueInputError(`requirements.${key} is not a whole number ≥ 0: ${String(n)}.`, {
        hint: 'Give signatures, attestations and delaySeconds as non-negative integers (from the tier and org config).',
      })
    }
  }
  return {
    signatures: r.signatures as number,
    attestations: r.attestations as number,
    delaySeconds: r.delaySeconds as number,
  }
}

function checkSafe(value: unknown): {
  chainId: bigint
  address: Address
  version: Action['safe']['version']
} {
  if (value === null || typeof value !== 'object') {
    throw new InvalidQueueInputError('safe is missing.', {
      hint: 'Give safe as { chainId, address, version }.',
    })
  }
  const { chainId, address, version } = value as Record<string, unknown>
  const context = SafeTx.context({ chainId, safe: address, version })
  return { chainId: context.chainId, address: context.safe, version: context.version }
}

function checkSafeRef(value: unknown): SafeRef {
  if (value === null || typeof value !== 'object') {
    throw new InvalidQueueInputError('safe is missing.', { hint: 'Give safe as { chainId, address }.' })
  }
  const { chainId, address } = value as Record<string, unknown>
  const parsed = SafeTx.parseUint(chainId, 'chainId')
  if (parsed === 0n) throw new InvalidQueueInputError('chainId is 0.', { hint: 'Give the Safe’s chain id.' })
  return { chainId: parsed, address: SafeTx.parseAddress(address, 'safe') }
}

// Math.max does not take bigints.
function maxBigInt(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
