import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Bundle } from '@airlock/policy'
import { PolicyBundle, UrDecoder } from '@airlock/transport'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../testing.ts'

const policies = resolve(import.meta.dirname, '../../../../policies')
const treasury = join(policies, 'treasury-default')
const coldVault = join(policies, 'cold-vault')
// Admins of both example orgs are the accounts of private keys 10, 11 and 12.
const key = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const
const [admin10, admin11] = [privateKeyToAccount(key(10)), privateKeyToAccount(key(11))]
const testMnemonic = 'test test test test test test test test test test test junk'

let dir: string
const tmp = (name: string) => join(dir, name)

function secretFile(name: string, content: string, mode = 0o600): string {
  const path = tmp(name)
  writeFileSync(path, `${content}\n`)
  chmodSync(path, mode)
  return path
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-policy-cli-'))
  secretFile('admin10.key', key(10))
  secretFile('admin11.key', key(11))
})

async function bundleOf(set: string, version: number, name: string): Promise<string> {
  const out = tmp(name)
  const result = await runCli(['policy', 'bundle', set, '--version', String(version), '--out', out])
  expect(result.code, result.stderr).toBe(0)
  return out
}

async function signBy(file: string, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    const result = await runCli(['policy', 'sign', file, '--key-file', tmp(k)])
    expect(result.code, result.stderr).toBe(0)
  }
}

function brokenCopy(): string {
  const copy = tmp(`broken-${Math.random().toString(36).slice(2)}`)
  cpSync(treasury, copy, { recursive: true })
  const rules = join(copy, 'rules.cedar')
  writeFileSync(
    rules,
    `${readFileSync(rules, 'utf8')}\n@id("broken.attr")\n@reason("uses an attribute the schema lacks")\nforbid (principal, action, resource)\nwhen { context.noSuchAttribute == 1 };\n`,
  )
  return copy
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'))

describe('airlock policy check', () => {
  it('accepts both example sets', async () => {
    for (const set of [treasury, coldVault]) {
      const { code, stdout, stderr } = await runCli(['policy', 'check', set])
      expect(code, stderr).toBe(0)
      expect(stdout.trim().split('\n').at(-1)).toMatch(
        /: \d+ file\(s\), \d+ policies, 1 test file\(s\): valid$/,
      )
    }
  })

  it("prints Cedar's diagnostics as file:line [id] message and exits 1 for a schema error", async () => {
    const copy = brokenCopy()
    const lineOfPolicy =
      readFileSync(join(copy, 'rules.cedar'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('noSuchAttribute')) + 1
    const { code, stdout, stderr } = await runCli(['policy', 'check', copy])
    expect(code).toBe(1)
    const diagnostics = stdout.trim().split('\n')
    expect(diagnostics.length).toBeGreaterThan(0)
    const ours = diagnostics.find((d) => d.includes('[broken.attr]'))
    expect(ours).toMatch(/^rules\.cedar:(\d+) \[broken\.attr\] .*noSuchAttribute/)
    // Cedar reports the policy's location; it must fall on or before the offending line.
    const line = Number(ours?.match(/^rules\.cedar:(\d+)/)?.[1])
    expect(line).toBeGreaterThan(0)
    expect(line).toBeLessThanOrEqual(lineOfPolicy)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    // Cedar checks the policy once per action it may apply to; every diagnostic is about it.
    expect(diagnostics.every((d) => d.startsWith('rules.cedar:') && d.includes('[broken.attr]'))).toBe(true)
    expect(stderr).toBe(
      `airlock: The policy set ${copy} has ${diagnostics.length} error(s). Fix the policies named above and run \`airlock policy check\` again.\n`,
    )
  })

  it('names a missing directory in one line', async () => {
    const { code, stderr } = await runCli(['policy', 'check', tmp('nope')])
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('Cannot read the policy directory')
  })
})

describe('airlock policy test', () => {
  it('runs every example case of both sets and ends with "N passed, 0 failed"', async () => {
    for (const set of [treasury, coldVault]) {
      const cases = readJson(join(set, 'tests/examples.json')).cases.length as number
      const { code, stdout, stderr } = await runCli(['policy', 'test', set])
      expect(code, stderr).toBe(0)
      const lines = stdout.trim().split('\n')
      expect(lines.at(-1)).toBe(`${cases} passed, 0 failed`)
      expect(lines.filter((l) => l.startsWith('PASS  examples.json › '))).toHaveLength(cases)
    }
  })

  it('fails with the case named when an expectation is wrong', async () => {
    const copy = tmp('wrong-expectation')
    cpSync(treasury, copy, { recursive: true })
    const file = join(copy, 'tests/examples.json')
    const tests = readJson(file)
    const flipped = tests.cases[0]
    flipped.expect.decision = flipped.expect.decision === 'allow' ? 'deny' : 'allow'
    writeFileSync(file, JSON.stringify(tests))
    const { code, stdout, stderr } = await runCli(['policy', 'test', copy])
    expect(code).toBe(1)
    expect(stdout.trim().split('\n').at(-1)).toBe(`${tests.cases.length - 1} passed, 1 failed`)
    expect(stdout).toContain(`FAIL  examples.json › ${flipped.name}: expected ${flipped.expect.decision}`)
    expect(stderr).toBe(
      'airlock: 1 policy test case(s) failed. Fix the policies or the expectations of the cases marked FAIL.\n',
    )
  })

  it('fails every case of an invalid set and prints the diagnostics', async () => {
    const { code, stdout } = await runCli(['policy', 'test', brokenCopy()])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^rules\.cedar:\d+ \[broken\.attr\]/m)
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^0 passed, [1-9]\d* failed$/)
  })
})

