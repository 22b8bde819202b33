// The signer set's records in the queue (migration 4): receipts the signers returned, the latest log
// head witnessed of each signer, and the alerts raised about a signer's log. The queue keeps them as
// given; coordinator-core verifies receipts and heads before it stores them.
import type { Address, Hex } from 'viem'
import type { Db, Row } from './Db.ts'
import { InvalidQueueInputError, WitnessConflictError } from './errors.ts'

/** A receipt as the queue keeps it: the wire bytes and the fields it is looked up by. */
export type StoredReceipt = {
  keyId: string
  owner: Address
  chainId: bigint
  safe: Address
  nonce: bigint
  safeTxHash: Hex
  kind: 'safe-signature' | 'approval-attestation'
  /** The signer's clock when it released (unix seconds). */
  signerTime: number
  /** The receipt as the signer returned it (signer-core `Receipt.encode`). */
  wire: Hex
  actionId: string | null
  receivedAt: Date
}

/** A signed tree head as the wire carries it (transport `SignatureResponse.WireHead`). */
export type WitnessedHead = { size: number; root: Hex; time: string; keyId: string; sig: Hex }

/** An alert about a signer's log (coordinator-core `Witness.Alert`), as stored. */
export type SignerAlert = {
  id: number
  owner: Address
  code: string
  message: string
  actionId: string | null
  previous: WitnessedHead | null
  next: WitnessedHead | null
  raisedAt: Date
  raisedBy: string
}

export type SignerSetStore = {
  /** Keeps a receipt (idempotent: the same key, safeTxHash and kind is kept once). */
  addReceipt(receipt: Omit<StoredReceipt, 'receivedAt'>): Promise<'added' | 'duplicate'>
  /** Receipts for one Safe released at or after `since` (signer clock, unix seconds), oldest first. */
  receipts(filter: { chainId: bigint; safe: Address; since?: number | undefined }): Promise<StoredReceipt[]>
  /** The latest head witnessed of each signer, by lowercase owner address. */
  witnessedHeads(): Promise<Record<string, WitnessedHead>>
  /**
   * Replaces a signer's witnessed head, only if it is still `previous` (undefined: none yet); otherwise
   * `Queue.WitnessConflictError` (another response was witnessed meanwhile: check again against it).
   */
  witnessHead(parameters: {
    owner: Address
    previous: WitnessedHead | undefined
    next: WitnessedHead
  }): Promise<void>
  /** Records an alert about a signer's log. */
  addAlert(alert: Omit<SignerAlert, 'id' | 'raisedAt'>): Promise<SignerAlert>
  /** Alerts, oldest first: all of them, or those raised while ingesting an answer to one action. */
  alerts(filter?: { actionId?: string | undefined } | undefined): Promise<SignerAlert[]>
}

const HEX = /^0x[0-9a-f]*$/

function lower(value: string, field: string, pattern: RegExp): string {
  const v = typeof value === 'string' ? value.toLowerCase() : ''
  if (!pattern.test(v))
    throw new InvalidQueueInputError(`${field} is malformed.`, {
      hint: `Give ${field} as the signer returned it.`,
    })
  return v
}

function checkHead(head: WitnessedHead, field: string): WitnessedHead {
  if (
    head === null ||
    typeof head !== 'object' ||
    !Number.isSafeInteger(head.size) ||
    head.size < 0 ||
    typeof head.time !== 'string' ||
    head.time.length > 64
  )
    throw new InvalidQueueInputError(`${field} is not a signed tree head.`, {
      hint: 'Give the head exactly as the signer returned it.',
    })
  return {
    size: head.size,
    root: lower(head.root, `${field}.root`, /^0x[0-9a-f]{64}$/) as Hex,
    time: head.time,
    keyId: lower(head.keyId, `${field}.keyId`, /^[0-9a-f]{16}$/),
    sig: lower(head.sig, `${field}.sig`, /^0x[0-9a-f]{128}$/) as Hex,
  }
}

const sameHead = (a: WitnessedHead | undefined, b: WitnessedHead | undefined) =>
  a === undefined || b === undefined ? a === b : a.size === b.size && a.root === b.root && a.sig === b.sig

function toHead(row: Row, prefix = ''): WitnessedHead {
  return {
    size: Number(row[`${prefix}size`]),
    root: row[`${prefix}root`] as Hex,
    time: String(row[`${prefix}head_time`]),
    keyId: String(row[`${prefix}key_id`]),
    sig: row[`${prefix}sig`] as Hex,
  }
}

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value))
}

function toReceipt(row: Row): StoredReceipt {
  return {
    keyId: String(row.key_id),
    owner: row.owner as Address,
    chainId: BigInt(String(row.chain_id)),
    safe: row.safe as Address,
    nonce: BigInt(String(row.nonce)),
    safeTxHash: row.safe_tx_hash as Hex,
    kind: row.kind as StoredReceipt['kind'],
    signerTime: Number(row.signer_time),
    wire: row.wire as Hex,
    actionId: row.action_id == null ? null : String(row.action_id),
    receivedAt: toDate(row.received_at),
  }
}

