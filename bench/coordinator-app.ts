// The coordinator desktop app (the same setup as test/coordinator-app.test.ts, on anvil): compose to
// QR (read the Safe, build, predict the signers' verdict, simulate, queue, render the request frames),
// the renderer's cold start in Debian Chromium, and in team mode how long a teammate's change takes
// to reach another coordinator (LISTEN/NOTIFY; target: within 1 s).
// Standalone: node --import tsx bench/coordinator-app.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildRenderer } from '../apps/coordinator/src/build.node.ts'
import { createHandlers } from '../apps/coordinator/src/handlers.ts'
import { Chain, Predict } from '../packages/coordinator-core/src/index.ts'
import { Changes, openPgliteStore, openPostgresStore, type Store } from '../packages/queue/src/index.ts'
import { findPostgresBin, startPostgres } from '../packages/queue/src/testing.ts'
import { launchChromium, openAppPage } from '../test/support/coordinator-app-browser.ts'
import { CHAIN_ID, cedar, startWorld, type World } from '../test/support/coordinator-app-world.ts'
import { type BenchTable, format, median } from './table.ts'

const ROUNDS = 5

function handlersFor(world: World, store: Store, installed: Awaited<ReturnType<typeof Predict.install>>) {
  return createHandlers({
    config: world.config,
    client: Chain.client({ rpcUrl: world.anvil.rpcUrl, chainId: CHAIN_ID, pollingIntervalMs: 50 }),
    rpcUrl: world.anvil.rpcUrl,
    store,
    installed,
    operator: 'bench',
  })
}

const payroll = (world: World, count: number) => ({
  builder: 'batch' as const,
  transfers: Array.from({ length: count }, (_, i) => ({
    asset: 'ETH',
    to: world.contributors[i % world.contributors.length]!,
    amount: '0.01',
  })),
})

export async function runCoordinatorAppBench(): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-coordinator-app-'))
  const world = await startWorld()
  const installed = await Predict.install({ bundle: world.bundle, cedar })
  const store = await openPgliteStore({ dataDir: 'memory' })
  const api = handlersFor(world, store, installed)
  const tables: BenchTable[] = []
  try {
    const rows: BenchTable['rows'] = []
    for (const count of [4, 20]) {
      const check: number[] = []
      const toQr: number[] = []
      let frames = 0
      for (let i = 0; i < ROUNDS; i++) {
        let start = performance.now()
        const preview = await api.compose({ form: payroll(world, count), title: 'bench', queue: false })
        check.push(performance.now() - start)
        if (!preview.ok) throw new Error(preview.error.message)
        start = performance.now()
        const queued = await api.compose({ form: payroll(world, count), title: 'bench', queue: true })
        if (!queued.ok || !queued.value.actionId) throw new Error('not queued')
        const qr = await api.qrFrames({ actionId: queued.value.actionId })
        toQr.push(performance.now() - start)
        if (!qr.ok) throw new Error(qr.error.message)
        frames = qr.value.frames.length
      }
      rows.push({
        payments: count,
        'foresight ms (median)': Math.round(median(check)),
        'compose to QR ms (median)': Math.round(median(toQr)),
        'QR frames': frames,
      })
    }
    tables.push({
      title: 'Coordinator app: compose to QR (anvil, PGlite)',
      rows,
      notes: [
        'foresight: read the Safe, build, predict the signers’ verdict (signer engine, every owner), simulate at the current block.',
        'compose to QR: the same, then queue it and render every request frame as SVG.',
      ],
    })

    const rendererDir = await buildRenderer({ outDir: join(dir, 'renderer') })
    const browser = await launchChromium()
    try {
      const cold: number[] = []
      for (let i = 0; i < ROUNDS; i++) {
        const start = performance.now()
        const { page, context } = await openAppPage({ browser, rendererDir, api })
        await page.getByTestId('status').getByText(`chain ${CHAIN_ID}`).waitFor()
        await page.getByRole('article', { name: 'Safe treasury' }).waitFor()
        cold.push(performance.now() - start)
        await context.close()
      }
      tables.push({
        title: 'Coordinator app: renderer cold start (Debian Chromium, headless)',
        rows: [{ 'cold start to Safes shown ms (median)': Math.round(median(cold)), runs: ROUNDS }],
        notes: ['A fresh browser context (no cache) until the Safes screen shows the chain’s data.'],
      })
    } finally {
      await browser.close()
    }

    if (findPostgresBin()) {
      const server = await startPostgres({ database: 'airlock_bench_team' })
      try {
        const a = Changes.announcing(
          await openPostgresStore({ connectionString: server.url }),
          await Changes.announcer({ connectionString: server.url }),
        )
        let resolveSeen: (() => void) | undefined
        const listener = await Changes.listen({
          connectionString: server.url,
          onChange: (change) => {
            if (change.operation === 'createAction') resolveSeen?.()
          },
        })
        const latency: number[] = []
        for (let i = 0; i < ROUNDS; i++) {
          const seen = new Promise<void>((resolve) => {
            resolveSeen = resolve
          })
          // A cheap change (an action created directly in the store): from the call to the teammate's
          // notification, an upper bound of commit-to-notified.
          const start = performance.now()
          await a.createAction({
            safe: { chainId: BigInt(CHAIN_ID), address: world.treasury, version: '1.4.1' },
            tx: { to: world.contributors[0]!, value: BigInt(i + 1), nonce: BigInt(i) },
            title: 'team bench',
            requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
            actor: 'bench-a',
          })
          await seen
          latency.push(performance.now() - start)
        }
        await listener.close()
        await a.close()
        tables.push({
          title: 'Coordinator app: team mode (PostgreSQL LISTEN/NOTIFY)',
          rows: [
            {
              'change to teammate notified ms (median)': Number(median(latency).toFixed(1)),
              'max ms': Number(Math.max(...latency).toFixed(1)),
              target: '≤ 1000 ms',
            },
          ],
          notes: [
            'From one coordinator’s createAction call (its commit included) to the other’s LISTEN connection.',
          ],
        })
      } finally {
        await server.stop()
      }
    }
    return tables
  } finally {
    await store.close()
    await world.anvil.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const table of await runCoordinatorAppBench()) process.stdout.write(`${format(table)}\n`)
}
