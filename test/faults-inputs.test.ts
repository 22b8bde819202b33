// Inputs are validated where they enter: a mixed-case address with a wrong EIP-55 checksum is refused
// by every command that takes one (before any RPC call), ABI types outside the standard set are
// refused, and a transaction over the signers' request size limit is refused when it is queued, not
// later when its QR code is made.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { Action, Args, Config, type SafeState, TransactionBuilder } from '@airlock/coordinator-core'
import { SignRequest } from '@airlock/transport'
import { getAddress, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const orgPath = join(import.meta.dirname, '..', 'policies', 'treasury-default', 'org.json')
const org = JSON.parse(readFileSync(orgPath, 'utf8'))
const treasury = getAddress('0x00000000000000000000000000000000000a11ce')
const token = getAddress('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48')
/** The checksummed address with the case of one letter flipped: a one-character typo. */
const typo = (address: string) => {
  const i = [...address].findIndex((c, k) => k > 1 && /[a-fA-F]/.test(c))
  const c = address[i] as string
  return `${address.slice(0, i)}${c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()}${address.slice(i + 1)}`
}

let dir: string
let home: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-faults-inputs-'))
  home = join(dir, 'home')
  mkdirSync(home)
  writeFileSync(join(dir, 'org.json'), JSON.stringify(org))
  // A closed port: nothing here may need the chain before the address is checked.
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({ rpcUrl: 'http://127.0.0.1:9', chainId: 1, org: join(dir, 'org.json'), treasury }),
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('EIP-55 checksums where addresses enter', () => {
  const bad = typo(token)
  const cases: [string, string[]][] = [
    ['coordinator init --treasury', ['coordinator', 'init']],
    ['safe show', ['safe', 'show']],
    ['safe add', ['safe', 'add']],
    ['action new transfer --to', ['action', 'new', 'transfer', '--amount', '1', '--to']],
    ['action new call --to', ['action', 'new', 'call', '--sig', 'function f()', '--to']],
  ]
  it.each(cases)('%s refuses a mixed-case address with a wrong checksum', async (_name, argv) => {
    const args =
      argv[0] === 'coordinator'
        ? [
            'coordinator',
            'init',
            '--home',
            join(dir, 'new'),
            '--rpc',
            'http://127.0.0.1:9',
            '--chain-id',
            '1',
            '--org',
            join(dir, 'org.json'),
            '--treasury',
            typo(treasury),
          ]
        : [...argv, bad, '--home', home]
    const result = await runCli(args, { cwd: dir })
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBe(70)
    expect(result.stderr).toMatch(/wrong EIP-55 checksum/)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('sentry run refuses a rules file with a wrong checksum, before reading the chain', async () => {
    const rules = {
      rules: [
        {
          id: 'floor',
          kind: 'at-least',
          left: { kind: 'native-balance', address: treasury },
          right: { kind: 'native-balance', address: bad },
        },
      ],
    }
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules))
    const result = await runCli(['sentry', 'run', '--rules', 'rules.json', '--home', home], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^airlock: rules\[0\]\.right\.address has a wrong EIP-55 checksum/)
  })

  it('accepts the same address in one case (no checksum to check) and then needs the chain', async () => {
    const result = await runCli(['safe', 'show', token.toLowerCase(), '--home', home], { cwd: dir })
    expect(result.stderr).not.toMatch(/checksum/)
    expect(result.stderr).toMatch(/^airlock: The RPC endpoint .* did not answer/)
    expect(result.code).toBe(1)
  })

  it('refuses a wrong checksum in the coordinator config file itself', () => {
    expect(() => Config.parse({ org, chainId: 1, treasury: typo(treasury) })).toThrow(/wrong EIP-55 checksum/)
    expect(Config.parse({ org, chainId: 1, treasury: treasury.toLowerCase() }).treasury.address).toBe(
      treasury.toLowerCase(),
    )
  })
})

describe('ABI types', () => {
  const fail = (message: string) => new Error(message)
  it.each(['uint999', 'int7', 'uint0', 'int264', 'bytes33', 'bytes0', 'uint999[]'])('refuses %s', (type) => {
    expect(() => Args.coerce({ type, name: 'x' }, type.endsWith('[]') ? ['1'] : '1', 'x', fail)).toThrow(
      /invalid ABI type/,
    )
  })
  it('still encodes the standard types', () => {
    expect(Args.coerce({ type: 'uint8', name: 'x' }, '255', 'x', fail)).toBe(255n)
    expect(Args.coerce({ type: 'int256', name: 'x' }, '-1', 'x', fail)).toBe(-1n)
    expect(Args.coerce({ type: 'bytes32', name: 'x' }, `0x${'ab'.repeat(32)}`, 'x', fail)).toBe(
      `0x${'ab'.repeat(32)}`,
    )
  })
  it('refuses a Transaction Builder file that uses uint999', () => {
    const file = {
      version: '1.0',
      chainId: '1',
      meta: { name: 'odd', txBuilderVersion: '1.16.5', checksum: '' },
      transactions: [
        {
          to: token,
          value: '0',
          data: null,
          contractMethod: { inputs: [{ name: 'n', type: 'uint999' }], name: 'f', payable: false },
          contractInputsValues: { n: '1' },
        },
      ],
    }
    expect(() => TransactionBuilder.parse(JSON.stringify(file), { chainId: 1 })).toThrow(/invalid ABI type/)
  })
})

describe('the signers’ request size limit, at queue time', () => {
  const config = Config.parse({ org, chainId: 1, treasury })
  const state: SafeState = {
    address: treasury,
    chainId: 1,
    blockNumber: 1n,
    version: '1.4.1',
    versionText: '1.4.1',
    owners: org.safes[0].owners.map((o: string) => getAddress(o)),
    threshold: 3n,
    nonce: 0n,
    modules: [],
    guard: zeroAddress,
    fallbackHandler: zeroAddress,
    singleton: zeroAddress,
  }
  const transfer = (i: number) => ({
    to: token,
    value: 0n,
    data: `0xa9059cbb${'00'.repeat(12)}${'11'.repeat(20)}${i.toString(16).padStart(64, '0')}` as const,
  })

  it('refuses a 10,000-call batch before it is queued, and takes one that fits', () => {
    const calls = Array.from({ length: 10_000 }, (_, i) => transfer(i))
    expect(() => Action.prepare({ config, state, calls, title: 'huge' })).toThrow(
      expect.objectContaining({
        name: 'Coordinator.InvalidActionError',
        shortMessage: expect.stringContaining(`signers refuse more than ${SignRequest.limits.dataBytes}`),
      }),
    )
    const fits = Action.prepare({ config, state, calls: calls.slice(0, 100), title: 'fits' })
    expect((fits.tx.data.length - 2) / 2).toBeLessThanOrEqual(SignRequest.limits.dataBytes)
  })
})
