// Team mode's live updates: every change an operator makes to the shared PostgreSQL queue is
// announced with NOTIFY after it committed, and every other coordinator LISTENs and refreshes. The
// notification carries only the action id (never trusted: listeners re-read the queue).
import pg from 'pg'
import { DatabaseUnavailableError } from './errors.ts'
import type { Store } from './Store.ts'

/** The NOTIFY channel of the queue. */
export const channel = 'airlock_queue'

/** What changed: the action (when known) and the store method that changed it. */
export type Change = { actionId: string | undefined; operation: string }

const mutating = [
  'createAction',
  'createRejection',
  'submit',
  'transition',
  'cancel',
  'supersede',
  'advance',
  'addSignature',
  'setTimelock',
  'recordExecution',
  'recordReorg',
  'syncNonce',
] as const satisfies readonly (keyof Store)[]

export type Announcer = {
  announce(change: Change): Promise<void>
  close(): Promise<void>
}

/**
 * A connection that sends `NOTIFY airlock_queue` with a change.
 *
 * @example
 * const announcer = await Changes.announcer({ connectionString })
 * await announcer.announce({ actionId, operation: 'addSignature' })
 */
export async function announcer({ connectionString }: { connectionString: string }): Promise<Announcer> {
  const pool = new pg.Pool({ connectionString, max: 1 })
  pool.on('error', () => {})
  return {
    async announce(change) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(change)])
    },
    close: () => pool.end(),
  }
}

/**
 * Wraps a store so that every change it commits is announced (after the transaction, so listeners
 * never read before it is visible). A failed announcement never fails the change: teammates then
 * see it at their next refresh.
 *
 * @example
 * const store = Changes.announcing(await openPostgresStore({ connectionString }), await Changes.announcer({ connectionString }))
 */
export function announcing(store: Store, announcer: Announcer): Store {
  const wrapped: Store = { ...store, kind: store.kind }
  for (const name of mutating) {
    const original = store[name] as (...args: unknown[]) => Promise<unknown>
    ;(wrapped as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const result = await original.apply(store, args)
      const actionId =
        typeof args[0] === 'string'
          ? args[0]
          : result && typeof result === 'object' && 'id' in result && typeof result.id === 'string'
            ? result.id
            : undefined
      await announcer.announce({ actionId, operation: name }).catch(() => {})
      return result
    }
  }
  wrapped.close = async () => {
    await announcer.close().catch(() => {})
    await store.close()
  }
  return wrapped
}

export type Listener = { close(): Promise<void> }

/**
 * LISTENs for queue changes on a dedicated connection and calls `onChange` for each (including this
 * process's own). Reconnects are the caller's: `onError` reports a lost connection.
 *
 * @example
 * const listener = await Changes.listen({ connectionString, onChange: () => refresh() })
 */
export async function listen({
  connectionString,
  onChange,
  onError = () => {},
}: {
  connectionString: string
  onChange: (change: Change) => void
  onError?: ((error: Error) => void) | undefined
}): Promise<Listener> {
  const client = new pg.Client({ connectionString })
  client.on('error', onError)
  client.on('notification', (message) => {
    if (message.channel !== channel) return
    onChange(parse(message.payload))
  })
  try {
    await client.connect()
    await client.query(`LISTEN ${channel}`)
  } catch (cause) {
    await client.end().catch(() => {})
    throw new DatabaseUnavailableError('Cannot listen for queue changes on PostgreSQL.', {
      hint: 'Check DATABASE_URL and that the server is running.',
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
  return { close: () => client.end() }
}

function parse(payload: string | undefined): Change {
  try {
    const json = JSON.parse(payload ?? '') as Record<string, unknown>
    return {
      actionId: typeof json.actionId === 'string' ? json.actionId : undefined,
      operation: typeof json.operation === 'string' ? json.operation : 'unknown',
    }
  } catch {
    return { actionId: undefined, operation: 'unknown' }
  }
}
