// The red-team suite: malicious or broken requests, bundles and conditions. Each must be refused
// with the expected stable reason code, and the refusal must be in the signer's log before the
// result comes back.

import { LedgerDevice } from '@airlock/devices/ledger'
import { EthAppSimulator, type EthAppSimulatorOptions } from '@airlock/devices/testing'
import {
  type Anvil,
  anvilAccounts,
  createSafe,
  deploySafeContracts,
  execTransaction,
  startAnvil,
} from '@airlock/devnet'
import { maliciousFixtures, maliciousOrg } from '@airlock/safe/fixtures/malicious'
import {
  type ApproveResult,
  BundleRejectedError,
  DecisionLog,
  reviewText,
  Signer,
} from '@airlock/signer-core'
import { type Address, encodeFunctionData, parseAbi, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as F from './support/signer-fixtures.ts'

type Req = ReturnType<typeof F.request>

async function expectRefused(
  p: F.Peer,
  req: Req,
  code: string,
  { ack = false, key = p.key }: { ack?: boolean; key?: Parameters<Signer['approve']>[1]['key'] } = {},
) {
  const result = await p.signer.approve(req, { key, acknowledgeReplacement: ack })
  expect(result.status, `expected a refusal with ${code}`).toBe('refused')
  if (result.status !== 'refused') throw new Error(`not refused: ${result.status}`)
  expect(
    result.refusals.map((r) => r.code),
    result.refusals.map((r) => r.message).join(' / '),
  ).toContain(code)
  const last = p.signer.log.entries.at(-1)!
  expect(['refused', 'clock-anomaly']).toContain(last.event)
  expect(last).toBe(result.entry)
  expect(last.reasons?.some((reason) => reason.startsWith(code))).toBe(true)
  return result
}

async function expectReleased(
  p: F.Peer,
  req: Req,
  kind: 'safe-signature' | 'approval-attestation',
  ack = false,
) {
  const result = await p.signer.approve(req, { key: p.key, acknowledgeReplacement: ack })
  if (result.status === 'refused') expect.fail(`refused: ${result.refusals.map((r) => r.code).join(', ')}`)
  expect(result.status).toBe('released')
  if (result.status === 'released') expect(result.kind).toBe(kind)
  return result as Extract<ApproveResult, { status: 'released' }>
}

const ATTACKER = '0x00000000000000000000000000000000DeaDBeef' as Address
const adminAbi = parseAbi([
  'function enableModule(address module)',
  'function changeMasterCopy(address singleton)',
])
const enableModuleData = (module: Address) =>
  encodeFunctionData({ abi: adminAbi, functionName: 'enableModule', args: [module] })
const changeMasterCopyData = (singleton: Address) =>
  encodeFunctionData({ abi: adminAbi, functionName: 'changeMasterCopy', args: [singleton] })

// Attestations from the given owner indexes for the request's computed tier.
const attestationsFrom = (req: Req, tier: 'critical' | 'existential', indexes: number[]) =>
  Promise.all(indexes.map((i) => F.attestation(req, F.owners[i]!, tier)))

describe('red team: what the transaction does', () => {
  it('1. delegatecall to an unknown contract', async () => {
    const p = await F.peer()
    const tx = F.SafeTxFrom({ to: ATTACKER, operation: 1, data: '0x12345678', nonce: 0 })
    await expectRefused(p, F.request(tx), 'treasury.delegatecall-multisend-only')
  })

  it('2. an owner change hidden in a MultiSendCallOnly batch is Existential: every owner, then 72h', async () => {
    const p = await F.peer()
    const tx = F.batch(
      [
        { to: F.USDC, value: 0n, data: F.usdcTransferData(F.PAYROLL, 10n * F.USDC_UNIT) },
        { to: F.TREASURY, value: 0n, data: F.addOwnerData(ATTACKER) },
      ],
      0,
    )
    const req = F.request(tx)
    // Round 1 is only an attestation (never a Safe signature), shown as Existential.
    const round1 = await expectReleased(p, req, 'approval-attestation')
    expect(round1.review.tier).toBe('existential')
    const result = await expectRefused(
      p,
      { ...req, attestations: await attestationsFrom(req, 'existential', [1, 2]) },
      'insufficient-approvals',
    )
    expect(result.refusals.map((r) => r.code)).toEqual(
      expect.arrayContaining(['delay-not-elapsed', 'treasury.approvals', 'treasury.timelock']),
    )
  })

  it('2b. enabling a module is refused under the default policy, even with every owner after 72h', async () => {
    const p = await F.peer()
    const req = F.request(F.tokenCall(F.TREASURY, enableModuleData(ATTACKER), 0))
    await expectRefused(p, req, 'treasury.forbidden-finding')
  })

  it('2c. changeMasterCopy is refused under the default policy', async () => {
    const p = await F.peer()
    const req = F.request(F.tokenCall(F.TREASURY, changeMasterCopyData(ATTACKER), 0))
    await expectRefused(p, req, 'treasury.singleton-change')
  })

  it('3. gas-refund fields that pay the executor', async () => {
    const p = await F.peer()
    const tx = F.SafeTxFrom({
      to: F.PAYROLL,
      value: F.ETH,
      gasPrice: 10n ** 9n,
      refundReceiver: ATTACKER,
      nonce: 0,
    })
    await expectRefused(p, F.request(tx), 'treasury.no-gas-refund')
  })

  it('4. unlimited token approval', async () => {
    const p = await F.peer()
    await expectRefused(
      p,
      F.request(F.usdcApprove(F.MARKET_MAKER, 2n ** 256n - 1n, 0)),
      'airlock.core.amount-overflow',
    )
  })

  it('5. plain MultiSend (not CallOnly) by delegatecall', async () => {
    const p = await F.peer()
    const tx = F.batch([{ to: F.PAYROLL, value: F.ETH, data: '0x' }], 0, F.MULTISEND_141)
    await expectRefused(p, F.request(tx), 'treasury.delegatecall-multisend-only')
  })

  it('6. a transfer to a recipient outside the allow-list', async () => {
    const p = await F.peer()
    await expectRefused(p, F.request(F.ethTransfer(ATTACKER, F.ETH, 0)), 'treasury.unknown-recipient')
  })

  it('7. a token the org config does not list', async () => {
    const p = await F.peer()
    const tx = F.tokenCall(
      '0x6B175474E89094C44Da98b954EedeAC495271d0F',
      F.usdcTransferData(F.PAYROLL, 10n ** 18n),
      0,
    )
    await expectRefused(p, F.request(tx), 'treasury.unlisted-asset')
  })

  it('8. a nested delegatecall inside a CallOnly batch entry', async () => {
    const p = await F.peer()
    const tx = F.batch([{ to: ATTACKER, value: 0n, data: '0xdeadbeef', operation: 1 }], 0)
    const result = await p.signer.approve(F.request(tx), { key: p.key })
    expect(result.status).toBe('refused')
  })
})

describe('red team: where it runs', () => {
  it('9. the right Safe on the wrong chain', async () => {
    const p = await F.peer()
    await expectRefused(
      p,
      F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), { ctx: F.context(F.TREASURY, 10) }),
      'wrong-chain',
    )
  })

  it('10. a Safe the org config does not list', async () => {
    const p = await F.peer()
    const ctx = F.context('0x1c694Fc3006D81ff4a56F97E1b99529066a23725')
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), { ctx }), 'unknown-safe')
  })

  it('11. a Safe version that differs from the org config', async () => {
    const p = await F.peer()
    const ctx = F.context(F.TREASURY, 1, '1.3.0')
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), { ctx }), 'safe-version-mismatch')
  })

  it('12. a Safe before 1.3.0 (no chain id in its domain), unless the policy allows it', async () => {
    const org = F.orgJson()
    org.safes = (org.safes as Record<string, unknown>[]).map((s) => ({ ...s, version: '1.2.0' }))
    const p = await F.peer({ installed: await F.bundle({ org }) })
    const req = F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), { ctx: F.context(F.TREASURY, 1, '1.2.0') })
    await expectRefused(p, req, 'legacy-safe-version')
    // The same request passes once the security leads explicitly allow legacy Safes.
    const allowing = await F.peer({
      installed: await F.bundle({ org: { ...org, signerRules: { allowLegacySafeVersions: true } } }),
    })
    await expectReleased(allowing, req, 'safe-signature')
  })
})

