// The preload's API as the renderer sees it, and a helper that turns a Result into a value or a
// thrown ErrorView the screens show.
import type { Api, ErrorView, Result } from '../api.ts'

export const api = (window as unknown as { airlock: Api }).airlock

export class ShownError extends Error {
  readonly view: ErrorView
  constructor(view: ErrorView) {
    super(view.message)
    this.view = view
  }
}

export async function call<T>(result: Promise<Result<T>>): Promise<T> {
  const settled = await result
  if (!settled.ok) throw new ShownError(settled.error)
  return settled.value
}

export function errorOf(error: unknown): ErrorView {
  if (error instanceof ShownError) return error.view
  return { name: 'Error', message: 'Something went wrong in the window.', hint: String(error) }
}
