// The queue judges a timelock execute by what is left to check: Routine once the same Safe's schedule
// of that operation executed (or is fully signed), its decoded tier otherwise.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AnalyzeReturnType } from '@airlock/safe'
import { encodeAbiParameters, encodeFunctionData, type Hex, keccak256, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPgliteStore } from './PgliteStore.ts'
import type { Store } from './Store.ts'
import type { Requirements, SafeInfo } from './types.ts'

const abi = parseAbi([
  'function schedule(address target, uint256 value, bytes data, bytes32 predecessor, bytes32 salt, uint256 delay)',
  'function execute(address target, uint256 value, bytes payload, bytes32 predecessor, bytes32 salt) payable',
  'function transferOwnership(address owner)',
])
const timelock = '0x3333333333333333333333333333333333333333' as const
const vault = '0x4444444444444444444444444444444444444444' as const
const zero = `0x${'00'.repeat(32)}` as const
const safe: SafeInfo = {
  chainId: 1n,
  address: '0x2222222222222222222222222222222222222222',
  version: '1.4.1',
}
const inner = encodeFunctionData({ abi, functionName: 'transferOwnership', args: [safe.address] })
const saltOf = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const idOf = (salt: Hex) =>
  keccak256(
    encodeAbiParameters(
      [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [vault, 0n, inner, zero, salt],
    ),
  )
const schedule = (salt: Hex) =>
  encodeFunctionData({ abi, functionName: 'schedule', args: [vault, 0n, inner, zero, salt, 3600n] })
const execute = (salt: Hex) =>
  encodeFunctionData({ abi, functionName: 'execute', args: [vault, 0n, inner, zero, salt] })
const byTier = ({ tier }: AnalyzeReturnType): Requirements =>
  tier === 'routine'
    ? { signatures: 2, attestations: 0, delaySeconds: 0 }
    : { signatures: 2, attestations: 3, delaySeconds: 1800 }

let dir: string
let store: Store
let nonce = 0n
const actor = 'alice'
async function queue(data: Hex, options: { requirements?: Requirements; chainTime?: Date } = {}) {
  const tx = { to: timelock, data, nonce: nonce++ }
  return store.createAction({
    safe,
    tx,
    title: 'timelock',
    requirements: options.requirements ?? byTier,
    actor,
    submit: true,
    chainTime: options.chainTime,
  })
}
async function executeOnChain(id: string) {
  await store.recordExecution(id, {
    txHash: keccak256(`0x${id.replaceAll('-', '')}`),
    blockNumber: 1n,
    blockHash: `0x${'cd'.repeat(32)}`,
    status: 'success',
    revertReason: null,
    actor,
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-timelock-tier-'))
  store = await openPgliteStore({ dataDir: join(dir, 'queue') })
})
afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('timelock execute requirements in the queue', () => {
  it('keeps an execute whose schedule is not in the queue Critical', async () => {
    const action = await queue(execute(saltOf(1)))
    expect(action).toMatchObject({ tier: 'critical', requirements: byTier({ tier: 'critical' } as never) })
  })

  it('queues the execute of an executed schedule with Routine requirements', async () => {
    // Signatures collected for the schedule's own Critical round are not the point here: ready at once.
    const scheduled = await queue(schedule(saltOf(2)), {
      requirements: { signatures: 0, attestations: 0, delaySeconds: 0 },
    })
    expect(scheduled.tier).toBe('critical')
    // Queued but not yet fully signed, the schedule counts for nothing.
    const pending = await queue(schedule(saltOf(3)))
    expect(pending.state).toBe('collecting-attestations')
    await executeOnChain(scheduled.id)
    expect(await store.scheduledOperations(safe)).toEqual([{ timelock, operationId: idOf(saltOf(2)) }])

    const chainTime = new Date('2030-01-01T00:00:00Z')
    const action = await queue(execute(saltOf(2)), { chainTime })
    expect(action).toMatchObject({
      tier: 'routine',
      requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
      state: 'collecting-signatures',
      createdChainAt: chainTime,
    })
    expect((await queue(execute(saltOf(3)))).tier).toBe('critical')
  })

  it('counts a fully signed (ready) schedule, not another Safe’s', async () => {
    const ready = await queue(schedule(saltOf(4)), {
      requirements: { signatures: 0, attestations: 0, delaySeconds: 0 },
    })
    expect(ready.state).toBe('ready')
    expect((await queue(execute(saltOf(4)))).tier).toBe('routine')
    const other = { ...safe, address: '0x5555555555555555555555555555555555555555' as const }
    const elsewhere = await store.createAction({
      safe: other,
      tx: { to: timelock, data: execute(saltOf(4)), nonce: 0n },
      title: 'another Safe',
      requirements: byTier,
      actor,
    })
    expect(elsewhere.tier).toBe('critical')
  })
})
