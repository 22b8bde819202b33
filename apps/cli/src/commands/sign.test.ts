import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignatureResponse, SignRequest, Ur, UrDecoder } from '@airlock/transport'
import { toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../testing.ts'
import {
  admins,
  bundle as bundleOf,
  OWNER_MNEMONIC,
  signRequest,
  transfer,
  treasury,
} from './signFixtures.test-helpers.ts'

const owner = mnemonicToAccount(OWNER_MNEMONIC)
const ownerKey = toHex(owner.getHdKey().privateKey!)
// The dev key goes in through a file, never on the command line.
const ownerKeyFile = join(mkdtempSync(join(tmpdir(), 'airlock-sign-key-')), 'owner.key')
writeFileSync(ownerKeyFile, `${ownerKey}\n`)
// The owner replaces the example's first owner of every Safe; software keys allowed for the dev key.
const bundle = (signers: typeof admins) =>
  bundleOf({
    owners: (example) => [owner.address.toLowerCase(), ...example.slice(1)],
    signers,
    allowSoftwareKeys: true,
  })
const request = (nonce: number, safe = treasury) =>
  signRequest(transfer(nonce), { id: nonce + 1, safe, claimedTier: 'routine' })

describe('airlock sign', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-sign-'))
  const state = join(dir, 'state')
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name)
    writeFileSync(path, content)
    return path
  }
  // Multi-part UR frames, one per line, as a scanner would save them.
  const urFile = (name: string, req: SignRequest.SignRequest) => {
    const encoder = Ur.encode({ ...SignRequest.toUr(req), maxFragmentLength: 60 })
    return file(name, `${encoder.firstParts(encoder.fragmentCount + 2).join('\n')}\n`)
  }

  beforeAll(async () => {
    file('bundle.json', JSON.stringify(await bundle(admins)))
    file('under-signed.json', JSON.stringify(await bundle(admins.slice(0, 1))))
  })

  it('refuses an under-signed bundle and installs a properly signed one', async () => {
    const refused = await runCli([
      'sign',
      'init',
      '--state',
      state,
      '--bundle',
      join(dir, 'under-signed.json'),
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('under-signed')
    const installed = await runCli([
      'sign',
      'init',
      '--state',
      state,
      '--bundle',
      join(dir, 'bundle.json'),
      '--dev-key-file',
      ownerKeyFile,
    ])
    expect(installed.stderr).toBe('')
    expect(installed.code).toBe(0)
    expect(installed.stdout).toContain('Installed: policy bundle version 1')
  })

  it('reviews a request from UR frames, as text and as JSON', async () => {
    const path = urFile('request-0.txt', request(0))
    const text = await runCli(['sign', 'review', path, '--state', state])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('Verdict        SIGN')
    expect(text.stdout).toContain('UNTRUSTED (from the coordinator, not verified)')
    const json = await runCli(['sign', 'review', path, '--state', state, '--json'])
    const parsed = JSON.parse(json.stdout)
    expect(parsed).toMatchObject({ allowed: true, tier: 'routine', stage: 'signature' })
    expect(parsed.ledger.domainHash).toMatch(/^0x[0-9A-F]{64}$/)
  })

  it('approves: prints the signature response UR, then refuses the replay', async () => {
    const path = urFile('request-1.txt', request(1))
    const signed = await runCli(['sign', 'approve', path, '--state', state])
    expect(signed.code).toBe(0)
    const decoder = new UrDecoder()
    const status = decoder.receive(signed.stdout.trim())
    expect(status.status).toBe('complete')
    if (status.status !== 'complete') return
    const response = SignatureResponse.fromUr(status.result)
    expect(response).toMatchObject({
      kind: 'safe-signature',
      signer: owner.address,
      requestId: toHex(2, { size: 16 }),
    })
    // A new process reads the signed nonce back from the log and refuses the same request.
    const replay = await runCli(['sign', 'approve', path, '--state', state])
    expect(replay.code).toBe(1)
    expect(replay.stderr).toContain('already-signed')
  })

  it('reads CBOR request files and refuses an unknown Safe with its reason', async () => {
    const path = file(
      'request.cbor',
      SignRequest.encode(request(2, '0x1c694Fc3006D81ff4a56F97E1b99529066a23725')),
    )
    const result = await runCli(['sign', 'approve', path, '--state', state, '--json'])
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout).refusals.map((r: { code: string }) => r.code)).toContain('unknown-safe')
  })

  it('keystone needs its two steps (see signKeystone.test.ts); bad input is a typed error', async () => {
    const path = urFile('request-3.txt', request(3))
    const keystone = await runCli(['sign', 'approve', path, '--state', state, '--device', 'keystone'])
    expect(keystone.code).toBe(2)
    expect(keystone.stderr).toContain('Keystone signing takes two steps')
    const garbage = await runCli([
      'sign',
      'review',
      file('garbage.bin', new Uint8Array([1, 2, 3])),
      '--state',
      state,
    ])
    expect(garbage.code).toBe(1)
    expect(garbage.stderr).not.toContain('internal error')
  })

  it('approve --out DIR writes the response as QR frames that decode to the printed UR', async () => {
    const path = urFile('request-5.txt', request(5))
    const frames = join(dir, 'response-frames')
    const signed = await runCli(['sign', 'approve', path, '--state', state, '--out', frames])
    expect(signed.code, signed.stderr).toBe(0)
    expect(readdirSync(frames)).toEqual(expect.arrayContaining(['frame-0001.png', 'preview.html']))
    // What `airlock sig add DIR` reads: the frames, through the same zxing reader.
    const decoded = await runCli([
      'qr',
      'decode',
      frames,
      '--type',
      'airlock-signature',
      '--out',
      join(dir, 'r.cbor'),
    ])
    expect(decoded.code, decoded.stderr).toBe(0)
    const printed = new UrDecoder().receive(signed.stdout.trim())
    if (printed.status !== 'complete') throw new Error('the printed response is not one UR')
    expect(new Uint8Array(readFileSync(join(dir, 'r.cbor')))).toEqual(printed.result.payload)
  })

  it('--device ledger with no Ledger plugged in is a logged device error', async () => {
    const path = urFile('request-4.txt', request(4))
    const result = await runCli(['sign', 'approve', path, '--state', state, '--device', 'ledger'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/device error \((disconnected|device-error)\)/)
    const log = readFileSync(join(state, 'decisions.jsonl'), 'utf8').trim().split('\n')
    expect(JSON.parse(log.at(-1)!).event).toBe('device-error')
  })

  it('writes every decision to the log in the state directory', () => {
    const log = readFileSync(join(state, 'decisions.jsonl'), 'utf8')
    const events = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).event)
    expect(events).toContain('policy-imported')
    expect(events).toContain('reviewed')
    expect(events).toContain('signed')
    expect(events.filter((e) => e === 'refused').length).toBeGreaterThanOrEqual(3)
  })
})