describe('red team: nonces and replays', () => {
  it('13. the same request signed twice (replay)', async () => {
    const p = await F.peer()
    const req = F.request(F.ethTransfer(F.PAYROLL, F.ETH, 3))
    await expectReleased(p, req, 'safe-signature')
    await expectRefused(p, req, 'already-signed')
  })

  it('14. a different payload resubmitted for a signed nonce, without acknowledgement', async () => {
    const p = await F.peer()
    await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 4)), 'safe-signature')
    const result = await expectRefused(
      p,
      F.request(F.ethTransfer(F.MARKET_MAKER, 9n * F.ETH, 4)),
      'replacement-not-acknowledged',
    )
    expect(result?.review?.prior.length).toBe(1)
  })

  it('15. a replacement when the policy does not allow replacements, even acknowledged', async () => {
    const p = await F.peer({ installed: await F.bundle({ org: F.orgJson({ signerRules: {} }) }) })
    await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 4)), 'safe-signature')
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, 2n * F.ETH, 4)), 'replacement-not-allowed', {
      ack: true,
    })
  })
})

describe('red team: signatures and attestations', () => {
  const upgrade = (nonce: number) =>
    F.tokenCall(F.LENDING_POOL, F.upgradeData('0x0000000000000000000000000000000000003333'), nonce)

  // Round 1 done by the signer under test, then the delay passes.
  async function afterRound1(p: F.Peer, nonce = 0) {
    const req = F.request(upgrade(nonce))
    await expectReleased(p, req, 'approval-attestation')
    p.clock.advance(49 * 3600)
    return req
  }

  it('16. an attestation signed by another key than the owner it names', async () => {
    const p = await F.peer()
    const req = await afterRound1(p)
    const good = await attestationsFrom(req, 'critical', [1, 2])
    const forged = await F.attestation(req, F.outsider, 'critical', { signer: F.owners[3]!.address })
    await expectRefused(p, { ...req, attestations: [...good, forged] }, 'forged-attestation')
  })

  it('17. an attestation for another safeTxHash', async () => {
    const p = await F.peer()
    const req = await afterRound1(p)
    const good = await attestationsFrom(req, 'critical', [1, 2])
    const other = await F.attestation(req, F.owners[3]!, 'critical', { safeTxHash: toHex(1, { size: 32 }) })
    await expectRefused(p, { ...req, attestations: [...good, other] }, 'forged-attestation')
  })

  it('18. an attestation from a non-owner', async () => {
    const p = await F.peer()
    const req = await afterRound1(p)
    const good = await attestationsFrom(req, 'critical', [1, 2])
    const stranger = await F.attestation(req, F.outsider, 'critical')
    await expectRefused(p, { ...req, attestations: [...good, stranger] }, 'attestation-not-owner')
  })

  it('19. the same owner attesting twice to be counted twice', async () => {
    const p = await F.peer()
    const req = await afterRound1(p)
    const [a, b] = await attestationsFrom(req, 'critical', [1, 2])
    const result = await expectRefused(p, { ...req, attestations: [a!, b!, a!] }, 'duplicate-attestation')
    expect(result?.review?.approvals.owners.length).toBe(3)
  })

  it('20. attestations for another tier do not count', async () => {
    const p = await F.peer()
    const req = await afterRound1(p)
    const wrongTier = await attestationsFrom(req, 'existential', [1, 2, 3])
    await expectRefused(p, { ...req, attestations: wrongTier }, 'insufficient-approvals')
  })

  it('21. a forged prior Safe signature in the request', async () => {
    const p = await F.peer()
    const req = F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0))
    const bySomeoneElse = await F.outsider.sign({ hash: F.hashOf(req) })
    await expectRefused(
      p,
      { ...req, signatures: [{ signer: F.owners[1]!.address, signature: bySomeoneElse }] },
      'forged-signature',
    )
  })

  it('22. a tier label lie: "routine" for an existential owner change', async () => {
    const p = await F.peer()
    const tx = F.tokenCall(F.TREASURY, F.addOwnerData(ATTACKER), 0)
    const result = await expectRefused(p, F.request(tx, { claimedTier: 'routine' }), 'tier-understated')
    expect(result?.review?.untrusted.tierMismatch).toBe(true)
    expect(result?.review?.tier).toBe('existential')
  })

  it('23. a tier label lie: "routine" for a Critical upgrade', async () => {
    const p = await F.peer()
    await expectRefused(p, F.request(upgrade(0), { claimedTier: 'routine' }), 'tier-understated')
  })
})

describe('red team: what the screen shows', () => {
  it('23b. a title carrying terminal escapes cannot rewrite the review the signer reads', async () => {
    const p = await F.peer()
    const identity = { address: p.owner.address, keyKind: 'software' } as const
    const tx = F.tokenCall(F.TREASURY, F.addOwnerData(ATTACKER), 0)
    // Erase the line and print a harmless-looking verdict; a C1 CSI and a right-to-left override too.
    const title = 'Payroll\r\u001b[2KVerdict        SIGN\u009b8m\u202e'
    const shown = reviewText(await p.signer.review(F.request(tx, { title }), { identity })).split('\n')
    const plain = reviewText(await p.signer.review(F.request(tx, { title: 'Payroll' }), { identity })).split(
      '\n',
    )
    for (const raw of ['\r', '\u001b', '\u009b', '\u202e']) expect(shown.join('\n')).not.toContain(raw)
    // Every line but the title's is what a benign request shows; the title's escapes are visible.
    const titleLine = shown.findIndex((line) => line.startsWith('  title'))
    expect(shown.filter((_, i) => i !== titleLine)).toEqual(plain.filter((_, i) => i !== titleLine))
    expect(shown[titleLine]).toBe(
      '  title        "Payroll\\r\\u001b[2KVerdict        SIGN\\u{9b}8m\\u{202e}"',
    )
  })
})

