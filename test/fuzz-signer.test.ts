// Fuzz: mutated signing requests (raw CBOR, UR text, and decoded requests with mutated calldata) through
// the signer engine's review and approve. Every input must end in a typed error, a decision, or a typed
// refusal; an `internal-error` refusal caused by a non-Airlock error counts as an untyped exception.
// Deterministic (seeded); the slowest input is reported, and only gross hangs (> 2 s of CPU time for
// one input, so a loaded CI machine does not count) fail.
import type { Refusal } from '@airlock/signer-core'
import { SignRequest, Ur, UrDecoder } from '@airlock/transport'
import { bytesToHex, encodeFunctionData, type Hex, hexToBytes, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Fuzz from './support/fuzz.ts'
import * as F from './support/signer-fixtures.ts'

const HANG_MS = 2000

function seeds(): SignRequest.SignRequest[] {
  const guardian = F.context(F.GUARDIAN)
  const calls = [
    F.ethTransfer(F.PAYROLL, F.ETH, 0),
    F.usdcTransfer(F.MARKET_MAKER, 1000n * F.USDC_UNIT, 1),
    F.usdcApprove(F.LENDING_POOL, 10n ** 30n, 2),
    F.usdcApprove(F.LENDING_POOL, 0n, 3),
    F.batch(
      [
        { to: F.USDC, value: 0n, data: F.usdcTransferData(F.PAYROLL, 5n * F.USDC_UNIT) },
        { to: F.PAYROLL, value: F.ETH, data: '0x' },
      ],
      4,
    ),
    F.tokenCall(F.LENDING_POOL, F.pauseData, 5),
    F.tokenCall(F.LENDING_POOL, F.upgradeData(F.BRIDGE), 6),
    F.tokenCall(F.TREASURY, F.addOwnerData(F.BRIDGE), 7),
    F.tokenCall(F.TIMELOCK, F.timelockData('schedule', { to: F.PAYROLL, value: F.ETH, data: '0x' }), 8),
    F.tokenCall(
      F.BRIDGE,
      encodeFunctionData({
        abi: parseAbi(['function swap((address,uint256,bytes[])[] legs, bytes32 salt)']),
        args: [[[F.PAYROLL, 1n, ['0x1234', '0x']]], `0x${'ab'.repeat(32)}`],
      }),
      9,
    ),
  ]
  return [
    ...calls.map((tx) => F.request(tx)),
    F.request(F.ethTransfer(F.PAYROLL, F.ETH, 10), { ctx: guardian, claimedTier: 'routine' }),
  ]
}

type Peer = Awaited<ReturnType<typeof F.peer>>

/** An approve/review result that hides an untyped exception as an internal-error refusal. */
function hiddenCrash(refusals: readonly Refusal.Refusal[] | undefined): string | undefined {
  const internal = refusals?.find((r) => r.code === 'internal-error')
  if (!internal) return undefined
  // Airlock errors have namespaced names (Safe.InvalidHexError); anything else is a bug.
  const name = /\(([A-Za-z0-9_.]+)/.exec(internal.message)?.[1] ?? ''
  return name.includes('.') ? undefined : internal.message
}

class HiddenCrash extends Error {
  override name = 'HiddenCrash'
}

/** Inputs that got through decoding to the engine (the suites must reach it, not only the decoders). */
let reached = 0

async function decide(peer: Peer, request: SignRequest.SignRequest, approve: boolean): Promise<void> {
  reached += 1
  if (approve) {
    const result = await peer.signer.approve(request, { key: peer.key })
    const crash = hiddenCrash(result.status === 'refused' ? result.refusals : undefined)
    if (crash) throw new HiddenCrash(crash)
    // The decision must be the last log entry, whatever it was.
    if (peer.signer.log.entries.at(-1) !== result.entry) throw new HiddenCrash('decision not last in the log')
  } else {
    const review = await peer.signer.review(request, {
      identity: { address: peer.owner.address, keyKind: 'software' },
    })
    const crash = hiddenCrash(review.refusals)
    if (crash) throw new HiddenCrash(crash)
  }
}

function check(stats: Fuzz.FuzzStats, reachedBefore: number) {
  console.log(`${Fuzz.report(stats)}; ${reached - reachedBefore} reached the engine`)
  expect(reached - reachedBefore, 'inputs that reached review/approve').toBeGreaterThan(30)
  expect(stats.untyped, 'untyped exceptions').toEqual([])
  expect(stats.slowestMs, `slowest input: ${stats.slowestInput}`).toBeLessThan(HANG_MS)
}

describe('fuzz: signing requests through review and approve', () => {
  const all = seeds()
  const encoded = all.map((r) => SignRequest.encode(r))

  it('raw CBOR requests: mutated bytes, deep nesting, truncation', { timeout: 120_000 }, async () => {
    const r = Fuzz.rng(1001)
    let peer = await F.peer()
    let n = 0
    function* inputs() {
      yield Fuzz.deepCbor(10_000)
      yield Fuzz.deepCbor(100_000)
      yield new Uint8Array()
      for (let i = 0; i < 7000; i++) yield Fuzz.mutateBytes(r, r.pick(encoded), encoded)
    }
    const before = reached
    const stats = await Fuzz.run({
      name: 'sign requests (CBOR)',
      inputs: inputs(),
      describe: Fuzz.hex,
      target: async (bytes) => {
        const request = SignRequest.decode(bytes)
        // A fresh peer now and then keeps the log (and its per-decision scan) small.
        if (++n % 300 === 0) peer = await F.peer()
        await decide(peer, request, n % 4 === 0)
      },
    })
    check(stats, before)
    expect(stats.inputs).toBeGreaterThanOrEqual(7000)
  })

  it('UR text parts: mutated characters, headers and checksums', { timeout: 120_000 }, async () => {
    const r = Fuzz.rng(1002)
    const peer = await F.peer()
    const parts = encoded.flatMap((payload) =>
      Ur.encode({ type: SignRequest.urType, payload, maxFragmentLength: 90 }).firstParts(3),
    )
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789/-:UR '
    function* inputs() {
      // Valid URs (checksums right) around mutated payloads: these reach the request decoder and engine.
      for (let i = 0; i < 1000; i++) {
        const mutated = Fuzz.mutateBytes(r, r.pick(encoded), encoded)
        const payload = mutated.length > 0 ? mutated : r.pick(encoded)
        yield Ur.encode({ type: SignRequest.urType, payload, maxFragmentLength: 120 }).firstParts(
          r.chance(0.2) ? 40 : 20,
        )
      }
      for (let i = 0; i < 2000; i++) {
        const chosen = Array.from({ length: 1 + r.int(4) }, () => r.pick(parts))
        yield chosen.map((part) => {
          let text = part
          for (let k = r.int(3); k >= 0; k--) {
            const at = r.int(text.length)
            const op = r.int(4)
            text =
              op === 0
                ? text.slice(0, at) + r.pick([...alphabet]) + text.slice(at + 1)
                : op === 1
                  ? text.slice(0, at) + text.slice(at + 1 + r.int(10))
                  : op === 2
                    ? text.slice(0, at) + text.slice(at, at + r.int(40)) + text.slice(at)
                    : text.slice(0, at)
          }
          return text
        })
      }
    }
    let n = 0
    const before = reached
    const stats = await Fuzz.run({
      name: 'sign requests (UR text)',
      inputs: inputs(),
      describe: (lines) => lines.join(' ').slice(0, 200),
      target: async (lines) => {
        const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
        for (const line of lines) {
          const status = decoder.receive(line)
          if (status.status === 'complete') {
            await decide(peer, SignRequest.fromUr(status.result), ++n % 8 === 0)
            return
          }
        }
      },
    })
    check(stats, before)
  })

  it('decoded requests with hostile calldata and fields', { timeout: 120_000 }, async () => {
    const r = Fuzz.rng(1003)
    let peer = await F.peer()
    const datas = all.map((req) => hexToBytes(req.tx.data))
    const nested = (depth: number): Hex => {
      // A bytes argument holding itself `depth` times: ABI offsets all the way down.
      let data: Hex = '0x'
      for (let i = 0; i < depth; i++)
        data = encodeFunctionData({ abi: parseAbi(['function f(bytes)']), args: [data] })
      return data
    }
    const hostileData: Hex[] = [
      nested(200),
      `0x${'00'.repeat(1024 * 1024)}`,
      `0xa9059cbb${'ff'.repeat(4096)}`,
    ]
    function* inputs() {
      for (const data of hostileData) yield { ...r.pick(all), tx: { ...r.pick(all).tx, data } }
      for (let i = 0; i < 1500; i++) {
        const base = r.pick(all)
        const data = bytesToHex(Fuzz.mutateBytes(r, r.pick(datas), datas))
        const tx = { ...base.tx, data }
        if (r.chance(0.1)) tx.operation = r.pick([0, 1] as const)
        if (r.chance(0.1)) tx.to = r.pick([F.USDC, F.MULTISEND_CALL_ONLY, F.TREASURY, F.GUARDIAN])
        yield { ...base, tx }
      }
    }
    let n = 0
    const before = reached
    const stats = await Fuzz.run({
      name: 'sign requests (calldata)',
      inputs: inputs(),
      describe: (req) => `${req.tx.to} ${req.tx.operation} ${req.tx.data.slice(0, 120)}`,
      target: async (request) => {
        if (++n % 300 === 0) peer = await F.peer()
        await decide(peer, request, n % 3 === 0)
      },
    })
    check(stats, before)
  })
})