function toAlert(row: Row): SignerAlert {
  const head = (text: unknown) => (text == null ? null : (JSON.parse(String(text)) as WitnessedHead))
  return {
    id: Number(row.id),
    owner: row.owner as Address,
    code: String(row.code),
    message: String(row.message),
    actionId: row.action_id == null ? null : String(row.action_id),
    previous: head(row.previous_head),
    next: head(row.next_head),
    raisedAt: toDate(row.raised_at),
    raisedBy: String(row.raised_by),
  }
}

/**
 * The signer-set half of a SQL store (over the same database and clock).
 *
 * @example
 * const set = signerSetStore(db, { now: () => new Date() })
 */
export function signerSetStore(db: Db, { now }: { now: () => Date }): SignerSetStore {
  return {
    async addReceipt(r) {
      if (!Number.isSafeInteger(r.signerTime) || r.signerTime < 0 || !HEX.test(r.wire) || r.wire.length < 4)
        throw new InvalidQueueInputError('The receipt is malformed.', {
          hint: 'Give the receipt as the signer returned it.',
        })
      const rows = await db.query(
        `INSERT INTO signer_receipts (key_id, safe_tx_hash, kind, owner, chain_id, safe, nonce, signer_time, wire, action_id, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (key_id, safe_tx_hash, kind) DO NOTHING RETURNING key_id`,
        [
          lower(r.keyId, 'keyId', /^[0-9a-f]{16}$/),
          lower(r.safeTxHash, 'safeTxHash', /^0x[0-9a-f]{64}$/),
          r.kind === 'approval-attestation' ? r.kind : 'safe-signature',
          lower(r.owner, 'owner', /^0x[0-9a-f]{40}$/),
          r.chainId.toString(),
          lower(r.safe, 'safe', /^0x[0-9a-f]{40}$/),
          r.nonce.toString(),
          r.signerTime,
          r.wire,
          r.actionId,
          now(),
        ],
      )
      return rows.length > 0 ? 'added' : 'duplicate'
    },

    async receipts({ chainId, safe, since = 0 }) {
      const rows = await db.query(
        `SELECT key_id, owner, chain_id::text AS chain_id, safe, nonce::text AS nonce, safe_tx_hash, kind,
           signer_time, wire, action_id, received_at
         FROM signer_receipts WHERE chain_id = $1 AND safe = $2 AND signer_time >= $3
         ORDER BY signer_time, nonce, key_id, kind`,
        [chainId.toString(), lower(safe, 'safe', /^0x[0-9a-f]{40}$/), since],
      )
      return rows.map(toReceipt)
    },

    async witnessedHeads() {
      const rows = await db.query('SELECT owner, size, root, head_time, key_id, sig FROM witnessed_heads')
      return Object.fromEntries(rows.map((row) => [String(row.owner), toHead(row)]))
    },

    async witnessHead({ owner, previous, next }) {
      const key = lower(owner, 'owner', /^0x[0-9a-f]{40}$/)
      const head = checkHead(next, 'next')
      const expected = previous === undefined ? undefined : checkHead(previous, 'previous')
      await db.transaction(async (tx) => {
        // Serialize with a concurrent witness of the same signer (the row, or the key for a first head).
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key])
        const rows = await tx.query(
          'SELECT size, root, head_time, key_id, sig FROM witnessed_heads WHERE owner = $1 FOR UPDATE',
          [key],
        )
        const kept = rows[0] ? toHead(rows[0]) : undefined
        if (!sameHead(kept, expected))
          throw new WitnessConflictError(`The witnessed head of ${owner} changed meanwhile.`, {
            hint: 'Add the response again: it is checked against the head witnessed since.',
          })
        await tx.query(
          `INSERT INTO witnessed_heads (owner, size, root, head_time, key_id, sig, witnessed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (owner) DO UPDATE SET size = $2, root = $3, head_time = $4, key_id = $5, sig = $6, witnessed_at = $7`,
          [key, head.size, head.root, head.time, head.keyId, head.sig, now()],
        )
      })
    },

    async addAlert({ owner, code, message, actionId, previous, next, raisedBy }) {
      const rows = await db.query(
        `INSERT INTO signer_alerts (owner, code, message, action_id, previous_head, next_head, raised_at, raised_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, owner, code, message, action_id, previous_head, next_head, raised_at, raised_by`,
        [
          lower(owner, 'owner', /^0x[0-9a-f]{40}$/),
          String(code).slice(0, 64),
          String(message).slice(0, 2000),
          actionId,
          previous ? JSON.stringify(checkHead(previous, 'previous')) : null,
          next ? JSON.stringify(checkHead(next, 'next')) : null,
          now(),
          String(raisedBy).slice(0, 200),
        ],
      )
      return toAlert(rows[0]!)
    },

    async alerts({ actionId } = {}) {
      const rows = await db.query(
        `SELECT id, owner, code, message, action_id, previous_head, next_head, raised_at, raised_by
         FROM signer_alerts ${actionId === undefined ? '' : 'WHERE action_id = $1'} ORDER BY id`,
        actionId === undefined ? [] : [actionId],
      )
      return rows.map(toAlert)
    },
  }
}