describe('red team: what the device shows', () => {
  it('23c. the review ends with the Ledger screens for this exact transaction (value in wei, operation as a number)', async () => {
    const p = await F.peer()
    const identity = { address: p.owner.address, keyKind: 'ledger' } as const
    const req = F.request(F.ethTransfer(F.PAYROLL, 3n * F.ETH, 0))
    const review = await p.signer.review(req, { identity })
    const full = reviewText(review).split('What your device will show')[1]!
    expect(full).toContain('full EIP-712')
    expect(full).toContain(`value: ${3n * F.ETH}`)
    expect(full).toContain('operation: 0')
    expect(full).toContain(`to: ${F.PAYROLL}`)
    const hashed = reviewText(review, { ledgerMode: 'hashed' }).split('What your device will show')[1]!
    expect(hashed).not.toContain('operation: 0')
    expect(hashed).toMatch(/Message hash: /)
    // A software key has no screen: the review says so instead of inventing one.
    const soft = await p.signer.review(req, { identity: { address: p.owner.address, keyKind: 'software' } })
    expect(reviewText(soft)).toMatch(/software key has no screen/)
  })
})

describe('red team: two rounds', () => {
  const upgrade = (nonce: number) =>
    F.tokenCall(F.LENDING_POOL, F.upgradeData('0x0000000000000000000000000000000000004444'), nonce)

  it('24. Critical round 2 with too few attestations', async () => {
    const p = await F.peer()
    const req = F.request(upgrade(0))
    await expectReleased(p, req, 'approval-attestation')
    p.clock.advance(49 * 3600)
    await expectRefused(
      p,
      { ...req, attestations: await attestationsFrom(req, 'critical', [1, 2]) },
      'insufficient-approvals',
    )
  })

  it('25. Critical round 2 before its 48h delay, with every attestation', async () => {
    const p = await F.peer()
    const req = F.request(upgrade(0))
    await expectReleased(p, req, 'approval-attestation')
    p.clock.advance(47 * 3600)
    const result = await expectRefused(
      p,
      { ...req, attestations: await attestationsFrom(req, 'critical', [1, 2, 3]) },
      'delay-not-elapsed',
    )
    expect(result?.refusals.map((r) => r.code)).toContain('treasury.timelock')
    // The delay runs from this signer's own first sighting: after it passes, the same request signs.
    p.clock.advance(2 * 3600)
    await expectReleased(
      p,
      { ...req, attestations: await attestationsFrom(req, 'critical', [1, 2, 3]) },
      'safe-signature',
    )
  })

  // Under the default bundle: owner changes are not forbidden, the tier table gates them.
  it('26. Existential without all owners', async () => {
    const p = await F.peer()
    const req = F.request(F.tokenCall(F.TREASURY, F.addOwnerData(F.PAYROLL), 0))
    const round1 = await expectReleased(p, req, 'approval-attestation')
    expect(round1.review.tier).toBe('existential')
    p.clock.advance(73 * 3600)
    await expectRefused(
      p,
      { ...req, attestations: await attestationsFrom(req, 'existential', [1, 2, 3]) },
      'insufficient-approvals',
    )
    await expectReleased(
      p,
      { ...req, attestations: await attestationsFrom(req, 'existential', [1, 2, 3, 4]) },
      'safe-signature',
    )
  })

  it('27. Existential before its 72h delay', async () => {
    const p = await F.peer()
    const req = F.request(F.tokenCall(F.TREASURY, F.addOwnerData(F.PAYROLL), 0))
    await expectReleased(p, req, 'approval-attestation')
    p.clock.advance(71 * 3600)
    await expectRefused(
      p,
      { ...req, attestations: await attestationsFrom(req, 'existential', [1, 2, 3, 4]) },
      'delay-not-elapsed',
    )
  })
})

