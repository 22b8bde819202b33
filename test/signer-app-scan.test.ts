// The signer app's scan, policy and log handlers over the real engine and UR decoder: what the scan
// screen tells the person (wrong code, another session, damaged frame, glare, too small, inverted),
// a policy bundle installed from its QR code, and a log export that verifies.
import { join } from 'node:path'
import { AuditKey, verify } from '@airlock/audit-log'
import type { FrameMetrics } from '@airlock/signer-app/api'
import {
  EthSignRequest,
  PolicyBundle,
  SignatureResponse,
  SignRequest,
  Ur,
  UrDecoder,
} from '@airlock/transport'
import { QrSender } from '@airlock/transport/images'
import { describe, expect, it } from 'vitest'
import {
  enrolSignerSet,
  keystoneAnswers,
  openTestApp,
  payrollRequest,
  signerState,
  useTestApp,
  withKeystoneAccount,
} from './support/signer-app.ts'
import * as F from './support/signer-fixtures.ts'

const clear: FrameMetrics = { glare: 0, inverted: false, codeShare: 0.6 }
const parts = (request: SignRequest.SignRequest, maxFragmentLength = 100) =>
  Ur.encode({ ...SignRequest.toUr(request), maxFragmentLength }).firstParts()

describe('signer app scanning, policy and log handlers', () => {
  const app = useTestApp('airlock-signer-scan-')

  it('tells the person what to do about each kind of bad frame, and counts them', async () => {
    await app.api.scanStart({ expect: 'request' })
    let view = await app.api.scanFrame({
      texts: [],
      metrics: { glare: 0.5, inverted: false, codeShare: undefined },
    })
    expect(view.hints.map((h) => h.hint)).toEqual(['glare'])
    view = await app.api.scanFrame({
      texts: [],
      metrics: { glare: 0, inverted: false, codeShare: undefined },
    })
    expect(view.hints.map((h) => h.hint)).toEqual(['no-code'])
    expect(view.framesUnreadable).toBe(2)

    const bundleUr = PolicyBundle.toUr({ version: 1, document: new TextEncoder().encode('{}') })
    view = await app.api.scanFrame({
      texts: [Ur.encodeSingle(bundleUr)],
      metrics: { ...clear, codeShare: 0.1 },
    })
    expect(view.hints.map((h) => h.hint).sort()).toEqual(['too-small', 'wrong-type'])
    expect(view.hints.find((h) => h.hint === 'wrong-type')?.message).toContain('policy bundle')
    view = await app.api.scanFrame({ texts: ['NOT A UR AT ALL'], metrics: { ...clear, inverted: true } })
    expect(view.hints.map((h) => h.hint)).toContain('damaged')
    expect(view.hints.map((h) => h.hint)).toContain('inverted')
    expect(view.framesUnusable).toBe(2)

    // Parts of one request, then a part of another: the other session is reported, then completes.
    const first = parts(payrollRequest({ count: 3 }).request)
    const second = parts(payrollRequest({ count: 4, nonce: 1n }).request)
    view = await app.api.scanFrame({ texts: [first[0]!], metrics: clear })
    expect(view.received).toBe(1)
    expect(view.needed).toBe(first.length)
    view = await app.api.scanFrame({ texts: [second[0]!], metrics: clear })
    expect(view.hints.map((h) => h.hint)).toContain('another-session')
    for (const part of second.slice(1)) view = await app.api.scanFrame({ texts: [part], metrics: clear })
    expect(view.complete).toBe(true)
    const reviewed = await app.api.review({ device: 'software', acknowledgeReplacement: false })
    expect(reviewed.status === 'reviewed' && reviewed.review.nonce).toBe('1')
  })

  it('completes a request sent as QrSender’s interleaved dense and sparse sessions', async () => {
    const { request } = payrollRequest({ count: 20, nonce: 2n })
    const ur = SignRequest.toUr(request)
    const sender = QrSender.create({ type: ur.type, payload: ur.payload })
    expect(sender.plans.dense).toBeDefined()
    await app.api.scanStart({ expect: 'request' })
    let view = await app.api.scanFrame({ texts: [], metrics: clear })
    const sessions = new Set<string>()
    for (let shown = 0; shown < 200 && !view.complete; shown++) {
      const frame = sender.next()
      sessions.add(frame.session)
      // A camera that misses one frame in four: parts of both sessions count toward the one message.
      if (shown % 4 === 1) continue
      view = await app.api.scanFrame({ texts: [frame.text], metrics: clear })
    }
    expect(view.complete).toBe(true)
    expect(sessions.size).toBeGreaterThan(1)
    // The two sessions are one message: no "another session" hint, nothing unusable.
    expect(view.hints.map((h) => h.hint)).not.toContain('another-session')
    expect(view.framesUnusable).toBe(0)
    const reviewed = await app.api.review({ device: 'software', acknowledgeReplacement: false })
    expect(reviewed.status === 'reviewed' && reviewed.review.nonce).toBe('2')
  })

  it('says what is missing when an imported file holds an incomplete request', async () => {
    const some = parts(payrollRequest({ count: 5 }).request, 60)
    const view = await app.api.importText({ expect: 'request', text: some.slice(0, 2).join('\n') })
    expect(view.complete).toBe(false)
    expect(view.error?.message).toContain('not complete')
  })

  it('installs a policy bundle scanned from its QR code, after showing what changes', async () => {
    const next = await F.bundle({ version: 2, org: F.orgJson({ signerRules: { allowReplacement: false } }) })
    const ur = PolicyBundle.toUr({ version: 2, document: new TextEncoder().encode(JSON.stringify(next)) })
    const encoder = Ur.encode({ ...ur, maxFragmentLength: 400 })
    await app.api.scanStart({ expect: 'policy' })
    let view = await app.api.scanFrame({ texts: [], metrics: clear })
    for (const part of encoder.firstParts()) view = await app.api.scanFrame({ texts: [part], metrics: clear })
    expect(view.complete).toBe(true)
    const candidate = await app.api.policy()
    expect(candidate.installed?.version).toBe(1)
    expect(candidate.candidate).toMatchObject({ valid: true, version: 2, issues: [] })
    expect(candidate.candidate?.changes).toEqual(['version 1 → 2', 'org signerRules changed'])
    const installed = await app.api.installPolicy()
    expect(installed.installed?.version).toBe(2)
    expect(installed.message).toBe('Installed: version 2.')
    // An older bundle is refused with the engine's reason, and nothing changes.
    await app.api.importText({ expect: 'policy', text: JSON.stringify(await F.sharedBundle()) })
    const rollback = await app.api.policy()
    expect(rollback.candidate?.valid).toBe(false)
    expect(rollback.candidate?.issues.join(' ')).toContain('rollback')
    expect((await app.api.installPolicy()).installed?.version).toBe(2)
  })

  it('exports the log as it is stored, and the export verifies with the log key', async () => {
    const { fileName, text } = await app.api.exportLog()
    expect(fileName).toMatch(/^airlock-signer-log-0-\d+\.jsonl$/)
    const opened = JSON.parse(text.split('\n')[0]!) as { publicKey: string }
    const result = verify(text, { publicKey: AuditKey.fromHex(opened.publicKey) })
    expect(result.ok).toBe(true)
    expect((await app.api.verifyLog()).ok).toBe(true)
    const refusals = await app.api.log({ kind: 'refusals' })
    expect(refusals.entries.every((e) => e.event === 'refused' || e.decision === 'would-refuse')).toBe(true)
  })

  it('answers with a loop in which each interleaved session alone completes the answer', async () => {
    // A signer-set answer (signature, receipt, log head) is several fragments: the animated case.
    const setDir = join(app.dir, 'signer-set')
    await signerState(setDir)
    await enrolSignerSet(setDir)
    const setApi = await openTestApp(setDir)
    try {
      const { request } = payrollRequest({ count: 20 })
      await setApi.importText({ expect: 'request', text: parts(request, 400).join('\n') })
      const signed = await setApi.sign({ device: 'software', acknowledgeReplacement: false })
      if (signed.status !== 'released') throw new Error(`not released: ${JSON.stringify(signed)}`)
      for (const density of ['dense', 'sparse'] as const) {
        const view = await setApi.answer({ density })
        expect(view.sessions.length).toBeGreaterThan(1)
        // A camera that reads only one session's codes (too far for the denser ones, or too close
        // for the sparser) still completes from the loop the screen repeats.
        // A session's frames: its QR version and its fragment count (`ur:TYPE/SEQ-COUNT/…`).
        for (const { session, version, fragments } of view.sessions) {
          const decoder = new UrDecoder({ expectedTypes: [SignatureResponse.urType] })
          let status: ReturnType<UrDecoder['receive']>['status'] | undefined
          const only = view.frames.filter(
            (f) => f.version === version && f.part.split('/')[1]?.endsWith(`-${fragments}`),
          )
          expect(only.length).toBeGreaterThanOrEqual(fragments)
          for (const { part } of only) {
            status = decoder.receive(part).status
            if (status === 'complete') break
          }
          expect(status, `${density}: the ${session} session alone`).toBe('complete')
        }
      }
    } finally {
      await setApi.close()
    }
  })

  it('signs with a Keystone: its request shown as a code, its signature scanned back and checked', async () => {
    const keystoneDir = join(app.dir, 'keystone')
    await signerState(keystoneDir)
    const keystoneOwner = await withKeystoneAccount(keystoneDir)
    const keystoneApi = await openTestApp(keystoneDir)
    try {
      expect((await keystoneApi.status()).devices.find((d) => d.device === 'keystone')?.allowed).toBe(true)
      const { request, prepared } = payrollRequest({ count: 2 })
      await keystoneApi.importText({ expect: 'request', text: parts(request).join('\n') })
      const asked = await keystoneApi.sign({ device: 'keystone', acknowledgeReplacement: false })
      if (asked.status !== 'keystone-requested') throw new Error(`not asked: ${JSON.stringify(asked)}`)
      expect(asked.owner).toBe(keystoneOwner.address)
      expect(asked.show.frames.length).toBe(asked.show.parts.length)

      // The Keystone reads the request, signs the typed data with its key and shows its answer.
      const decoder = new UrDecoder({ expectedTypes: [EthSignRequest.urType] })
      let read: ReturnType<UrDecoder['receive']> | undefined
      for (const part of asked.show.parts) {
        read = decoder.receive(part)
        if (read.status === 'complete') break
      }
      if (read?.status !== 'complete') throw new Error('the Keystone could not read the request')
      // Keystone's own density and schedule, not Airlock's interleaved sessions: one stream of
      // 200-byte fragments at 5 fps, parts 1, 2, 3 … in order (the standard schedule).
      const fragments = Math.ceil(read.result.payload.length / 200)
      expect(fragments).toBeGreaterThan(1)
      expect(asked.show.fps).toBe(5)
      expect(asked.show.sessions).toEqual([
        { session: 'single', version: expect.any(Number), fragments, fragmentBytes: expect.any(Number) },
      ])
      expect(asked.show.sessions[0]!.fragmentBytes).toBeLessThanOrEqual(200)
      expect(asked.show.parts.map((part) => part.split('/')[1])).toEqual(
        asked.show.parts.map((_, i) => `${i + 1}-${fragments}`),
      )
      const answer = await keystoneAnswers({ request: read.result, key: keystoneOwner })

      await keystoneApi.scanStart({ expect: 'keystone' })
      let view = await keystoneApi.scanFrame({ texts: [parts(request)[0]!], metrics: clear })
      expect(view.hints.map((h) => h.hint)).toContain('wrong-type')
      for (const part of answer) view = await keystoneApi.scanFrame({ texts: [part], metrics: clear })
      expect(view.complete).toBe(true)
      const signed = await keystoneApi.completeKeystone({ acknowledgeReplacement: false })
      expect(signed).toMatchObject({
        status: 'released',
        kind: 'safe-signature',
        signer: keystoneOwner.address,
      })
      // The Answer screen carries it back to the coordinator.
      const back = new UrDecoder({ expectedTypes: [SignatureResponse.urType] })
      let got: ReturnType<UrDecoder['receive']> | undefined
      for (const part of (await keystoneApi.answer({ density: 'dense' })).parts) {
        got = back.receive(part)
        if (got.status === 'complete') break
      }
      if (got?.status !== 'complete') throw new Error('the answer did not decode')
      expect(SignatureResponse.fromUr(got.result).signer).toBe(keystoneOwner.address)
      expect(prepared.hashes.safeTxHash).toBe((signed as { safeTxHash: string }).safeTxHash)
    } finally {
      await keystoneApi.close()
    }
  })
})
