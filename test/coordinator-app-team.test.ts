// Team mode: two coordinator processes on one PostgreSQL queue see each other's changes live
// (LISTEN/NOTIFY). The second process queues a payroll; this one is notified and lists it; this one
// ingests an owner's signature; the second is notified and reads it. (How fast: bench/coordinator-app.ts.)
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHandlers } from '@airlock/coordinator-app/handlers'
import { openContext } from '@airlock/coordinator-app/node'
import { Action } from '@airlock/coordinator-core'
import {
  findPostgresBin,
  type PostgresServer,
  postgresMissingMessage,
  startPostgres,
} from '@airlock/queue/testing'
import { analyze, SafeTx } from '@airlock/safe'
import { SignatureResponse, Ur } from '@airlock/transport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { privateKeyOf, signerFor, startWorld, type World } from './support/coordinator-app-world.ts'

const root = join(import.meta.dirname, '..')
const dir = mkdtempSync(join(tmpdir(), 'airlock-coordinator-team-'))

const suite = findPostgresBin() ? describe : describe.skip
suite(`coordinator app team mode${findPostgresBin() ? '' : `: skipped locally. ${postgresMissingMessage}`}`, () => {
  let world: World
  let server: PostgresServer
  let env: Record<string, string>
  let child: ChildProcess | undefined

  beforeAll(async () => {
    ;[world, server] = await Promise.all([startWorld(), startPostgres({ database: 'airlock_team' })])
    writeFileSync(join(dir, 'coordinator.json'), JSON.stringify(world.configJson))
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(world.bundle))
    writeFileSync(join(dir, 'executor.key'), privateKeyOf(world.executor))
    env = {
      AIRLOCK_COORDINATOR_CONFIG: join(dir, 'coordinator.json'),
      AIRLOCK_POLICY_BUNDLE: join(dir, 'bundle.json'),
      AIRLOCK_RPC_URL: world.anvil.rpcUrl,
      DATABASE_URL: server.url,
    }
  }, 180_000)

  afterAll(async () => {
    child?.stdin?.end()
    await server?.stop()
    await world?.anvil.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('shows each operator the other’s actions and signatures as they happen', async () => {
    const missing = await openContext({ env: {} }).catch((e: unknown) => e)
    expect((missing as Error).message).toContain('AIRLOCK_COORDINATOR_CONFIG is not set')
    const context = await openContext({
      env: { ...env, AIRLOCK_OPERATOR: 'ops-a', AIRLOCK_EXECUTOR_KEY_FILE: join(dir, 'executor.key') },
    })
    expect(context.executor?.account.address).toBe(world.executor.address)
    const status = await createHandlers(context).status()
    expect(status.ok && status.value).toMatchObject({ queue: 'postgres', operator: 'ops-a' })
    const api = createHandlers(context)
    const notified: number[] = []
    const listener = await context.watch!(() => {
      api.bump()
      notified.push(Date.now())
    })
    try {
      const lines: string[] = []
      child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(import.meta.dirname, 'coordinator-app-team.child.ts'),
          JSON.stringify(world.contributors),
        ],
        {
          cwd: root,
          env: { ...process.env, ...env, AIRLOCK_OPERATOR: 'ops-b' },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      )
      let errors = ''
      child.stderr?.on('data', (chunk: Buffer) => {
        errors += chunk.toString()
      })
      child.stdout?.setEncoding('utf8')
      child.stdout?.on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)))

      // B queued a payroll: A is notified and lists it.
      await expect.poll(() => lines.find((l) => l.startsWith('queued ')), { timeout: 60_000 }).toBeDefined()
      expect(errors).toBe('')
      const id = lines.find((l) => l.startsWith('queued '))!.slice('queued '.length)
      await expect.poll(() => notified.length, { timeout: 10_000 }).toBeGreaterThan(0)
      const queue = await api.queue()
      expect(queue.ok && queue.value.actions.map((a) => [a.id, a.title])).toContainEqual([
        id,
        'Payroll from the second operator',
      ])
      expect(api.revision()).toBeGreaterThan(0)

      // A ingests Alice's signature: B is notified and reads it.
      const action = await context.store.getAction(id)
      const safeContext = SafeTx.context({
        chainId: action.safe.chainId,
        safe: action.safe.address,
        version: action.safe.version,
      })
      const request = Action.signRequest({
        tx: action.tx,
        context: safeContext,
        title: action.title,
        description: action.description,
        analysis: analyze({ tx: action.tx, context: safeContext, org: world.config.decoder }),
      })
      const { signer, key } = await signerFor(world, world.owners[0]!)
      const released = await signer.approve(request, { key })
      if (released.status !== 'released') throw new Error('Alice refused the payroll')
      const part = Ur.encode({
        ...SignatureResponse.toUr(released.response),
        maxFragmentLength: 2000,
      }).nextPart()
      const scanned = await api.scanPart({ part })
      expect(scanned.ok && scanned.value.status).toBe('added')
      await expect
        .poll(() => lines.some((l) => l.startsWith(`seen ${id} `) && l.endsWith(' 1')), { timeout: 10_000 })
        .toBe(true)
    } finally {
      await listener.close()
      await context.store.close()
    }
  })
})
