// One IPC round trip, checked: main's `ipcMain.handle` and the tests' Chromium bridge both go
// through `dispatch`, so the sender check and the error wrapping are the same code everywhere.
import { isBaseError } from '@airlock/errors'
import { type Method, methods, type SignerApi } from './api.ts'
import { ForbiddenSenderError } from './errors.ts'
import { appOrigin, isAppUrl } from './security.ts'

/** What crosses the bridge: the value, or an error the renderer can show (never a stack). */
export type Reply =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; message: string; hint: string | undefined } }

/**
 * Runs one API call for a sender: refuses any sender that is not the app's own page (and any
 * unknown method) before the handler sees the message.
 *
 * @example
 * ipcMain.handle(channel(m), (event, arg) => dispatch({ api, method: m, senderUrl: event.senderFrame?.url, arg }))
 */
export async function dispatch({
  api,
  method,
  senderUrl,
  arg,
  origin = appOrigin,
}: {
  api: SignerApi
  method: string
  senderUrl: string | undefined
  arg: unknown
  /** The origin the app is served from (the app scheme; tests serve the same files elsewhere). */
  origin?: string | undefined
}): Promise<Reply> {
  try {
    if (senderUrl === undefined || !isAppUrl(senderUrl, origin)) {
      throw new ForbiddenSenderError('A message came from outside the app and was refused.', {
        details: `sender ${senderUrl ?? '(none)'}`,
      })
    }
    if (!(methods as readonly string[]).includes(method)) {
      throw new ForbiddenSenderError(`There is no API method "${method}".`)
    }
    const handler = api[method as Method] as (arg: unknown) => Promise<unknown>
    return { ok: true, value: await handler.call(api, arg ?? {}) }
  } catch (error) {
    if (isBaseError(error)) {
      return { ok: false, error: { name: error.name, message: error.shortMessage, hint: error.hint } }
    }
    // A bug: the renderer gets a generic line; main logs the error.
    console.error(error)
    return {
      ok: false,
      error: {
        name: 'SignerApp.InternalError',
        message: 'Something went wrong in the signer.',
        hint: undefined,
      },
    }
  }
}

/**
 * The renderer side: turns a reply back into a value or a thrown Error carrying the hint.
 *
 * @example
 * const value = unwrap(await ipcRenderer.invoke(channel('status')))
 */
export function unwrap(reply: Reply): unknown {
  if (reply.ok) return reply.value
  const error = new Error(
    reply.error.hint ? `${reply.error.message} ${reply.error.hint}` : reply.error.message,
  )
  error.name = reply.error.name
  throw error
}
