// `airlock sign approve --device keystone` end to end: the signer writes an eth-sign-request as QR
// frames, Keystone's own UR registry (standing in for the device) reads them, signs with a test key and
// answers with an eth-signature, which the signer checks and turns into a SignatureResponse.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { Attestation } from '@airlock/signer-core'
import { SignatureResponse, SignRequest, Ur, UrDecoder } from '@airlock/transport'
import {
  ETHSignature,
  EthSignRequest as KeystoneRequest,
  URRegistryDecoder,
} from '@keystonehq/bc-ur-registry-eth'
import { encodeFunctionData, type Hex, hexToBytes, parseAbi, type TypedDataDefinition } from 'viem'
import { type HDAccount, mnemonicToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../testing.ts'
import {
  bundle as bundleOf,
  initSigner,
  OWNER_MNEMONIC,
  signRequest,
  transfer,
} from './signFixtures.test-helpers.ts'

const owners = [0, 1, 2, 3, 4].map((addressIndex) => mnemonicToAccount(OWNER_MNEMONIC, { addressIndex }))
const [keystoneKey, otherOwner] = owners as [HDAccount, HDAccount]
// Any 4 bytes: the Keystone only shows it; nothing here derives keys from it.
const FINGERPRINT = '73c5da0a'
const PATH = "m/44'/60'/0'/0/0"
const lendingPool = '0x0000000000000000000000000000000000001001'

const bundle = () => bundleOf({ owners: () => owners.map((o) => o.address.toLowerCase()) })

let counter = 0
const request = (tx: SafeTx.SafeTx) => {
  counter += 1
  return signRequest(tx, {
    id: counter,
    title: 'Treasury action',
    description: 'Prepared by the coordinator.',
  })
}

const upgrade = (nonce: number) =>
  SafeTx.from({
    to: lendingPool,
    nonce,
    data: encodeFunctionData({
      abi: parseAbi(['function upgradeTo(address newImplementation)']),
      functionName: 'upgradeTo',
      args: ['0x0000000000000000000000000000000000003333'],
    }),
  })

type Behaviour = {
  key?: HDAccount | undefined
  /** Sign this typed data instead of the one in the request. */
  sign?: ((typed: TypedDataDefinition) => TypedDataDefinition) | undefined
  /** Answer another request id. */
  requestId?: Buffer | undefined
}

/** The Keystone: reads the request's parts with Keystone's registry, signs, answers with an eth-signature. */
async function keystone(
  partsText: string,
  behaviour: Behaviour = {},
): Promise<{ parts: string[]; cbor: Uint8Array; typed: TypedDataDefinition }> {
  const decoder = new URRegistryDecoder()
  for (const part of partsText.trim().split('\n')) decoder.receivePart(part)
  expect(decoder.isSuccess()).toBe(true)
  const request = KeystoneRequest.fromCBOR(decoder.resultUR().cbor)
  expect(request.getDerivationPath()).toBe(PATH.slice(2))
  const typed = JSON.parse(request.getSignData().toString('utf8')) as TypedDataDefinition
  const signature = await (behaviour.key ?? keystoneKey).signTypedData(
    behaviour.sign ? behaviour.sign(typed) : typed,
  )
  const answer = new ETHSignature(
    Buffer.from(hexToBytes(signature)),
    behaviour.requestId ?? request.getRequestId(),
    'Keystone 3 Pro',
  )
  const encoder = answer.toUREncoder(40)
  const parts = Array.from({ length: 2 * encoder.fragmentsLength }, () => encoder.nextPart())
  return { parts, cbor: new Uint8Array(answer.toCBOR()), typed }
}

function response(stdout: string): SignatureResponse.SignatureResponse {
  const decoder = new UrDecoder({ expectedTypes: [SignatureResponse.urType] })
  const status = decoder.receive(stdout.trim())
  if (status.status !== 'complete') throw new Error(`no response UR in ${stdout}`)
  return SignatureResponse.fromUr(status.result)
}

describe('airlock sign approve --device keystone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-keystone-'))
  const state = join(dir, 'state')
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name)
    writeFileSync(path, content)
    return path
  }
  const urFile = (name: string, req: SignRequest.SignRequest) =>
    file(name, `${Ur.encodeSingle(SignRequest.toUr(req))}\n`)
  const log = () =>
    readFileSync(join(state, 'decisions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; decision?: string; reasons?: string[] })
  const pending = () => {
    const path = join(state, 'keystone-pending.json')
    return existsSync(path)
      ? (JSON.parse(readFileSync(path, 'utf8')) as { pending: { requestId: string; kind: string }[] }).pending
      : []
  }
  let out = 0
  const ask = async (requestPath: string, flags: string[] = []) => {
    out += 1
    const frames = join(dir, `frames-${out}`)
    const result = await runCli([
      'sign',
      'approve',
      requestPath,
      '--device',
      'keystone',
      '--state',
      state,
      '--out',
      frames,
      ...flags,
    ])
    return { ...result, frames }
  }
  const answer = (requestPath: string, signature: string[], flags: string[] = []) =>
    runCli([
      'sign',
      'approve',
      requestPath,
      '--device',
      'keystone',
      '--state',
      state,
      '--keystone-signature',
      ...signature,
      ...flags,
    ])

  beforeAll(async () => initSigner(state, await bundle()))

  it('signs a routine transfer in two steps, and accepts the answer only once', async () => {
    const req = request(transfer(0))
    const reqPath = urFile('transfer.ur', req)
    const asked = await ask(reqPath, [
      '--keystone-address',
      keystoneKey.address,
      '--keystone-fingerprint',
      FINGERPRINT,
    ])
    expect(asked.code, asked.stderr).toBe(0)
    const requestId = asked.stdout.trim()
    expect(readdirSync(asked.frames)).toEqual(
      expect.arrayContaining(['frame-0001.png', 'parts.txt', 'preview.html']),
    )
    expect(pending()).toMatchObject([{ requestId, kind: 'safe-signature' }])
    expect(log().at(-1)).toMatchObject({ event: 'reviewed', decision: 'keystone-requested' })

    const signed = await keystone(readFileSync(join(asked.frames, 'parts.txt'), 'utf8'))
    // The Keystone was asked to sign the Safe transaction itself.
    expect(signed.typed.primaryType).toBe('SafeTx')
    const sigPath = file('transfer.sig', `${signed.parts.join('\n')}\n`)
    // No account flags: the pending request says who was asked.
    const done = await answer(reqPath, [sigPath])
    expect(done.code, done.stderr).toBe(0)
    const res = response(done.stdout)
    const { safeTxHash } = SafeTxHash.compute({ tx: req.tx, context: req.context })
    expect(res).toMatchObject({ kind: 'safe-signature', safeTxHash, signer: keystoneKey.address })
    const [entry] = Signature.parse(res.signature)
    expect(Signature.recover({ signature: entry as never, safeTxHash })).toBe(keystoneKey.address)
    expect(log().at(-1)).toMatchObject({ event: 'signed', decision: 'signed' })
    expect(pending()).toEqual([])

    // Answered once: without a pending request the account must be named, and the replay is refused.
    const again = await answer(
      reqPath,
      [sigPath],
      ['--keystone-address', keystoneKey.address, '--keystone-fingerprint', FINGERPRINT],
    )
    expect(again.code).toBe(1)
    expect(log().at(-1)?.event).toBe('refused')
  })

  it('refuses, and logs, a signature for another request id, another key or another hash', async () => {
    const req = request(transfer(1))
    const reqPath = urFile('t1.ur', req)
    const asked = await ask(reqPath, [
      '--keystone-address',
      keystoneKey.address,
      '--keystone-fingerprint',
      FINGERPRINT,
    ])
    expect(asked.code, asked.stderr).toBe(0)
    const parts = readFileSync(join(asked.frames, 'parts.txt'), 'utf8')
    const expectRefused = async (signature: { parts: string[] }, code: string, path = reqPath) => {
      const result = await answer(path, [file(`bad-${code}-${out}.sig`, signature.parts.join('\n'))])
      expect(result.code, result.stdout).toBe(1)
      expect(result.stderr).toContain(code)
      expect(log().at(-1)).toMatchObject({ event: 'refused' })
      expect(
        log()
          .at(-1)
          ?.reasons?.some((r) => r.startsWith(code)),
      ).toBe(true)
    }
    await expectRefused(
      await keystone(parts, { requestId: Buffer.from('00112233445566778899aabbccddeeff', 'hex') }),
      'keystone-unknown-request',
    )
    await expectRefused(await keystone(parts, { key: otherOwner }), 'keystone-wrong-signer')
    // The right key and request id, but the device signed another transaction.
    await expectRefused(
      await keystone(parts, {
        sign: (typed) => ({ ...typed, message: { ...typed.message, nonce: '99' } }) as TypedDataDefinition,
      }),
      'keystone-wrong-signer',
    )
    // The right answer, brought with another transaction's request file.
    const good = await keystone(parts)
    await expectRefused(good, 'keystone-wrong-hash', urFile('t1-other.ur', request(transfer(2))))
    // The request is still open: its own answer is accepted.
    expect(pending().length).toBe(1)
    const done = await answer(reqPath, [file('t1-good.sig', good.parts.join('\n'))])
    expect(done.code, done.stderr).toBe(0)
  })

  it('attests in round 1 of a Critical request: the Keystone signs the attestation typed data (from QR frames)', async () => {
    const req = request(upgrade(3))
    const reqPath = urFile('upgrade.ur', req)
    // The account stored once in the state directory.
    const stored = await runCli([
      'sign',
      'init',
      '--state',
      state,
      '--bundle',
      join(dir, 'bundle.json'),
      '--keystone-address',
      keystoneKey.address,
      '--keystone-fingerprint',
      FINGERPRINT,
    ])
    expect(stored.code, stored.stderr).toBe(0)
    const asked = await ask(reqPath)
    expect(asked.code, asked.stderr).toBe(0)
    expect(pending()).toMatchObject([{ kind: 'approval-attestation' }])
    const signed = await keystone(readFileSync(join(asked.frames, 'parts.txt'), 'utf8'))
    expect(signed.typed.primaryType).toBe('AirlockApproval')

    // The Keystone's answer as animated QR frames, read back by zxing.
    const sigFrames = join(dir, 'sig-frames')
    const encoded = await runCli([
      'qr',
      'encode',
      file('attestation.cbor', signed.cbor),
      '--type',
      'eth-signature',
      '--out',
      sigFrames,
      '--fragment',
      '40',
    ])
    expect(encoded.code, encoded.stderr).toBe(0)
    const done = await answer(reqPath, [sigFrames])
    expect(done.code, done.stderr).toBe(0)
    const res = response(done.stdout)
    expect(res.kind).toBe('approval-attestation')
    const { safeTxHash } = SafeTxHash.compute({ tx: req.tx, context: req.context })
    const attestation = Attestation.forRequest({ context: req.context, safeTxHash, tier: 'critical' })
    expect(await Attestation.recover(attestation, res.signature as Hex)).toBe(keystoneKey.address)
    expect(log().at(-1)).toMatchObject({ event: 'signed', decision: 'attested' })

    // Round 2 right away: the signer refuses before showing the Keystone anything.
    const early = await ask(reqPath)
    expect(early.code).toBe(1)
    expect(early.stderr).toContain('delay-not-elapsed')
    expect(existsSync(early.frames)).toBe(false)
  })

  it('checks its inputs before deciding anything', async () => {
    const reqPath = urFile('t4.ur', request(transfer(4)))
    const before = log().length
    const both = await runCli([
      'sign',
      'approve',
      reqPath,
      '--device',
      'keystone',
      '--state',
      state,
      '--out',
      join(dir, 'x'),
      '--keystone-signature',
      reqPath,
    ])
    expect(both.code).toBe(2)
    const notEmpty = await ask(reqPath)
    const again = await runCli([
      'sign',
      'approve',
      reqPath,
      '--device',
      'keystone',
      '--state',
      state,
      '--out',
      notEmpty.frames,
    ])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('exists and is not empty')
    expect(log().length).toBe(before + 1)
  })

  it('refuses an answer to a request older than an hour, and forgets expired requests', async () => {
    const reqPath = urFile('t5.ur', request(transfer(5)))
    const asked = await ask(reqPath)
    expect(asked.code, asked.stderr).toBe(0)
    const requestId = asked.stdout.trim()
    const signed = await keystone(readFileSync(join(asked.frames, 'parts.txt'), 'utf8'))
    // Two hours pass before the answer comes back: every pending record is aged on disk.
    const path = join(state, 'keystone-pending.json')
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { pending: { requestedAt: string }[] }
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString()
    for (const p of stored.pending) p.requestedAt = twoHoursAgo
    writeFileSync(path, JSON.stringify(stored))
    const left = pending().filter((p) => p.requestId !== requestId)
    expect(left.length).toBeGreaterThan(0)

    const late = await answer(reqPath, [file('t5.sig', signed.parts.join('\n'))])
    expect(late.code, late.stdout).toBe(1)
    expect(late.stderr).toContain('keystone-expired-request')
    expect(log().at(-1)).toMatchObject({ event: 'refused' })
    // The expired request is gone; the other expired ones go when the next request is made.
    expect(pending()).toEqual(left)
    const next = await ask(urFile('t6.ur', request(transfer(6))))
    expect(next.code, next.stderr).toBe(0)
    expect(pending().map((p) => p.requestId)).toEqual([next.stdout.trim()])
  })
})
