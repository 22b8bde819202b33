// The signer engine's review: recompute the hashes, decode and classify, verify attestations, read
// the log's state and evaluate the Cedar policy, for one transfer and for a 100-call MultiSend.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Bundle } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import { MultiSend, SafeTx } from '@airlock/safe'
import { maliciousFixtures } from '@airlock/safe/fixtures/malicious'
import { DecisionLog, review, Signer } from '@airlock/signer-core'
import type { SignRequest } from '@airlock/transport'
import { encodeFunctionData, erc20Abi, type Hex, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { type BenchTable, median } from './table.ts'

const policyDir = join(import.meta.dirname, '..', 'policies', 'treasury-default')
export const owner = mnemonicToAccount('test test test test test test test test test test test junk')
const admins = [0, 1].map((addressIndex) =>
  mnemonicToAccount(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    {
      addressIndex,
    },
  ),
)
const TREASURY = '0x00000000000000000000000000000000000A11cE'
const PAYROLL = '0x0000000000000000000000000000000000002001'
const MARKET_MAKER = '0x0000000000000000000000000000000000002002'
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const MULTISEND_CALL_ONLY = '0x9641d764fc13c8B624c04430C7356C1C7C8102e2'

export async function installedSigner(): Promise<Signer> {
  const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  org.safes = org.safes.map((s: object) => ({
    ...s,
    owners: [owner.address.toLowerCase(), ...org.safes[0].owners.slice(1)],
  }))
  org.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  const policies = Object.fromEntries(
    readdirSync(policyDir)
      .filter((f) => f.endsWith('.cedar'))
      .map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
  )
  let bundle = Bundle.create({ version: 1, policies, org })
  for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
  const signer = await Signer.create({ cedar, log: DecisionLog.memory() })
  await signer.installBundle(bundle)
  return signer
}

function request(tx: SafeTx.SafeTx): SignRequest.SignRequest {
  return {
    requestId: toHex(1, { size: 16 }),
    createdAt: 0,
    context: SafeTx.context({ chainId: 1, safe: TREASURY, version: '1.4.1' }),
    tx,
    signatures: [],
    attestations: [],
    title: '',
    description: '',
  }
}

const transfer = (i: number): Hex =>
  encodeFunctionData({
    abi: erc20Abi,
    functionName: 'transfer',
    args: [i % 2 ? PAYROLL : MARKET_MAKER, BigInt(i + 1) * 10n ** 6n],
  })

async function time(fn: () => Promise<unknown>, ms = 1000): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn()
  const times: number[] = []
  const end = performance.now() + ms
  while (performance.now() < end || times.length < 20) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  return times
}

/** Review + policy time of the signer engine (targets: 1 tx ≤ 2 ms, 100-call MultiSend ≤ 20 ms, median). */
export async function runSignerBench(): Promise<BenchTable[]> {
  const signer = await installedSigner()
  const identity = { address: owner.address, keyKind: 'ledger' as const }
  const single = request(SafeTx.from({ to: USDC, data: transfer(0), nonce: 7 }))
  const batch = request(
    SafeTx.from({
      to: MULTISEND_CALL_ONLY,
      operation: 1,
      data: MultiSend.encode(
        Array.from({ length: 100 }, (_, i) => ({
          operation: 0 as const,
          to: USDC,
          value: 0n,
          data: transfer(i),
        })),
      ),
      nonce: 8,
    }),
  )
  const rows: BenchTable['rows'] = []
  for (const [name, req, target] of [
    ['1 ERC-20 transfer', single, 2],
    ['MultiSend of 100 transfers', batch, 20],
  ] as const) {
    const result = await review(req, { state: signer.state(identity) })
    if (!result.allowed)
      throw new Error(`bench request refused: ${result.refusals.map((r) => r.code).join(', ')}`)
    const times = await time(() => review(req, { state: signer.state(identity) }))
    const ms = median(times)
    const p90 = [...times].sort((a, b) => a - b)[Math.floor(times.length * 0.9)] ?? Number.NaN
    rows.push({
      case: name,
      'median ms': ms,
      'p90 ms': p90,
      'target ms': target,
      'within target': ms <= target,
      runs: times.length,
    })
  }
  return [
    {
      title: 'Signer engine: review + policy (median)',
      rows,
      notes: [
        'review(): recompute hashes, decode + classify with the installed org config, read the log state, Cedar evaluate.',
        'Signing itself (device round trip) and the log append are not included.',
      ],
    },
    await hostileTable(signer, identity),
  ]
}

// Worst case (slowest of several runs) from a hostile request to its logged refusal: the decoder's
// oversized and aliasing fixtures, sent to the treasury. Target: at most 50 ms each.
async function hostileTable(
  signer: Signer,
  identity: { address: `0x${string}`; keyKind: 'ledger' },
): Promise<BenchTable> {
  const context = SafeTx.context({ chainId: 1, safe: TREASURY, version: '1.4.1' })
  const names = [
    'batch-10000-calls',
    'calldata-1mb',
    'deep-nesting',
    'deep-nested-safes',
    'aliasing-offsets-8-pow-6',
  ]
  const rows: BenchTable['rows'] = []
  for (const name of names) {
    const fixture = maliciousFixtures.find((f) => f.name === name)
    if (!fixture) throw new Error(`no malicious fixture ${name}`)
    const tx = SafeTx.from(fixture.tx)
    const req = { ...request(tx), context }
    const times: number[] = []
    let refusal = ''
    for (let i = 0; i < 12; i++) {
      const start = performance.now()
      const result = await signer.review(req, { identity })
      times.push(performance.now() - start)
      if (result.allowed) throw new Error(`hostile request ${name} was allowed`)
      refusal = result.refusals.map((r) => r.code).join(', ')
      if (signer.log.entries.at(-1)?.decision !== 'would-refuse')
        throw new Error(`${name}: refusal not logged last`)
    }
    const worst = Math.max(...times.slice(2))
    rows.push({
      case: `${name} (${Math.round((tx.data.length - 2) / 2 / 1024)} KiB)`,
      'worst ms': worst,
      'median ms': median(times),
      'target ms': 50,
      'within target': worst <= 50,
      refusal,
    })
  }
  return {
    title: 'Signer engine: hostile request to a logged refusal (worst case)',
    rows,
    notes: [
      'Signer.review() on the decoder’s oversized and aliasing fixtures: budget check, refusal and the log entry.',
      'Worst of 10 runs after 2 warm-ups.',
    ],
  }
}
