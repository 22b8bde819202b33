// Two coordinator processes × 100 concurrent actions on one queue: on the embedded default (PGlite)
// the second process is refused at once with the typed "in use by PID …" error, or the two run one
// after the other; on PostgreSQL both run together. Either way every acknowledged action is stored,
// nothing is stored that was not acknowledged, no process hangs and none prints a stack trace.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPostgresStore, type Store } from '@airlock/queue'
import { findPostgresBin, type PostgresServer, startPostgres } from '@airlock/queue/testing'
import { afterAll, describe, expect, it } from 'vitest'

const COUNT = 100
const root = join(import.meta.dirname, '..')
const childScript = join(import.meta.dirname, 'faults-queue.child.ts')

type Outcome = {
  pid: number
  code: number | null
  acks: string[]
  stored: string[]
  refusal: string | undefined
  stderr: string
}

function runChild(mode: 'pglite' | 'postgres', target: string, tag: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', childScript, mode, target, String(tag), String(COUNT)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    // A process that neither finishes nor fails is a hang: kill it and fail.
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`process ${tag} hung: ${out.split('\n').length} lines of output`))
    }, 120_000)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      const lines = out.split('\n')
      resolve({
        pid: child.pid as number,
        code,
        acks: lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4)),
        stored: (lines.find((l) => l.startsWith('stored ')) ?? 'stored').split(' ').slice(1).filter(Boolean),
        refusal: lines.find((l) => l.startsWith('error '))?.slice(6),
        stderr,
      })
    })
  })
}

async function storedIds(store: Store): Promise<string[]> {
  return (await store.listActions()).map((a) => a.id).sort()
}

function expectNoStackTraces(outcomes: Outcome[]): void {
  for (const o of outcomes) expect(o.stderr).not.toMatch(/\n\s+at |internal error/)
}

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('two coordinator processes on one queue', () => {
  it('embedded PGlite: the second is refused at once (in use by PID …) or they serialise; 0 lost', async () => {
    const home = mkdtempSync(join(tmpdir(), 'airlock-faults-queue-'))
    dirs.push(home)
    const dataDir = join(home, 'queue')
    const outcomes = await Promise.all([runChild('pglite', dataDir, 1), runChild('pglite', dataDir, 2)])
    expectNoStackTraces(outcomes)
    for (const [i, o] of outcomes.entries()) {
      if (o.code === 0) expect(o.acks).toHaveLength(COUNT)
      else {
        expect(o.code).toBe(3)
        expect(o.acks).toEqual([])
        const other = outcomes[1 - i] as Outcome
        expect(o.refusal).toBe(
          `Queue.QueueInUseError The embedded queue in ${dataDir} is in use by PID ${other.pid}.`,
        )
      }
    }
    expect(outcomes.some((o) => o.code === 0)).toBe(true)
    // Only one process holds the queue at a time, so the one that ran last saw everything.
    const last = outcomes.reduce((a, b) => (b.stored.length > a.stored.length ? b : a))
    expect([...last.stored].sort()).toEqual(outcomes.flatMap((o) => o.acks).sort())
  })

  const postgres = Boolean(findPostgresBin()) || Boolean(process.env.CI)
  it.skipIf(!postgres)('PostgreSQL: both run together; every acknowledged action is stored', async () => {
    let server: PostgresServer | undefined
    try {
      server = await startPostgres()
      const outcomes = await Promise.all([
        runChild('postgres', server.url, 1),
        runChild('postgres', server.url, 2),
      ])
      expectNoStackTraces(outcomes)
      for (const o of outcomes) {
        expect(o.code, o.stderr).toBe(0)
        expect(o.acks).toHaveLength(COUNT)
      }
      const store = await openPostgresStore({ connectionString: server.url })
      try {
        expect(await storedIds(store)).toEqual(outcomes.flatMap((o) => o.acks).sort())
      } finally {
        await store.close()
      }
    } finally {
      await server?.stop()
    }
  })
})
