// The preload's API as the renderer sees it.
import type { SignerApi } from '../api.ts'

declare global {
  interface Window {
    airlock: SignerApi
  }
}

export const api = (): SignerApi => window.airlock
