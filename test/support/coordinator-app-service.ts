// The coordinator app with the Transaction Service stand-in, for the Service-screen tests: the anvil
// world, an in-memory queue, the stand-in that reads the treasury from chain, the app's handlers and
// its renderer open in Debian Chromium.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRenderer } from '@airlock/coordinator-app/build'
import type { createHandlers, HandlerContext } from '@airlock/coordinator-app/handlers'
import { openPgliteStore, type Store } from '@airlock/queue'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, openAppPage } from './coordinator-app-browser.ts'
import { startWorld, treasuryStandIn, type World, worldHandlers } from './coordinator-app-world.ts'
import type { StandIn } from './txServiceStandIn.ts'

export type ServiceApp = {
  /** The scratch directory (the renderer is built into dir/renderer). */
  dir: string
  world: World
  store: Store
  service: StandIn
  api: ReturnType<typeof createHandlers>
  rendererDir: string
  browser: Browser
  page: Page
}

/** Starts everything in a scratch directory named by `prefix`; `context` overrides handler inputs. */
export async function startServiceApp({
  prefix,
  ...context
}: { prefix: string } & Partial<HandlerContext>): Promise<ServiceApp> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const started: Partial<ServiceApp> = { dir }
  try {
    const [world, rendererDir] = await Promise.all([
      startWorld(),
      buildRenderer({ outDir: join(dir, 'renderer') }),
    ])
    Object.assign(started, { world, rendererDir })
    started.store = await openPgliteStore({ dataDir: 'memory' })
    started.service = await treasuryStandIn(world)
    const api = await worldHandlers({ world, store: started.store, ...context })
    started.api = api
    started.browser = await launchChromium()
    const { page } = await openAppPage({ browser: started.browser, rendererDir, api })
    return { ...(started as Omit<ServiceApp, 'page'>), page }
  } catch (error) {
    await stopServiceApp(started)
    throw error
  }
}

/** Closes what `startServiceApp` started (whatever part of it did) and removes its directory. */
export async function stopServiceApp(app: Partial<ServiceApp> | undefined): Promise<void> {
  await app?.browser?.close()
  await app?.store?.close()
  await app?.service?.close()
  await app?.world?.anvil.stop()
  if (app?.dir) rmSync(app.dir, { recursive: true, force: true })
}
