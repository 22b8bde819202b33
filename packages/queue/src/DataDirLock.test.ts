import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lockDataDir } from './DataDirLock.ts'
import { openPgliteStore } from './PgliteStore.ts'

const root = mkdtempSync(join(tmpdir(), 'airlock-queue-lock-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the embedded queue directory lock', () => {
  it('refuses a second opener at once, naming the holder, and frees the directory on close', async () => {
    const dir = join(root, 'held')
    const first = await openPgliteStore({ dataDir: dir })
    await expect(openPgliteStore({ dataDir: dir })).rejects.toMatchObject({
      name: 'Queue.QueueInUseError',
      pid: process.pid,
      shortMessage: `The embedded queue in ${dir} is in use by PID ${process.pid}.`,
    })
    await first.close()
    expect(existsSync(`${dir}.lock`)).toBe(false)
    lockDataDir(dir).release()
  })

  it('takes over a lock left by a dead process, and never one with an unreadable holder', () => {
    const dir = join(root, 'stale')
    // A PID that certainly belonged to a process that has exited.
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString()
    writeFileSync(`${dir}.lock`, `${dead} 0123456789ab\n`)
    const lock = lockDataDir(dir)
    expect(readFileSync(`${dir}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid} `))
    lock.release()
    lock.release()
    expect(existsSync(`${dir}.lock`)).toBe(false)

    writeFileSync(`${dir}.lock`, 'garbage')
    expect(() => lockDataDir(dir)).toThrow(
      expect.objectContaining({ name: 'Queue.QueueInUseError', pid: undefined }),
    )
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe('garbage')
  })
})
