// The airlock command as a user starts it: whole processes, wall time from spawn to exit. `--help` is
// start-up alone; `sign review` adds loading the signer (viem, Cedar's wasm, the policy) and one review
// of a transfer read from a UR file. Targets: --help ≤ 0.3 s, sign review ≤ 0.6 s on the reference machine.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Bundle } from '@airlock/policy'
import { SafeTx } from '@airlock/safe'
import { SignRequest, Ur } from '@airlock/transport'
import { toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { type BenchTable, median } from './table.ts'

const bin = fileURLToPath(new URL('../apps/cli/bin/airlock.mjs', import.meta.url))
const policyDir = fileURLToPath(new URL('../policies/treasury-default/', import.meta.url))
const owner = mnemonicToAccount('test test test test test test test test test test test junk')
const admins = [0, 1].map((addressIndex) =>
  mnemonicToAccount(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    { addressIndex },
  ),
)

function run(args: string[]): number {
  const start = performance.now()
  execFileSync('node', [bin, ...args], { stdio: 'pipe' })
  return performance.now() - start
}

function measure(args: string[], runs: number) {
  run(args) // warm-up: builds dist/ if a source changed, and fills the OS file cache
  const times = Array.from({ length: runs }, () => run(args))
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) }
}

export async function runCliBench(): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-cli-'))
  try {
    const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
    org.safes = org.safes.map((s: { owners: string[] }) => ({
      ...s,
      owners: [owner.address.toLowerCase(), ...s.owners.slice(1)],
    }))
    org.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
    org.allowSoftwareKeys = true
    const policies = Object.fromEntries(
      ['rules.cedar', 'tiers.cedar'].map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
    )
    let bundle = Bundle.create({ version: 1, policies, org })
    for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle))
    const state = join(dir, 'state')
    execFileSync('node', [bin, 'sign', 'init', '--state', state, '--bundle', join(dir, 'bundle.json')], {
      stdio: 'pipe',
    })
    const request: SignRequest.SignRequest = {
      requestId: toHex(7, { size: 16 }),
      createdAt: 1_767_225_600,
      context: SafeTx.context({
        chainId: 1,
        safe: '0x00000000000000000000000000000000000a11ce',
        version: '1.4.1',
      }),
      tx: SafeTx.from({ to: '0x0000000000000000000000000000000000002001', value: 10n ** 18n, nonce: 0 }),
      signatures: [],
      attestations: [],
      title: 'Payroll',
      description: 'January payroll',
    }
    const requestFile = join(dir, 'request.txt')
    writeFileSync(requestFile, `${Ur.encodeSingle(SignRequest.toUr(request))}\n`)
    const review = ['sign', 'review', requestFile, '--state', state, '--device', 'keystone']
    review.push('--keystone-address', owner.address, '--keystone-fingerprint', '12345678')
    const rows = [
      { command: 'airlock --help', ...measure(['--help'], 10), targetMs: 300 },
      { command: 'airlock sign review (UR file)', ...measure(review, 5), targetMs: 600 },
    ].map(({ command, median: m, min, max, targetMs }) => ({
      command,
      medianMs: Math.round(m),
      minMs: Math.round(min),
      maxMs: Math.round(max),
      targetMs,
    }))
    return [
      {
        title: 'CLI: whole-process wall time (node apps/cli/bin/airlock.mjs, built with esbuild)',
        rows,
        notes: ['A warm-up run first (it builds apps/cli/dist when a source is newer); medians of the rest.'],
      },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