// Default deny (issue 10): the signer signs only calls whose every effect it decoded strictly and
// accounted for. Each class below once obtained a Safe signature while the signer thought it Routine.
describe('red team: default deny', () => {
  const tokens = F.bundle({ org: F.orgWithTokens() })
  const tokenPeer = async () => F.peer({ installed: await tokens })
  const call = (to: Address, data: `0x${string}`, nonce = 0) => F.request(F.tokenCall(to, data, nonce))
  const tokenAbi = parseAbi([
    'function push(address usr, uint256 wad)',
    'function move(address src, address dst, uint256 wad)',
    'function rely(address usr)',
    'function transferAndCall(address to, uint256 value, bytes data)',
    'function configureMinter(address minter, uint256 allowance)',
    'function setApprovalForAll(address operator, bool approved)',
    'function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96) params)',
    'function setOracle(address oracle)',
    'function unpause()',
  ])
  const data = (functionName: string, args: readonly unknown[] = []) =>
    encodeFunctionData({ abi: tokenAbi, functionName, args } as never)
  const swap = (recipient: Address) =>
    data('exactInputSingle', [
      {
        tokenIn: F.USDC,
        tokenOut: F.DAI,
        fee: 500,
        recipient,
        amountIn: 1000n * F.USDC_UNIT,
        amountOutMinimum: 990n * F.ETH,
        sqrtPriceLimitX96: 0n,
      },
    ])

  it('42. a Uniswap router call the bundle does not allow (unknown function) is refused, not SIGN', async () => {
    const p = await F.peer()
    await expectRefused(p, call(F.UNISWAP_ROUTER, swap(F.TREASURY)), 'airlock.core.unknown-effect')
  })

  it('42b. the allowed router swap with the recipient set to an attacker breaks its constraint', async () => {
    const p = await F.peer({ installed: await F.bundle({ org: F.orgWithSwap() }) })
    await expectRefused(
      p,
      call(F.UNISWAP_ROUTER, F.swapData(ATTACKER)),
      'airlock.core.allowed-call-violation',
    )
  })

  it('42c. an allowed call to another selector on the same router is still unknown', async () => {
    const p = await F.peer({ installed: await F.bundle({ org: F.orgWithSwap() }) })
    await expectRefused(p, call(F.UNISWAP_ROUTER, '0x5ae401dc'), 'airlock.core.unknown-effect')
  })

  it('43. an unknown selector sent to an allow-listed recipient is refused', async () => {
    const p = await F.peer()
    await expectRefused(p, call(F.PAYROLL, '0xdeadbeef0000'), 'airlock.core.unknown-effect')
  })

  it('44. DAI push to an attacker is an outflow: unknown recipient', async () => {
    const p = await tokenPeer()
    await expectRefused(p, call(F.DAI, data('push', [ATTACKER, 1000n * F.ETH])), 'treasury.unknown-recipient')
  })

  it('45. DAI move from the treasury to an attacker is an outflow: unknown recipient', async () => {
    const p = await tokenPeer()
    const req = call(F.DAI, data('move', [F.TREASURY, ATTACKER, 1000n * F.ETH]))
    await expectRefused(p, req, 'treasury.unknown-recipient')
  })

  it('46. LINK transferAndCall (ERC-677) to an attacker is an outflow: unknown recipient', async () => {
    const p = await tokenPeer()
    const req = call(F.LINK, data('transferAndCall', [ATTACKER, 500n * F.ETH, '0x']))
    await expectRefused(p, req, 'treasury.unknown-recipient')
  })

  it('47. a DAI push of 20% of the treasury to payroll counts against the breaker window', async () => {
    const p = await tokenPeer()
    const req = call(F.DAI, data('push', [F.PAYROLL, 200_000n * F.ETH]))
    await expectRefused(p, req, 'treasury.tvl-window')
  })

  it('48. DAI rely(attacker): a function outside the standard on a listed asset', async () => {
    const p = await tokenPeer()
    await expectRefused(p, call(F.DAI, data('rely', [ATTACKER])), 'airlock.core.unknown-function-on-asset')
  })

  it('49. USDC configureMinter(attacker): a function outside the standard on a listed asset', async () => {
    const p = await F.peer()
    const req = call(F.USDC, data('configureMinter', [ATTACKER, 10n ** 30n]))
    await expectRefused(p, req, 'airlock.core.unknown-function-on-asset')
  })

  it('50. allowance increases count against velocity like outflows (they are future outflows)', async () => {
    const p = await F.peer()
    let nonce = 0
    // 400k USDC each: Routine, under the large threshold; the epoch cap is 5M.
    for (; nonce < 12; nonce++) {
      await expectReleased(
        p,
        F.request(F.usdcApprove(F.MARKET_MAKER, 400_000n * F.USDC_UNIT, nonce)),
        'safe-signature',
      )
      p.clock.advance(60)
    }
    await expectRefused(
      p,
      F.request(F.usdcApprove(F.MARKET_MAKER, 400_000n * F.USDC_UNIT, nonce)),
      'treasury.velocity',
    )
  })

  it('51. the guardian (1-of-N on chain) may not setOracle on a listed pausable contract', async () => {
    const p = await F.peer()
    const req = F.request(F.tokenCall(F.LENDING_POOL, data('setOracle', [ATTACKER]), 0), {
      ctx: F.context(F.GUARDIAN),
    })
    const result = await expectRefused(p, req, 'airlock.core.tier-ceiling')
    expect(result.refusals.map((r) => r.code)).toContain('airlock.core.unknown-effect')
  })

  it('52. the guardian may not unpause: unpausing is not Emergency', async () => {
    const p = await F.peer()
    const req = F.request(F.tokenCall(F.LENDING_POOL, data('unpause'), 0), { ctx: F.context(F.GUARDIAN) })
    await expectRefused(p, req, 'airlock.core.tier-ceiling')
  })

  it('53. the guardian may not send ETH (a Routine payment runs with one signature there)', async () => {
    const p = await F.peer()
    const req = F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), { ctx: F.context(F.GUARDIAN) })
    await expectRefused(p, req, 'airlock.core.tier-ceiling')
  })

  it('54. a guardian pause batched with an unknown call is refused', async () => {
    const p = await F.peer()
    const tx = F.batch(
      [
        { to: F.LENDING_POOL, value: 0n, data: F.pauseData },
        { to: F.BRIDGE, value: 0n, data: '0xdeadbeef' },
      ],
      0,
    )
    await expectRefused(p, F.request(tx, { ctx: F.context(F.GUARDIAN) }), 'airlock.core.unknown-effect')
  })

  const OTHER_SAFE = '0x0000000000000000000000000000000000005aFE' as Address
  it('55. nested execTransaction on a Safe the org config does not list (v=1 signature by the treasury)', async () => {
    const p = await F.peer()
    const inner = { to: ATTACKER, value: 50n * F.ETH, data: '0x' as const }
    const req = call(OTHER_SAFE, F.nestedExecData(F.TREASURY, inner))
    await expectRefused(p, req, 'airlock.core.nested-safe-unknown')
  })

  it('56. nested execTransaction on an org Safe: its inner 50 ETH drain is the org outflow it is', async () => {
    const p = await F.peer()
    const inner = { to: ATTACKER, value: 50n * F.ETH, data: '0x' as const }
    const result = await expectRefused(
      p,
      call(F.GUARDIAN, F.nestedExecData(F.TREASURY, inner)),
      'treasury.unknown-recipient',
    )
    expect(result.review?.outflows).toEqual(
      expect.arrayContaining([expect.objectContaining({ asset: 'native', amount: 50n * F.ETH })]),
    )
  })

  it('57. value sent along with a nested execTransaction leaves the treasury too', async () => {
    const p = await F.peer()
    const inner = { to: F.PAYROLL, value: 0n, data: '0x' as const }
    const tx = F.SafeTxFrom({
      to: OTHER_SAFE,
      value: 10n * F.ETH,
      data: F.nestedExecData(F.TREASURY, inner),
      nonce: 0,
    })
    const result = await expectRefused(p, F.request(tx), 'treasury.unknown-recipient')
    expect(result.refusals.map((r) => r.code)).toContain('airlock.core.nested-safe-unknown')
  })

  it('58. execTransactionFromModule on another Safe (the treasury as its module)', async () => {
    const p = await F.peer()
    const req = call(OTHER_SAFE, F.moduleExecData({ to: ATTACKER, value: 50n * F.ETH, data: '0x' }))
    await expectRefused(p, req, 'airlock.core.nested-safe-unknown')
  })

  it('59. approveHash on another Safe (pre-approving a transaction there)', async () => {
    const p = await F.peer()
    await expectRefused(
      p,
      call(OTHER_SAFE, F.approveHashData(`0x${'ab'.repeat(32)}`)),
      'airlock.core.nested-safe-unknown',
    )
  })

  it('60. a nested execution hidden inside a MultiSendCallOnly batch', async () => {
    const p = await F.peer()
    const inner = { to: ATTACKER, value: 50n * F.ETH, data: '0x' as const }
    const tx = F.batch(
      [
        { to: F.PAYROLL, value: F.ETH, data: '0x' },
        { to: OTHER_SAFE, value: 0n, data: F.nestedExecData(F.TREASURY, inner) },
      ],
      0,
    )
    await expectRefused(p, F.request(tx), 'airlock.core.nested-safe-unknown')
  })
})

