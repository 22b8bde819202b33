// The coordinator commands' offline parts: argument checks, the rules and calls files, the request id,
// and the errors for a missing or broken home. The chain and queue are exercised in test/coordinator-cli.test.ts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Action } from '@airlock/coordinator-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { runCli } from '../../testing.ts'
import { callsFromFile } from './actionNew.ts'
import { parseRules } from './sentry.ts'

const dir = mkdtempSync(join(tmpdir(), 'airlock-coordinator-unit-'))

describe('coordinator commands offline', () => {
  it('lists every coordinator command in the overview and has help for nested ones', async () => {
    const { stdout } = await runCli(['--help'])
    for (const path of [
      'coordinator init',
      'safe add',
      'action new admin swap-owner',
      'action new timelock cancel',
      'sig add',
      'sentry run',
    ]) {
      expect(stdout).toContain(`airlock ${path}`)
    }
    const help = await runCli(['action', 'new', 'admin', 'add-owner', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--owner')
  })

  it('reports a missing home and a broken config.json in one line', async () => {
    const missing = await runCli(['action', 'list', '--home', join(dir, 'nothing')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(
      /^airlock: No coordinator config in .*nothing\. Run 'airlock coordinator init/,
    )
    const broken = join(dir, 'broken')
    mkdirSync(broken, { recursive: true })
    writeFileSync(join(broken, 'config.json'), '{"rpcUrl": ""}')
    const result = await runCli(['action', 'list', '--home', broken])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^airlock: .*config\.json: rpcUrl is missing\./)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('takes the home from AIRLOCK_COORDINATOR_HOME when --home is absent', async () => {
    const previous = process.env.AIRLOCK_COORDINATOR_HOME
    process.env.AIRLOCK_COORDINATOR_HOME = join(dir, 'from-env')
    try {
      const result = await runCli(['action', 'list'])
      expect(result.stderr).toContain(`No coordinator config in ${join(dir, 'from-env')}.`)
    } finally {
      if (previous === undefined) delete process.env.AIRLOCK_COORDINATOR_HOME
      else process.env.AIRLOCK_COORDINATOR_HOME = previous
    }
  })

  it('checks init’s flags before touching the chain', async () => {
    const noRpc = await runCli(['coordinator', 'init', '--home', join(dir, 'x')])
    expect(noRpc.code).toBe(2)
    expect(noRpc.stderr).toMatch(/coordinator init needs --rpc/)
    const badChain = await runCli([
      'coordinator',
      'init',
      '--home',
      join(dir, 'x'),
      '--rpc',
      'http://127.0.0.1:9',
      '--chain-id',
      'one',
    ])
    expect(badChain.code).toBe(2)
    expect(badChain.stderr).toMatch(/--chain-id must be a positive whole number/)
  })

  it('derives the request id from the action’s UUID, and a stable one otherwise', () => {
    expect(Action.requestIdOf('9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d')).toBe(
      '0x9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d',
    )
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        const requestId = Action.requestIdOf(id)
        expect(requestId).toMatch(/^0x[0-9a-f]{32}$/)
        expect(Action.requestIdOf(id)).toBe(requestId)
      }),
    )
  })

  it('parses sentry rules and names the bad field', () => {
    const holder = '0x00000000000000000000000000000000000a1e57'
    const parsed = parseRules([
      {
        id: 'drop',
        kind: 'max-drop',
        read: { kind: 'native-balance', address: holder },
        maxDropBps: 500,
        windowBlocks: 10,
      },
    ])
    expect(parsed.rules[0]).toMatchObject({
      id: 'drop',
      kind: 'max-drop',
      maxDropBps: 500,
      read: { address: '0x00000000000000000000000000000000000A1e57' },
    })
    expect(() => parseRules({ rules: [] })).toThrow(/holds no rules/)
    expect(() =>
      parseRules([{ id: 'x', kind: 'max-drop', read: { kind: 'erc20-balance', token: holder } }]),
    ).toThrow(/rules\[0\]\.read\.holder is not an address/)
    expect(() => parseRules([{ id: 'x', kind: 'sideways' }])).toThrow(/kind must be max-drop or at-least/)
  })

  it('reads a calls file of raw and encoded calls, naming the bad entry', () => {
    const to = '0x00000000000000000000000000000000000a1e57'
    const file = join(dir, 'calls.json')
    writeFileSync(
      file,
      JSON.stringify([
        { to, value: '5' },
        { to, sig: 'function setFee(uint256 fee)', args: ['30'] },
      ]),
    )
    const calls = callsFromFile(file, dir)
    expect(calls).toHaveLength(2)
    expect(calls[0]).toMatchObject({ value: 5n, data: '0x' })
    expect(calls[1]?.data.slice(0, 10)).toBe('0x69fe0e2d')
    writeFileSync(file, JSON.stringify([{ to, value: 'lots' }]))
    expect(() => callsFromFile(file, dir)).toThrow(/calls\.json: call 0: /)
    writeFileSync(file, '[]')
    expect(() => callsFromFile(file, dir)).toThrow(/holds no calls/)
  })
})
