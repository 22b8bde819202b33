import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hashTypedData } from 'viem'
import { describe, expect, it } from 'vitest'
import { runCli } from '../testing.ts'

const safe = '0x1c694Fc3006D81ff4a56F97E1b99529066a23725'
const base = ['safe', 'hash', '--chain-id', '1', '--safe', safe, '--safe-version', '1.3.0']

describe('airlock safe hash', () => {
  it('prints exactly the three hashes as lowercase JSON', async () => {
    const { code, stdout } = await runCli([
      ...base,
      '--to',
      '0x0000000000000000000000000000000000000001',
      '--json',
    ])
    expect(code).toBe(0)
    const parsed = JSON.parse(stdout)
    expect(Object.keys(parsed)).toEqual(['domainHash', 'messageHash', 'safeTxHash'])
    // The domain separator of this mainnet Safe, as safe-tx-hashes-util documents it.
    expect(parsed.domainHash).toBe('0x1655e94a9bcc5a957daa1acae692b4c22e7aaf146b4deb9194f8221d2f09d8c3')
    for (const value of Object.values(parsed)) expect(value).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('shows the owning Safe’s approveHash transaction and its hashes with --nested-safe', async () => {
    const owner = '0x5aFE3855358E112B5647B952709E6165e1c1eEEe'
    const args = [...base, '--to', '0x0000000000000000000000000000000000000001', '--nonce', '3']
    const nested = ['--nested-safe', owner, '--nested-safe-version', '1.4.1', '--nested-safe-nonce', '9']
    const { code, stdout } = await runCli([...args, ...nested, '--json'])
    expect(code).toBe(0)
    const parsed = JSON.parse(stdout)
    // The child's hash is unchanged; the parent's transaction is approveHash(child hash) at the parent's nonce.
    expect(parsed.safeTxHash).toBe(JSON.parse((await runCli([...args, '--json'])).stdout).safeTxHash)
    expect(parsed.nested.tx).toMatchObject({ to: safe, value: '0', operation: 0, nonce: '9' })
    expect(parsed.nested.tx.data).toBe(`0xd4d9bdcd${parsed.safeTxHash.slice(2)}`)
    const parent = JSON.parse(
      (
        await runCli([
          'safe',
          'hash',
          '--chain-id',
          '1',
          '--safe',
          owner,
          '--safe-version',
          '1.4.1',
          '--to',
          safe,
          '--data',
          parsed.nested.tx.data,
          '--nonce',
          '9',
          '--json',
        ])
      ).stdout,
    )
    expect(parsed.nested.safeTxHash).toBe(parent.safeTxHash)
    const text = await runCli([...args, ...nested])
    expect(text.stdout).toContain(`approveHash(${parsed.safeTxHash}) on ${safe}, nonce 9`)
    expect(text.stdout).toContain(`  safeTxHash     ${parent.safeTxHash}`)
    const missing = await runCli([...args, '--nested-safe', owner])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('Missing --nested-safe-nonce.')
  })

  it('takes a --tx JSON file with camelCase fields and lets flags override it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'))
    const file = join(dir, 'tx.json')
    const to = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    writeFileSync(
      file,
      JSON.stringify({ chainId: 10, safe, safeVersion: '1.4.1', to, value: '5', data: '0x1234', nonce: 9 }),
    )
    const fromFile = await runCli(['safe', 'hash', '--tx', file, '--json'])
    const expected = hashTypedData({
      domain: { chainId: 10, verifyingContract: safe },
      types: {
        SafeTx: [
          { name: 'to', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'data', type: 'bytes' },
          { name: 'operation', type: 'uint8' },
          { name: 'safeTxGas', type: 'uint256' },
          { name: 'baseGas', type: 'uint256' },
          { name: 'gasPrice', type: 'uint256' },
          { name: 'gasToken', type: 'address' },
          { name: 'refundReceiver', type: 'address' },
          { name: 'nonce', type: 'uint256' },
        ],
      },
      primaryType: 'SafeTx',
      message: {
        to,
        value: 5n,
        data: '0x1234',
        operation: 0,
        safeTxGas: 0n,
        baseGas: 0n,
        gasPrice: 0n,
        gasToken: '0x0000000000000000000000000000000000000000',
        refundReceiver: '0x0000000000000000000000000000000000000000',
        nonce: 9n,
      },
    })
    expect(JSON.parse(fromFile.stdout).safeTxHash).toBe(expected)
    const overridden = await runCli(['safe', 'hash', '--tx', file, '--nonce', '10', '--json'])
    expect(JSON.parse(overridden.stdout).safeTxHash).not.toBe(expected)
  })

  it.each([
    [
      ['--to', '0x1234'],
      1,
      'airlock: to is not an address: "0x1234". Give a 0x-prefixed, 20-byte hex address.\n',
    ],
    [
      ['--to', '0x0000000000000000000000000000000000000001', '--data', '0xabc'],
      1,
      'airlock: data has an odd number of hex digits (3). Each byte is two hex digits; a digit is missing or extra.\n',
    ],
    [
      ['--to', '0x0000000000000000000000000000000000000001', '--nope'],
      2,
      expect.stringContaining("Unknown option '--nope'"),
    ],
  ])('refuses %j with a one-line reason', async (args, exitCode, message) => {
    const { code, stdout, stderr } = await runCli([...base, ...args])
    expect(code).toBe(exitCode)
    expect(stdout).toBe('')
    expect(stderr).toEqual(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })

  it('refuses an unsupported version and a missing chain id', async () => {
    const to = ['--to', '0x0000000000000000000000000000000000000001']
    const badVersion = await runCli([
      'safe',
      'hash',
      '--chain-id',
      '1',
      '--safe',
      safe,
      '--safe-version',
      '1.2.3',
      ...to,
    ])
    expect(badVersion.code).toBe(1)
    expect(badVersion.stderr).toContain('Safe version "1.2.3" is not supported.')
    const noChain = await runCli(['safe', 'hash', '--safe', safe, '--safe-version', '1.3.0', ...to])
    expect(noChain.code).toBe(2)
    expect(noChain.stderr).toContain('--chain-id is required.')
  })

  it('runs as the installed bin and exits non-zero on bad input', () => {
    const bin = join(import.meta.dirname, '../../bin/airlock.mjs')
    const ok = execFileSync(
      'node',
      [bin, ...base, '--to', '0x0000000000000000000000000000000000000001', '--json'],
      {
        encoding: 'utf8',
      },
    )
    expect(JSON.parse(ok).safeTxHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(() => execFileSync('node', [bin, ...base, '--to', 'nope'], { stdio: 'pipe' })).toThrow(
      /Command failed/,
    )
  })
})