describe('red team: non-canonical encodings', () => {
  const NFT = '0x0000000000000000000000000000000000006001' as Address
  const word = (hex: string) => hex.padStart(64, '0')
  const addressWord = (a: Address) => word(a.slice(2).toLowerCase())
  const transfer = 'a9059cbb'

  it.each([
    [
      '61. setApprovalForAll(attacker, 2): old ABI decoders read 2 as true',
      NFT,
      `0xa22cb465${addressWord(ATTACKER)}${word('2')}`,
    ],
    [
      '62. a USDC transfer whose amount is one byte short (old tokens zero-pad it)',
      F.USDC,
      `0x${transfer}${addressWord(F.PAYROLL)}${word('3b9aca00').slice(0, 62)}`,
    ],
    [
      '63. a USDC transfer with trailing bytes after its arguments',
      F.USDC,
      `0x${transfer}${addressWord(F.PAYROLL)}${word('3b9aca00')}deadbeef`,
    ],
    [
      '64. a USDC transfer whose address word has dirty high bytes',
      F.USDC,
      `0x${transfer}${`ff`.repeat(12)}${F.PAYROLL.slice(2).toLowerCase()}${word('3b9aca00')}`,
    ],
  ] as const)('%s', async (_name, to, data) => {
    const p = await F.peer()
    await expectRefused(
      p,
      F.request(F.tokenCall(to, data as `0x${string}`, 0)),
      'airlock.core.non-canonical-encoding',
    )
  })
})

// Nested Safe execution on anvil with the official Safe 1.4.1 contracts: the treasury owns another
// Safe and, with the v=1 "approved by msg.sender" signature, runs that Safe's transaction. Signed
// naively (the owner signs the safeTxHash it is shown), the 50 ETH drain executes; this signer refuses.
describe('red team: nested Safe execution on anvil (Safe 1.4.1)', () => {
  let anvil: Anvil
  let treasury: Address
  let victim: Address
  const CHAIN = 31337
  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN })
    const deployer = anvilAccounts(6)[5]!
    const deployment = await deploySafeContracts({ anvil, deployer, version: '1.4.1' })
    const owners = F.owners.map((o) => o.address)
    treasury = await createSafe({ anvil, deployment, deployer, owners, threshold: 1 })
    victim = await createSafe({
      anvil,
      deployment,
      deployer,
      owners: [treasury],
      threshold: 1,
      saltNonce: 1n,
      balance: 50n * F.ETH,
    })
  }, 60_000)
  afterAll(async () => {
    await anvil?.stop()
  })

  const treasuryOrg = (extraSafes: Address[] = []) =>
    F.orgJson({
      safes: [treasury, ...extraSafes].map((address, i) => ({
        name: i === 0 ? 'treasury' : `org Safe ${i}`,
        address: address.toLowerCase(),
        chainId: CHAIN,
        version: '1.4.1',
        owners: i === 0 ? F.owners.map((o) => o.address.toLowerCase()) : [treasury.toLowerCase()],
        threshold: 1,
      })),
      guardian: null,
      assets: [
        { id: 'ETH', chainId: CHAIN, address: 'native', decimals: 18, treasury: (1000n * F.ETH).toString() },
      ],
    })
  const drain = () => {
    const inner = { to: ATTACKER, value: 50n * F.ETH, data: '0x' as const }
    return F.SafeTxFrom({ to: victim, data: F.nestedExecData(treasury, inner), nonce: 0 })
  }

  it('66. the drain executes on chain when the owner signs naively, and this signer refuses it', async () => {
    const tx = drain()
    const req = F.request(tx, { ctx: F.context(treasury, CHAIN, '1.4.1'), claimedTier: 'routine' })
    const p = await F.peer({ installed: await F.bundle({ org: treasuryOrg() }) })
    await expectRefused(p, req, 'airlock.core.nested-safe-unknown')

    const snapshot = await anvil.testClient.snapshot()
    const naive = await F.owners[0]!.sign({ hash: F.hashOf(req) })
    const before = await anvil.publicClient.getBalance({ address: ATTACKER })
    const { success } = await execTransaction({
      anvil,
      version: '1.4.1',
      safe: treasury,
      tx,
      signatures: naive,
      sender: F.owners[0]!,
    })
    expect(success).toBe(true)
    expect((await anvil.publicClient.getBalance({ address: ATTACKER })) - before).toBe(50n * F.ETH)
    await anvil.testClient.revert({ id: snapshot })
  })

  it('67. with the other Safe in the org config, its inner transfer is an org outflow to an unknown recipient', async () => {
    const req = F.request(drain(), { ctx: F.context(treasury, CHAIN, '1.4.1') })
    const p = await F.peer({ installed: await F.bundle({ org: treasuryOrg([victim]) }) })
    const result = await expectRefused(p, req, 'treasury.unknown-recipient')
    expect(result.review?.outflows).toEqual([
      expect.objectContaining({ asset: 'native', amount: 50n * F.ETH, to: ATTACKER.toLowerCase() }),
    ])
  })
})

// The decoder's malicious fixtures (@airlock/safe/fixtures/malicious), run through the whole signer
// under a policy bundle whose org config yields the fixtures' decoder org: each must be refused with
// the refusal that names its class, as the last entry of the log, in milliseconds for the oversized.
describe("red team: the decoder's malicious fixtures through the signer", () => {
  const lower = (a: string) => a.toLowerCase()
  const decoderOrg = maliciousOrg as unknown as {
    guardian: Address
    pausableContracts: { address: Address; label: string }[]
    allowlistedRecipients: { address: Address; label: string }[]
    knownContracts: { address: Address; label: string; standard?: string; decimals?: number }[]
    safes: { address: Address; label: string; tiers?: string[] }[]
  }
  const safe = (address: Address, name: string, extra: Record<string, unknown> = {}) => ({
    name,
    address: lower(address),
    chainId: 1,
    version: '1.4.1',
    owners: F.owners.map((o) => lower(o.address)),
    threshold: 3,
    ...extra,
  })
  const org = F.orgJson({
    name: 'Malicious fixtures org',
    safes: [
      ...decoderOrg.safes.map((s) => safe(s.address, s.label, s.tiers ? { tiers: s.tiers } : {})),
      safe(decoderOrg.guardian, 'guardian', { threshold: 1 }),
    ],
    guardian: { address: lower(decoderOrg.guardian), chainId: 1 },
    pausable: decoderOrg.pausableContracts.map((c) => ({
      name: c.label,
      address: lower(c.address),
      chainId: 1,
    })),
    recipients: decoderOrg.allowlistedRecipients.map((c) => ({
      name: c.label,
      address: lower(c.address),
      chainId: 1,
    })),
    assets: [
      { id: 'ETH', chainId: 1, address: 'native', decimals: 18, treasury: (10_000n * F.ETH).toString() },
      ...decoderOrg.knownContracts
        .filter((c) => c.standard === 'erc20')
        .map((c) => ({ id: c.label, chainId: 1, address: lower(c.address), decimals: c.decimals ?? 18 })),
    ],
  })
  const installed = F.bundle({ org })
  // The fixture's expected decoder code → the refusal that must be among the signer's.
  const refusalFor: Record<string, string> = {
    'nested-safe-unknown': 'airlock.core.nested-safe-unknown',
    'value-to-unknown-target': 'treasury.unknown-recipient',
    'transfer-to-unknown-recipient': 'treasury.unknown-recipient',
    'gas-refund': 'treasury.no-gas-refund',
    'delegatecall-untrusted': 'treasury.forbidden-finding',
    'non-canonical-encoding': 'airlock.core.non-canonical-encoding',
    'unknown-function-on-asset': 'airlock.core.unknown-function-on-asset',
    'malformed-arguments': 'airlock.core.unknown-effect',
    'tier-above-safe-ceiling': 'airlock.core.tier-ceiling',
    'request-too-complex': 'request-too-complex',
  }

  it.each(maliciousFixtures.map((f) => [f.name, f] as const))('65. %s', async (_name, fixture) => {
    const p = await F.peer({ installed: await installed })
    const code = refusalFor[fixture.code]
    expect(code, `no refusal mapped for ${fixture.code}`).toBeDefined()
    const result = await expectRefused(
      p,
      F.request(F.SafeTxFrom(fixture.tx), {
        ctx: F.context(fixture.context.safe, Number(fixture.context.chainId), fixture.context.version),
      }),
      code!,
    )
    // Requests too large to hash are refused unread (no review); every other one was decoded.
    if (result.review) expect(result.review.findings.map((f) => f.code)).toContain(fixture.code)
    else expect(code).toBe('request-too-complex')
  })
})