describe('airlock policy bundle, sign, verify', () => {
  it('builds an unsigned bundle equal to Bundle.create over the directory', async () => {
    const file = await bundleOf(coldVault, 3, 'cold.json')
    const bundle = Bundle.parse(readJson(file))
    expect(bundle.version).toBe(3)
    expect(Object.keys(bundle.policies)).toEqual(['vault.cedar'])
    expect(bundle.signatures).toEqual([])
    expect(bundle.org).toEqual(readJson(join(coldVault, 'org.json')))
    expect(Object.keys(bundle.tests ?? {})).toEqual(['examples.json'])
  })

  it('refuses to bundle an invalid set and writes nothing', async () => {
    const out = tmp('never.json')
    const { code, stderr } = await runCli(['policy', 'bundle', brokenCopy(), '--version', '1', '--out', out])
    expect(code).toBe(1)
    expect(stderr).toContain('does not validate; no bundle written')
    expect(existsSync(out)).toBe(false)
  })

  it('rejects a bad --version as a usage error', async () => {
    const { code, stderr } = await runCli([
      'policy',
      'bundle',
      treasury,
      '--version',
      '1.5',
      '--out',
      tmp('x.json'),
    ])
    expect(code).toBe(2)
    expect(stderr).toContain('--version 1.5 is not a whole number')
  })

  it('K of M admin signatures make a genesis bundle valid; one is under-signed', async () => {
    const file = await bundleOf(treasury, 1, 'genesis.json')
    await signBy(file, 'admin10.key')
    const under = await runCli(['policy', 'verify', file])
    expect(under.code).toBe(1)
    expect(under.stdout).toContain('under-signed: 1 valid admin signature(s); 2 required.')
    expect(under.stderr).toMatch(/^airlock: The policy bundle .* is not valid: 1 issue\(s\)\./)

    await signBy(file, 'admin11.key')
    const ok = await runCli(['policy', 'verify', file])
    expect(ok.code, ok.stdout).toBe(0)
    const bundle = Bundle.parse(readJson(file))
    expect(ok.stdout).toContain(`Hash        ${Bundle.hash(bundle)}`)
    expect(ok.stdout).toContain('Version     1')
    expect(ok.stdout).toContain(`Signers     ${admin10.address}, ${admin11.address}`)
    expect(ok.stdout).toContain('Issues      none')

    const json = await runCli(['policy', 'verify', file, '--json'])
    const parsed = JSON.parse(json.stdout)
    expect(parsed).toMatchObject({ valid: true, version: 1, hash: Bundle.hash(bundle), authority: 'genesis' })
    expect(parsed.signers).toEqual([admin10.address.toLowerCase(), admin11.address.toLowerCase()])
  })

  it('refuses a rollback against the installed bundle', async () => {
    const v1 = await bundleOf(treasury, 1, 'v1.json')
    const v2 = await bundleOf(treasury, 2, 'v2.json')
    await signBy(v1, 'admin10.key', 'admin11.key')
    await signBy(v2, 'admin10.key', 'admin11.key')
    const update = await runCli(['policy', 'verify', v2, '--installed', v1])
    expect(update.code, update.stdout).toBe(0)
    expect(update.stdout).toContain('Authority   installed bundle version 1')

    const rollback = await runCli(['policy', 'verify', v1, '--installed', v2])
    expect(rollback.code).toBe(1)
    expect(rollback.stdout).toContain('rollback: Version 1 is older than the installed version 2.')
    const same = await runCli(['policy', 'verify', v2, '--installed', v2])
    expect(same.code).toBe(0)
    expect(same.stdout).toContain('valid (same as installed)')
  })

  it('signing changes only the signatures, atomically rewriting the file', async () => {
    const file = await bundleOf(treasury, 4, 'atomic.json')
    const before = Bundle.parse(readJson(file))
    await signBy(file, 'admin10.key')
    const after = Bundle.parse(readJson(file))
    expect(Bundle.hash(after)).toBe(Bundle.hash(before))
    expect(after.signatures.map((s) => s.signer)).toEqual([admin10.address.toLowerCase()])
    // Signing twice with the same key replaces its signature rather than adding a duplicate.
    await signBy(file, 'admin10.key')
    expect(Bundle.parse(readJson(file)).signatures).toHaveLength(1)
  })

  it('signs with a mnemonic at an index; a non-admin signer is reported by verify', async () => {
    const file = await bundleOf(treasury, 1, 'mnemonic.json')
    const mnemonicFile = secretFile('words.txt', testMnemonic)
    const { code, stdout, stderr } = await runCli([
      'policy',
      'sign',
      file,
      '--mnemonic-file',
      mnemonicFile,
      '--index',
      '2',
    ])
    expect(code, stderr).toBe(0)
    const expected = mnemonicToAccount(testMnemonic, { addressIndex: 2 }).address
    expect(stdout).toContain(`as ${expected}`)
    const verified = await runCli(['policy', 'verify', file])
    expect(verified.code).toBe(1)
    expect(verified.stdout).toContain(`non-admin-signer: ${expected.toLowerCase()} is not an admin`)
  })

  it('refuses bad mnemonics, malformed keys and keys readable by others', async () => {
    const file = await bundleOf(treasury, 1, 'keys.json')
    const badChecksum = secretFile('bad-words.txt', Array(12).fill('abandon').join(' '))
    const cases: [string[], string][] = [
      [['--mnemonic-file', badChecksum], 'is not a valid English BIP-39 mnemonic'],
      [['--key-file', secretFile('short.key', '0x1234')], 'does not hold a 32-byte hex private key'],
      [['--key-file', secretFile('open.key', key(10), 0o644)], 'is readable by other users'],
      [['--key-file', tmp('admin10.key'), '--mnemonic-file', badChecksum], 'exactly one of'],
    ]
    for (const [flags, message] of cases) {
      const { code, stderr } = await runCli(['policy', 'sign', file, ...flags])
      expect(code).toBeGreaterThan(0)
      expect(stderr.trim().split('\n')).toHaveLength(1)
      expect(stderr).toContain(message)
    }
    expect(Bundle.parse(readJson(file)).signatures).toEqual([])
  })

  it('prints the message for a hardware wallet and attaches its signature', async () => {
    const file = await bundleOf(treasury, 1, 'ledger.json')
    const printed = await runCli(['policy', 'sign', file, '--print-message'])
    const bundle = Bundle.parse(readJson(file))
    expect(printed.stdout).toBe(`${Bundle.message(bundle)}\n`)
    // The admin signs the printed text elsewhere (personal_sign), here with viem as the "device".
    const sig10 = await admin10.signMessage({ message: printed.stdout.slice(0, -1) })
    const sig11 = await admin11.signMessage({ message: Bundle.message(bundle) })

    const wrong = await runCli([
      'policy',
      'add-signature',
      file,
      '--signer',
      admin11.address,
      '--signature',
      sig10,
    ])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain(`The signature does not verify for ${admin11.address}`)
    expect(Bundle.parse(readJson(file)).signatures).toEqual([])

    for (const [signer, signature] of [
      [admin10.address, sig10],
      [admin11.address, sig11],
    ] as const) {
      const added = await runCli([
        'policy',
        'add-signature',
        file,
        '--signer',
        signer,
        '--signature',
        signature,
      ])
      expect(added.code, added.stderr).toBe(0)
    }
    expect((await runCli(['policy', 'verify', file])).code).toBe(0)
  })

  it('reports a tampered signed bundle: a policy edited after signing', async () => {
    const file = await bundleOf(treasury, 1, 'tampered.json')
    await signBy(file, 'admin10.key', 'admin11.key')
    const json = readJson(file)
    json.policies['rules.cedar'] = `${json.policies['rules.cedar']}\n// harmless-looking comment\n`
    writeFileSync(file, JSON.stringify(json))
    const { code, stdout } = await runCli(['policy', 'verify', file])
    expect(code).toBe(1)
    expect(stdout.match(/bad-signature/g)).toHaveLength(2)
  })
})