describe('airlock sign over the air gap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-sign-qr-'))

  it('installs a policy bundle from its QR code (UR parts or PNG frames) and reviews a request from frames', async () => {
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(await bundle(admins)))
    const exported = await runCli(['policy', 'export', join(dir, 'bundle.json'), '--ur'])
    expect(exported.code).toBe(0)
    writeFileSync(join(dir, 'bundle.ur.txt'), exported.stdout)
    const fromParts = await runCli([
      'sign',
      'init',
      '--state',
      join(dir, 'a'),
      '--bundle',
      join(dir, 'bundle.ur.txt'),
    ])
    expect(fromParts.stderr).toBe('')
    expect(fromParts.stdout).toContain('Installed: policy bundle version 1')

    // The same bundle as animated QR frames, as the security lead's screen would show it.
    const decoder = new UrDecoder({ expectedTypes: ['airlock-policy-bundle'] })
    let payload: Uint8Array | undefined
    for (const part of exported.stdout.trim().split('\n')) {
      const status = decoder.receive(part)
      if (status.status === 'complete') payload = status.result.payload
    }
    writeFileSync(join(dir, 'bundle.cbor'), payload!)
    const frames = await runCli(
      ['qr', 'encode', 'bundle.cbor', '--type', 'airlock-policy-bundle', '--out', 'bundle-frames'],
      { cwd: dir },
    )
    expect(frames.code).toBe(0)
    const fromFrames = await runCli([
      'sign',
      'init',
      '--state',
      join(dir, 'b'),
      '--bundle',
      join(dir, 'bundle-frames'),
      '--dev-key-file',
      ownerKeyFile,
    ])
    expect(fromFrames.stdout).toContain('Installed: policy bundle version 1')

    writeFileSync(join(dir, 'request.cbor'), SignRequest.encode(request(0)))
    await runCli(
      ['qr', 'encode', 'request.cbor', '--type', 'airlock-sign-request', '--out', 'request-frames'],
      {
        cwd: dir,
      },
    )
    const reviewed = await runCli(['sign', 'review', join(dir, 'request-frames'), '--state', join(dir, 'b')])
    expect(reviewed.stderr).toContain('frame-0001.png: complete')
    expect(reviewed.code).toBe(0)
    expect(reviewed.stdout).toContain('Verdict        SIGN')

    const wrong = await runCli([
      'sign',
      'init',
      '--state',
      join(dir, 'c'),
      '--bundle',
      join(dir, 'request-frames'),
    ])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain(
      'This QR code is an Airlock signing request, not an Airlock policy bundle.',
    )
  })
})