describe('red team: timelock execution', () => {
  const upgrade = { to: F.LENDING_POOL, value: 0n, data: F.upgradeData(ATTACKER) }
  const execute = (salt?: `0x${string}`) =>
    F.request(F.tokenCall(F.TIMELOCK, F.timelockData('execute', upgrade, salt), 1), {
      claimedTier: 'routine',
    })

  it('27b. executing an upgrade this signer never scheduled keeps its Critical tier', async () => {
    const p = await F.peer()
    const result = await expectRefused(p, execute(), 'tier-understated')
    expect(result.review?.tier).toBe('critical')
    expect(result.review?.timelock.approved).toEqual([])
  })

  it('27c. an execute with another salt than the signed schedule is another operation: still Critical', async () => {
    const p = await F.peer()
    const others = await Promise.all([1, 2, 3].map((ownerIndex) => F.peer({ ownerIndex, clock: p.clock })))
    const schedule = F.request(F.tokenCall(F.TIMELOCK, F.timelockData('schedule', upgrade), 0))
    expect((await F.twoRounds(p, others, schedule, 'critical')).status).toBe('released')
    const result = await expectRefused(p, execute(`0x${'11'.repeat(32)}`), 'tier-understated')
    expect(result.review?.tier).toBe('critical')
  })

  it('27d. a schedule only attested (round 1), never signed, does not vouch for its execute', async () => {
    const p = await F.peer()
    const schedule = F.request(F.tokenCall(F.TIMELOCK, F.timelockData('schedule', upgrade), 0))
    await expectReleased(p, schedule, 'approval-attestation')
    const result = await expectRefused(p, execute(), 'tier-understated')
    expect(result.review?.tier).toBe('critical')
  })
})

describe('red team: velocity and the circuit breaker', () => {
  it('28. velocity exceeded in small steps', async () => {
    const p = await F.peer()
    let nonce = 0
    // 19 ETH at a time (0.19% of the treasury, routine) until the day's 1000 ETH cap is crossed.
    for (; nonce < 52; nonce++) {
      await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, 19n * F.ETH, nonce)), 'safe-signature')
      p.clock.advance(60)
    }
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, 19n * F.ETH, nonce)), 'treasury.velocity')
  })

  it('29. breaker: a single action above 5% of the treasury trips it; only Emergency passes after', async () => {
    const p = await F.peer()
    await expectRefused(
      p,
      F.request(F.ethTransfer(F.PAYROLL, 600n * F.ETH, 0)),
      'airlock.core.breaker-tripped',
    )
    expect(p.signer.log.entries.some((e) => e.event === 'breaker-tripped')).toBe(true)
    p.clock.advance(60)
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 1)), 'airlock.core.breaker-tripped')
    await expectReleased(
      p,
      F.request(F.tokenCall(F.LENDING_POOL, F.pauseData, 0), { ctx: F.context(F.GUARDIAN) }),
      'safe-signature',
    )
  })

  it('30. breaker: outflow above 10% within 24h across two velocity epochs', async () => {
    const p = await F.peer()
    let nonce = 0
    const send = () => F.request(F.ethTransfer(F.MARKET_MAKER, 90n * F.ETH, nonce++))
    p.clock.advance(3600)
    for (let i = 0; i < 5; i++) await expectReleased(p, send(), 'safe-signature')
    p.clock.advance(21 * 3600)
    for (let i = 0; i < 5; i++) await expectReleased(p, send(), 'safe-signature')
    p.clock.advance(2.5 * 3600) // a new epoch: the per-day cap resets, the 24h window does not
    await expectReleased(p, send(), 'safe-signature')
    const result = await expectRefused(p, send(), 'airlock.core.breaker-tripped')
    expect(result?.refusals.map((r) => r.code)).toContain('treasury.tvl-window')
    expect(result?.refusals.map((r) => r.code)).not.toContain('treasury.velocity')
  })

  it('31. breaker: three large actions in a row', async () => {
    const p = await F.peer()
    for (let nonce = 0; nonce < 2; nonce++) {
      const req = F.request(F.ethTransfer(F.PAYROLL, 150n * F.ETH, nonce))
      await expectReleased(p, req, 'approval-attestation')
      p.clock.advance(49 * 3600)
      await expectReleased(
        p,
        { ...req, attestations: await attestationsFrom(req, 'critical', [1, 2, 3]) },
        'safe-signature',
      )
    }
    const result = await expectRefused(
      p,
      F.request(F.ethTransfer(F.PAYROLL, 150n * F.ETH, 2)),
      'airlock.core.breaker-tripped',
    )
    expect(result?.review?.policy?.derived.breaker.reasons.map((r) => r.code)).toContain('consecutive-large')
  })
})

