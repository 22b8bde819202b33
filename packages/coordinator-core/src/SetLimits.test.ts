import { readFileSync } from 'node:fs'
import { OrgConfig } from '@airlock/policy'
import { openPgliteStore, type Store } from '@airlock/queue'
import { SafeTx, Signature } from '@airlock/safe'
import { createPublicClient, getAddress, http, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Action from './Action.ts'
import * as SetLimits from './SetLimits.ts'

const owners = [0, 1, 2].map((addressIndex) =>
  mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex }),
)
const json = JSON.parse(
  readFileSync(new URL('../../../policies/treasury-default/org.json', import.meta.url), 'utf8'),
)
json.safes[0] = {
  ...json.safes[0],
  owners: owners.map((o) => o.address.toLowerCase()),
  threshold: 2,
  startNonce: '0',
}
// Enrolled audit keys (only their presence matters to what a request carries).
json.signers = owners.map((o, i) => ({ owner: o.address, auditKey: toHex(i + 1, { size: 32 }).slice(2) }))
const org = OrgConfig.parse(json)
const safe = { chainId: 1n, address: getAddress(json.safes[0].address), version: '1.4.1' as const }
const payroll = getAddress('0x0000000000000000000000000000000000002001')
// Every proof here is in the queue: the chain is never asked.
const client = createPublicClient({ transport: http('http://127.0.0.1:1') })
const actor = 'ops'

let store: Store
beforeAll(async () => {
  store = await openPgliteStore({ dataDir: 'memory' })
})
afterAll(() => store?.close())

/** An action at `nonce` with `bytes` of calldata, signed by two owners and executed. */
async function executed(nonce: bigint, bytes: number) {
  const action = await store.createAction({
    safe,
    tx: { to: payroll, data: `0x${'ab'.repeat(bytes)}`, nonce },
    title: `executed ${nonce}`,
    requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
    actor,
    submit: true,
  })
  for (const owner of owners.slice(0, 2))
    await store.addSignature(
      action.id,
      {
        signer: owner.address,
        signature: await owner.sign({ hash: action.safeTxHash }),
        kind: 'safe-signature',
      },
      { actor, verify: async () => true },
    )
  await store.recordExecution(action.id, {
    txHash: toHex(nonce, { size: 32 }),
    blockNumber: nonce + 1n,
    blockHash: toHex(nonce + 100n, { size: 32 }),
    status: 'success',
    revertReason: null,
    actor,
  })
}

const pending = (nonce: bigint) =>
  store.createAction({
    safe,
    tx: { to: payroll, value: 1n, nonce },
    title: `pending ${nonce}`,
    requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
    actor,
    submit: true,
  })

describe('SetLimits.attach', () => {
  it('proves every nonce from the bundle start with the queue’s executions, and refuses what cannot fit', async () => {
    await executed(0n, 100)
    await executed(1n, 100)
    const action = await pending(2n)
    const request = await SetLimits.attach({
      store,
      client,
      org,
      action,
      request: Action.signRequest(action),
    })
    expect(request.history?.map((h) => h.tx.nonce)).toEqual([0n, 1n])
    // Each proof carries the threshold of owner signatures over its own hash, as a signer checks it.
    for (const proven of request.history ?? []) {
      const { safeTxHash } = Action.hashesOf({ safe, tx: SafeTx.from(proven.tx) })
      const verified = Signature.verify({
        safeTxHash,
        signatures: proven.signatures,
        owners: owners.map((o) => o.address),
        threshold: 2,
      })
      expect(verified.status).toBe('valid')
    }
    expect(request.receipts).toBeUndefined()
    expect(request.heads).toBeUndefined()

    // Two executions of 150 KiB of calldata each: the proof alone is over the signers' 256 KiB.
    await store.cancel(action.id, { actor, reason: 'replaced' })
    await executed(2n, 150 * 1024)
    await executed(3n, 150 * 1024)
    const big = await pending(4n)
    await expect(
      SetLimits.attach({ store, client, org, action: big, request: Action.signRequest(big) }),
    ).rejects.toMatchObject({ name: 'Coordinator.SetLimitsTooLargeError' })
  })

  it('leaves a request alone when the org enrolls no signer set', async () => {
    const { signers: _, ...plain } = json
    const action = await store.createAction({
      safe: { ...safe, address: getAddress('0x00000000000000000000000000000000000b0b00') },
      tx: { to: payroll, value: 1n, nonce: 9n },
      title: 'elsewhere',
      requirements: { signatures: 2, attestations: 0, delaySeconds: 0 },
      actor,
      submit: true,
    })
    const request = Action.signRequest(action)
    expect(await SetLimits.attach({ store, client, org: OrgConfig.parse(plain), action, request })).toBe(
      request,
    )
  })
})
