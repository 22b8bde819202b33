// `airlock devnet` starts a chain a new user can point the coordinator at: the printed init line works
// and the treasury it names is a 2-of-3 Safe holding the demo's funds.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'airlock-devnet-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('airlock devnet', () => {
  it('deploys the demo org and prints a coordinator init line that works', async () => {
    const running = runCli(['devnet', '--out', 'chain', '--seconds', '40'], { cwd: dir })
    const ready = join(dir, 'chain', 'devnet.json')
    for (let i = 0; i < 600 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 100))
    const devnet = JSON.parse(readFileSync(ready, 'utf8'))
    expect(devnet.init).toMatch(
      /^airlock coordinator init --home .* --rpc http:\/\/127\.0\.0\.1:\d+ --chain-id 31337 /,
    )

    const init = await runCli(devnet.init.split(' ').slice(1), { cwd: dir })
    expect(init.code, init.stderr).toBe(0)
    const home = ['--home', join(dir, 'chain', 'coordinator')]
    const treasury = await runCli(['safe', 'show', devnet.treasury, ...home, '--json'], { cwd: dir })
    expect(treasury.code, treasury.stderr).toBe(0)
    expect(JSON.parse(treasury.stdout)).toMatchObject({ name: 'treasury', threshold: '2' })
    // Amounts in units and recipients by their org-config name.
    const queued = await runCli(
      ['action', 'new', 'transfer', '--to', 'Payroll', '--amount', '1.5', ...home, '--json'],
      { cwd: dir },
    )
    expect(queued.code, queued.stderr).toBe(0)
    expect(JSON.parse(queued.stdout)).toMatchObject({
      tx: { to: '0x00000000000000000000000000000000000A1e57', value: '1500000000000000000' },
    })
    const shown = await runCli(['action', 'show', JSON.parse(queued.stdout).id.slice(0, 8), ...home], {
      cwd: dir,
    })
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain('to            0x00000000000000000000000000000000000A1e57')
    expect(shown.stdout).toContain('value         1.5 ETH (1500000000000000000 wei)')
    expect(shown.stdout).toMatch(/missing: 2 more owner signature/)

    const result = await running
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('Configure the coordinator with:')
  }, 120_000)
})