describe('red team: the breaker and premature retries', () => {
  const large = (nonce: number) => F.request(F.ethTransfer(F.PAYROLL, 150n * F.ETH, nonce))
  const unsignedAttempts = (p: F.Peer) =>
    DecisionLog.state(p.signer.log.entries).history.filter((h) => !h.signed).length

  it('31b. retrying a large Critical transfer before its delay or attestations never trips the breaker', async () => {
    const p = await F.peer()
    const req = large(0)
    await expectReleased(p, req, 'approval-attestation')
    // An impatient operator: five early retries, then more with too few attestations.
    for (let i = 0; i < 5; i++) {
      p.clock.advance(3600)
      const result = await expectRefused(p, req, 'delay-not-elapsed')
      expect(result.refusals.map((r) => r.code)).not.toContain('airlock.core.breaker-tripped')
      expect(result.review?.notYet).toBe(true)
      expect(result.entry.data).toMatchObject({ notYet: true })
    }
    p.clock.advance(48 * 3600)
    for (let i = 0; i < 3; i++) {
      const few = { ...req, attestations: await attestationsFrom(req, 'critical', [1]) }
      await expectRefused(p, few, 'insufficient-approvals')
    }
    expect(unsignedAttempts(p)).toBe(0)
    expect(p.signer.log.entries.some((e) => e.event === 'breaker-tripped')).toBe(false)
    await expectReleased(
      p,
      { ...req, attestations: await attestationsFrom(req, 'critical', [1, 2, 3]) },
      'safe-signature',
    )
  })

  it('31c. round-1 attestations move nothing: three large attestations in a row do not trip it', async () => {
    const p = await F.peer()
    for (let nonce = 0; nonce < 3; nonce++) await expectReleased(p, large(nonce), 'approval-attestation')
    expect(DecisionLog.state(p.signer.log.entries).history).toEqual([])
    await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 3)), 'safe-signature')
  })

  it('31d. a refused 50% drain still counts and trips the breaker', async () => {
    const p = await F.peer()
    const drain = await expectRefused(
      p,
      F.request(F.ethTransfer(F.PAYROLL, 5000n * F.ETH, 0)),
      'airlock.core.breaker-tripped',
    )
    expect(drain.review?.notYet).toBe(false)
    expect(unsignedAttempts(p)).toBe(1)
    p.clock.advance(3600)
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 1)), 'airlock.core.breaker-tripped')
  })

  it('31e. an early retry that waiting would not fix (the breaker is tripped) is a real refusal', async () => {
    const p = await F.peer()
    const req = large(0)
    await expectReleased(p, req, 'approval-attestation')
    await expectRefused(
      p,
      F.request(F.ethTransfer(F.PAYROLL, 5000n * F.ETH, 1)),
      'airlock.core.breaker-tripped',
    )
    p.clock.advance(3600)
    const result = await expectRefused(p, req, 'delay-not-elapsed')
    expect(result.refusals.map((r) => r.code)).toContain('airlock.core.breaker-tripped')
    expect(result.review?.notYet).toBe(false)
    expect(unsignedAttempts(p)).toBe(2)
  })
})

describe('red team: the signer itself', () => {
  it('32. clock rollback', async () => {
    const p = await F.peer()
    await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), 'safe-signature')
    p.clock.advance(-3600)
    const result = await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 1)), 'clock-rollback')
    expect(result?.entry.event).toBe('clock-anomaly')
  })

  it('33. software key when the bundle does not allow it', async () => {
    const p = await F.peer({ installed: await F.bundle({ org: F.orgJson({ allowSoftwareKeys: false }) }) })
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), 'software-key-not-allowed')
  })

  it('34. a key that is not an owner', async () => {
    const p = await F.peer()
    const key = { kind: 'software' as const, privateKey: F.privateKeyOf(F.outsider) }
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), 'not-an-owner', { key })
  })

  it('35. no policy bundle installed', async () => {
    const clock = new F.TestClock()
    const signer = await Signer.create({
      cedar: F.cedar,
      log: DecisionLog.memory({ clock: clock.read }),
      clock: clock.read,
    })
    const p = {
      signer,
      clock,
      owner: F.owners[0]!,
      key: { kind: 'software' as const, privateKey: F.privateKeyOf(F.owners[0]!) },
    }
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), 'no-policy')
  })

  it('36. a Ledger that is not plugged in is a logged device error', async () => {
    const p = await F.peer()
    // What openLedgerHid() returns with no Ledger plugged in.
    const device = {
      ok: false as const,
      kind: 'ledger' as const,
      code: 'disconnected' as const,
      severity: 'error' as const,
      userMessage: 'The Ledger is not connected.',
      hint: 'Plug in the Ledger and unlock it.',
    }
    const result = await p.signer.approve(F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), {
      key: { kind: 'ledger', device, path: "m/44'/60'/0'/0/0" },
    })
    expect(result.status).toBe('device-error')
    expect(p.signer.log.entries.at(-1)?.event).toBe('device-error')
  })

  // A Ledger simulated at the APDU level (transport.exchange) that reports the owner's address.
  const ledgerKey = (options: EthAppSimulatorOptions = {}) => ({
    kind: 'ledger' as const,
    device: new LedgerDevice({ transport: new EthAppSimulator({ mnemonic: F.OWNER_MNEMONIC, ...options }) }),
    path: "m/44'/60'/0'/0/0",
  })

  it('36b. an honest Ledger signs the recomputed hash and the signature is released', async () => {
    const p = await F.peer()
    const result = await p.signer.approve(F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), { key: ledgerKey() })
    expect(result.status).toBe('released')
    expect(p.signer.log.entries.at(-1)?.event).toBe('signed')
  })

  it.each([
    ['36c. signs another hash', { tamper: 'other-hash' as const }, 'wrong-hash'],
    [
      '36d. signs with a key other than the one it reports',
      { signingMnemonic: F.ADMIN_MNEMONIC },
      'wrong-hash',
    ],
    ['36e. signs the hash as a personal message', { tamper: 'personal' as const }, 'wrong-hash'],
    ['36f. returns a malleable high-s signature', { tamper: 'high-s' as const }, 'invalid-signature'],
  ])('%s: refused, nothing released, and logged as a device error', async (_name, options, code) => {
    const p = await F.peer()
    const result = await p.signer.approve(F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), {
      key: ledgerKey(options),
    })
    expect(result.status).toBe('device-error')
    if (result.status === 'device-error') expect(result.failure.code).toBe(code)
    const last = p.signer.log.entries.at(-1)
    expect(last?.event).toBe('device-error')
    expect(last?.signature).toBeUndefined()
  })
})

// A signer that signed once with its clock 49h ahead, then had its clock set right; and a reset
// bundle whose true time is `offset` seconds after the corrected clock.
async function ranAhead(offset: number) {
  const p = await F.peer()
  p.clock.advance(49 * 3600)
  await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), 'safe-signature')
  p.clock.advance(-49 * 3600)
  const signerRules = { allowReplacement: true, clockReset: { at: p.clock.now + offset } }
  return { p, reset: await F.bundle({ version: 2, org: F.orgJson({ signerRules }) }) }
}