describe('airlock policy export --ur', () => {
  it('prints UR parts that decode back to the same signed bundle', async () => {
    const file = await bundleOf(coldVault, 7, 'export.json')
    await signBy(file, 'admin10.key', 'admin11.key')
    const { code, stdout } = await runCli(['policy', 'export', file, '--ur', '--max-fragment', '300'])
    expect(code).toBe(0)
    const parts = stdout.trim().split('\n')
    expect(parts.length).toBeGreaterThan(1)
    const decoder = new UrDecoder({ expectedTypes: [PolicyBundle.urType] })
    let status = decoder.receive(parts[0] as string)
    for (const part of parts.slice(1)) status = decoder.receive(part)
    expect(status.status).toBe('complete')
    if (status.status !== 'complete') return
    const carried = PolicyBundle.fromUr(status.result)
    expect(carried.version).toBe(7)
    const decoded = Bundle.parse(JSON.parse(new TextDecoder().decode(carried.document)))
    const original = Bundle.parse(readJson(file))
    expect(decoded).toEqual(original)
    expect(Bundle.hash(decoded)).toBe(Bundle.hash(original))
  })

  it('requires --ur', async () => {
    const { code, stderr } = await runCli(['policy', 'export', tmp('any.json')])
    expect(code).toBe(2)
    expect(stderr).toContain('--ur')
  })
})