describe('red team: no exception escapes, and a clock that ran ahead', () => {
  it('32b. a clock that ran 49h ahead blocks every later approval until a bundle-signed clock reset', async () => {
    const p = await F.peer()
    p.clock.advance(49 * 3600)
    await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), 'safe-signature')
    p.clock.advance(-49 * 3600 + 60) // time sync fixed the laptop's clock
    const refused = await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 1)), 'clock-rollback')
    expect(refused.refusals[0]?.message).toMatch(/clock reset signed by the security leads/)
    // A bundle without a reset cannot even be installed while the clock is behind the log.
    await expect(p.signer.installBundle(await F.bundle({ version: 2 }))).rejects.toThrow(/earlier/)
    // The leads sign a newer bundle carrying the true time they read.
    const reset = await F.bundle({
      version: 3,
      org: F.orgJson({ signerRules: { allowReplacement: true, clockReset: { at: p.clock.now - 30 } } }),
    })
    await p.signer.installBundle(reset)
    const logged = p.signer.log.entries.at(-1)!
    expect([logged.event, logged.decision]).toEqual(['clock-anomaly', 'clock-reset'])
    expect(logged.policyBundleHash).toBe(p.signer.installed?.hash)
    await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 1)), 'safe-signature')
    // The log never runs backwards: it keeps its last time until the clock catches up.
    const times = p.signer.log.entries.map((e) => Date.parse(e.time))
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })

  it('32c. a clock reset does not forgive a clock earlier than the true time the leads signed', async () => {
    const { p, reset } = await ranAhead(3600)
    await expect(p.signer.installBundle(reset)).rejects.toThrow(/earlier/)
    expect(p.signer.log.entries.at(-1)?.event).toBe('clock-anomaly')
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 1)), 'clock-rollback')
  })

  it('32d. a clock reset forgives only the run-ahead before it, not a later rollback', async () => {
    const { p, reset } = await ranAhead(0)
    await p.signer.installBundle(reset)
    p.clock.advance(50 * 3600) // the clock passes the log again …
    await expectReleased(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 1)), 'safe-signature')
    p.clock.advance(-3600) // … and then runs backwards: a new rollback
    await expectRefused(p, F.request(F.ethTransfer(F.PAYROLL, F.ETH, 2)), 'clock-rollback')
  })

  it('32e. a broken clock (Invalid Date) is a logged internal-error refusal naming the error', async () => {
    const p = await F.peer()
    const broken = await Signer.create({
      cedar: F.cedar,
      log: p.signer.log,
      clock: () => new Date(Number.NaN),
      bundle: p.signer.installed?.bundle,
    })
    const result = await expectRefused(
      { ...p, signer: broken },
      F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)),
      'internal-error',
    )
    expect(result.refusals[0]?.message).toMatch(/RangeError/)
    const review = await broken.review(F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), {
      identity: { address: p.owner.address, keyKind: 'software' },
    })
    expect(review.allowed).toBe(false)
    expect(review.refusals.map((r) => r.code)).toEqual(['internal-error'])
    expect(broken.log.entries.at(-1)?.reasons?.[0]).toMatch(/^internal-error: .*RangeError/)
  })

  it('32f. a RangeError thrown inside the policy engine is a logged refusal, not a crash', async () => {
    const throwing = {
      ...F.cedar,
      statefulIsAuthorized: (() => {
        throw new RangeError('Maximum call stack size exceeded')
      }) as typeof F.cedar.statefulIsAuthorized,
    }
    const clock = new F.TestClock()
    const signer = await Signer.create({
      cedar: throwing,
      log: DecisionLog.memory({ clock: clock.read }),
      clock: clock.read,
    })
    await signer.installBundle(await F.sharedBundle())
    const p = {
      signer,
      clock,
      owner: F.owners[0]!,
      key: { kind: 'software' as const, privateKey: F.privateKeyOf(F.owners[0]!) },
    }
    const result = await expectRefused(
      p,
      F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)),
      'airlock.evaluation-error',
    )
    expect(result.review?.policy?.errors[0]?.message).toMatch(/RangeError/)
  })

  it('32h. a request too large to hash in time (1 MB of calldata) is refused before any work, and logged', async () => {
    const p = await F.peer()
    const huge = F.tokenCall(F.USDC, `0xa9059cbb${'00'.repeat(1024 * 1024)}`, 0)
    const result = await expectRefused(p, F.request(huge), 'request-too-complex')
    expect(result.entry.safeTxHash).toBeUndefined()
    const review = await p.signer.review(F.request(huge), {
      identity: { address: p.owner.address, keyKind: 'ledger' },
    })
    expect([review.read, review.allowed]).toEqual([false, false])
    expect(p.signer.log.entries.at(-1)?.reasons?.[0]).toMatch(/^request-too-complex: /)
  })

  it('32g. a request no wire codec would carry (a missing tx) is refused and logged', async () => {
    const p = await F.peer()
    const junk = { ...F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), tx: undefined } as unknown as Req
    const result = await expectRefused(p, junk, 'internal-error')
    expect(result.refusals[0]?.message).toMatch(/TypeError|InvalidFieldError|Safe\./)
  })
})

describe('red team: policy bundles', () => {
  async function expectBundleRefused(bundle: unknown, issue: string, installedFirst?: unknown) {
    const clock = new F.TestClock()
    const signer = await Signer.create({
      cedar: F.cedar,
      log: DecisionLog.memory({ clock: clock.read }),
      clock: clock.read,
    })
    if (installedFirst) await signer.installBundle(installedFirst)
    const before = signer.installed?.hash
    const error = await signer.installBundle(bundle).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(BundleRejectedError)
    expect((error as BundleRejectedError).issues.map((i) => i.code)).toContain(issue)
    expect(signer.installed?.hash).toBe(before)
    const last = signer.log.entries.at(-1)!
    expect([last.event, last.decision]).toEqual(['refused', 'policy-rejected'])
  }

  it('37. an unsigned bundle', async () => {
    await expectBundleRefused(await F.bundle({ signers: [] }), 'unsigned')
  })

  it('38. an under-signed bundle (1 of 2 admins)', async () => {
    await expectBundleRefused(await F.bundle({ signers: [F.admins[0]!] }), 'under-signed')
  })

  it('39. a rolled-back bundle', async () => {
    await expectBundleRefused(await F.bundle({ version: 1 }), 'rollback', await F.bundle({ version: 2 }))
  })

  it('40. a bundle signed by keys that are not admins', async () => {
    const { Bundle } = await import('@airlock/policy')
    let b = await F.bundle({ signers: [] })
    for (const o of F.owners.slice(0, 2)) b = await Bundle.sign(b, o)
    await expectBundleRefused(b, 'non-admin-signer')
  })

  it('41. a bundle whose signature was made for other content', async () => {
    const good = await F.bundle({ version: 3 })
    const tampered = { ...good, org: F.orgJson({ allowSoftwareKeys: true, name: 'Evil' }) }
    await expectBundleRefused(tampered, 'bad-signature')
  })
})
