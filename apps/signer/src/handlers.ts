// The signer app's operations: plain functions over the engine (signer-core's review and approve,
// the decision log, the devices, the UR decoder). Main's IPC layer calls them, and so do the tests,
// so what the window shows is exactly what the engine decided. No Electron, no DOM here.
import { type AuditEntry, exportForUr, verify } from '@airlock/audit-log'
import type { Failure, LedgerDevice } from '@airlock/devices'
import { isBaseError, Json } from '@airlock/errors'
import { Bundle, type CedarApi } from '@airlock/policy'
import { type ApproveResult, type KeySource, KeystoneSession, type Review } from '@airlock/signer-core'
import type { StateDir } from '@airlock/signer-core/node'
import {
  EthSignature,
  MessageRequest,
  PolicyBundle,
  SignatureResponse,
  SignRequest,
  UrDecoder,
  type UrResult,
} from '@airlock/transport'
import { QrSender } from '@airlock/transport/images'
import { privateKeyToAccount } from 'viem/accounts'
import { airGapStatus, type Interfaces, type Link, type Radio } from './airGap.ts'
import type {
  AirGapView,
  AnswerView,
  Density,
  DeviceChoice,
  LogEntryView,
  LogFilter,
  PolicyView,
  ReviewResult,
  ScanHint,
  ScanKind,
  ScanView,
  SignerApi,
  SignView,
  StatusView,
} from './api.ts'
import { failureView, noSoftwareKey, outcomeView } from './deviceOutcome.ts'
import { NoBundleCandidateError, NoRequestError, NothingToAnswerError } from './errors.ts'
import { createMessageHandlers } from './messageHandlers.ts'
import { reviewView } from './reviewView.ts'
import { airGapOverrideFlag } from './security.ts'

export type CreateHandlersParameters = {
  state: StateDir
  cedar: CedarApi
  /** Reads the network interfaces now (`os.networkInterfaces` in main). */
  interfaces: () => Interfaces
  /** Reads the links' states now (Linux sysfs in main; none elsewhere). */
  links?: (() => readonly Link[]) | undefined
  /** Reads the radios now (Wi-Fi, Bluetooth: Linux rfkill in main). */
  radios?: (() => readonly Radio[]) | undefined
  /** Started with the explicit air-gap override. */
  airGapOverride?: boolean | undefined
  /** Opens the Ledger (node-hid in main): the device, or the outcome saying why not. */
  openLedger: () => Promise<LedgerDevice | Failure>
  /** BIP-44 path of the owner key on the Ledger. */
  ledgerPath?: string | undefined
  /** The decision log's text as stored (for verify and export). */
  readLogText: () => Promise<string>
  /** The clock the state directory's log runs on (for the air-gap override entries). */
  clock?: (() => Date) | undefined
}

/** The handlers, plus `close` for the state directory. */
export type Handlers = SignerApi & { close(): Promise<void> }

const DEFAULT_PATH = "m/44'/60'/0'/0/0"
// Frames with a readable code at most this share of the frame tall are "too small".
const SMALL_CODE_SHARE = 0.3
// A share of near-white pixels above this reads as glare on the screen being filmed.
const GLARE_SHARE = 0.2

/**
 * Makes the app's handlers over an open signer state directory.
 *
 * @example
 * const api = createHandlers({ state, cedar, interfaces: os.networkInterfaces, openLedger, readLogText })
 * await api.scanStart({ expect: 'request' })
 */
export function createHandlers({
  state,
  cedar,
  interfaces,
  links = () => [],
  radios = () => [],
  airGapOverride = false,
  openLedger,
  ledgerPath = DEFAULT_PATH,
  readLogText,
  clock = () => new Date(),
}: CreateHandlersParameters): Handlers {
  type Scan = {
    expect: ScanKind
    decoder: UrDecoder
    unreadable: number
    hints: Map<ScanHint, string>
    error: { message: string; hint: string } | undefined
    complete: boolean
  }
  let scan: Scan = newScan('request')
  let request: SignRequest.SignRequest | undefined
  // A Safe message request (EIP-1271) arrives on the same scan as a transaction's.
  let messageRequest: MessageRequest.MessageRequest | undefined
  let candidate: unknown
  let released: Extract<ApproveResult, { status: 'released' }> | undefined
  let keystoneAnswer: UrResult | undefined

  function newScan(expect: ScanKind): Scan {
    const type = { request: SignRequest.urType, policy: PolicyBundle.urType, keystone: EthSignature.urType }[
      expect
    ]
    return {
      expect,
      decoder: new UrDecoder({
        expectedTypes: expect === 'request' ? [type, MessageRequest.urType] : [type],
        onNewSession: 'reset',
      }),
      unreadable: 0,
      hints: new Map(),
      error: undefined,
      complete: false,
    }
  }

  const airGap = () =>
    airGapStatus({ interfaces: interfaces(), links: links(), radios: radios(), override: airGapOverride })

  // A release the air gap allowed only because of the override goes into the tamper-evident log next
  // to its `signed` entry, before the answer can be shown: the log proves it was made with a network up.
  // (Logged before the release is kept for the Answer screen: no entry, no answer.)
  async function overrideLogged(result: ApproveResult, gap: AirGapView): Promise<SignView> {
    if (result.status === 'released' && !gap.isolated) {
      await logAirGapOverride({
        log: state.log,
        clock,
        decision: 'signed-networked',
        up: gap.up,
        safeTxHash: result.response.safeTxHash,
        kind: result.kind,
      })
    }
    return signView(result)
  }

  function scanView(): ScanView {
    const p = scan.decoder.progress()
    return {
      expect: scan.expect,
      received: p.receivedParts,
      needed: p.expectedParts,
      percent: p.estimatedPercent,
      framesSeen: p.framesSeen + scan.unreadable,
      framesUnusable: p.framesUnusable,
      framesUnreadable: scan.unreadable,
      hints: [...scan.hints].map(([hint, message]) => ({ hint, message })),
      complete: scan.complete,
      error: scan.error,
    }
  }

  // A complete UR: the request (or bundle) it carries, or why it cannot be used.
  function completed(result: UrResult): void {
    try {
      if (scan.expect === 'request') {
        if (result.type === MessageRequest.urType) {
          messageRequest = MessageRequest.fromUr(result)
          request = undefined
        } else {
          request = SignRequest.fromUr(result)
          messageRequest = undefined
        }
        released = undefined
      } else if (scan.expect === 'keystone') {
        // Checked by the engine when the request is decided again (completeKeystone).
        keystoneAnswer = result
      } else {
        const { document } = PolicyBundle.fromUr(result)
        candidate = Json.parse(document, { what: 'policy bundle in the code' })
      }
      scan.complete = true
    } catch (error) {
      if (!isBaseError(error)) throw error
      scan.error = { message: error.shortMessage, hint: hintOf(error) }
    }
  }

  function receive(text: string): void {
    if (scan.complete) return
    const status = scan.decoder.receive(text)
    switch (status.status) {
      case 'accepted':
      case 'duplicate':
        return
      case 'complete':
        completed(status.result)
        return
      case 'new-session':
        scan.hints.set('another-session', `${status.message} ${status.hint}`)
        return
      case 'wrong-type':
        scan.hints.set('wrong-type', `${status.message} ${status.hint}`)
        return
      case 'not-ur':
      case 'malformed':
      case 'checksum':
      case 'oversize':
        scan.hints.set('damaged', `${status.message} ${status.hint}`)
        return
      default: {
        const never: never = status
        throw new Error(`Unhandled receive status ${JSON.stringify(never)}`)
      }
    }
  }

  async function identity(device: DeviceChoice) {
    switch (device) {
      case 'software': {
        const key = await state.devKey()
        if (!key) return noSoftwareKey()
        return { address: privateKeyToAccount(key).address, keyKind: 'software' as const }
      }
      case 'ledger': {
        const ledger = await openLedger()
        if ('ok' in ledger) return outcomeView(ledger)
        try {
          const address = await ledger.getAddress({ path: ledgerPath })
          if (!address.ok) return outcomeView(address)
          return { address: address.address, keyKind: 'ledger' as const }
        } finally {
          await ledger.close()
        }
      }
      case 'keystone': {
        const account = await state.keystoneAccount()
        if (!account)
          return failureView(
            'unknown-account',
            'No Keystone account is known to this signer.',
            "Store it with 'airlock sign init --keystone-address … --keystone-fingerprint …'.",
          )
        return { address: account.address, keyKind: 'keystone' as const }
      }
      default: {
        const never: never = device
        return never
      }
    }
  }

  function current(): SignRequest.SignRequest {
    if (!request)
      throw new NoRequestError('There is no signing request to review.', {
        hint: 'Scan the request shown by the coordinator first.',
      })
    return request
  }

  const assets = () => state.signer.installed?.org.assets ?? []

  return {
    ...createMessageHandlers({
      state,
      current: () => messageRequest,
      openLedger,
      ledgerPath,
      airGap,
      clock,
      answer: answerView,
      logOverride: logAirGapOverride,
    }),
    async status(): Promise<StatusView> {
      const installed = state.signer.installed
      const allowSoftware = installed?.org.allowSoftwareKeys === true
      const hasKey = (await state.devKey()) !== undefined
      return {
        airGap: airGap(),
        policy: installed && { version: installed.version, hash: installed.hash },
        devices: [
          { device: 'ledger', allowed: true, note: 'Ledger over USB (Ethereum app)' },
          {
            device: 'keystone',
            allowed: (await state.keystoneAccount()) !== undefined,
            note: 'Keystone over QR (two scans)',
          },
          {
            device: 'software',
            allowed: allowSoftware && hasKey,
            note: allowSoftware
              ? hasKey
                ? 'Software test key (the policy allows it)'
                : 'No software test key in this state directory'
              : 'The installed policy does not allow software keys',
          },
        ],
        logEntries: state.log.entries.length,
      }
    },

    async scanStart({ expect }) {
      scan = newScan(expect === 'policy' || expect === 'keystone' ? expect : 'request')
      if (expect === 'keystone') keystoneAnswer = undefined
      if (expect === 'policy') candidate = undefined
      return scanView()
    },

    async scanFrame({ texts, metrics }) {
      scan.hints.delete('no-code')
      scan.hints.delete('glare')
      scan.hints.delete('too-small')
      scan.hints.delete('inverted')
      if (texts.length === 0) {
        scan.unreadable += 1
        if (metrics.glare > GLARE_SHARE)
          scan.hints.set('glare', 'Glare on the screen: tilt it or dim the lights.')
        else scan.hints.set('no-code', 'No code readable: hold the code steady, fully in view.')
      }
      if (metrics.codeShare !== undefined && metrics.codeShare < SMALL_CODE_SHARE)
        scan.hints.set('too-small', 'The code looks small: move closer, or enlarge it on the sending screen.')
      if (metrics.inverted)
        scan.hints.set(
          'inverted',
          'The code is light on dark: it reads, but a dark-on-light code reads faster.',
        )
      for (const text of texts) receive(text)
      const p = scan.decoder.progress()
      if (!scan.complete && p.expectedParts > 0 && p.framesSeen > 4 * p.expectedParts)
        scan.hints.set('slow-down', 'Parts are missed: slow the sender down or pick a sparser density.')
      return scanView()
    },

    async importText({ expect, text }) {
      scan = newScan(expect === 'policy' || expect === 'keystone' ? expect : 'request')
      const trimmed = text.trim()
      if (expect === 'policy' && trimmed.startsWith('{')) {
        try {
          // Bounded: a huge or deeply nested file is refused before anything walks it.
          candidate = Json.parse(trimmed, { what: 'file' })
          scan.complete = true
        } catch (error) {
          const message = isBaseError(error) ? error.shortMessage : 'The file is not JSON.'
          scan.error = { message, hint: 'Choose the bundle.json the admins signed.' }
        }
        return scanView()
      }
      const lines = trimmed.split(/\s+/).filter((l) => l.length > 0)
      if (lines.length === 0)
        scan.error = { message: 'The file is empty.', hint: 'Choose a file of UR parts, one per line.' }
      for (const line of lines) receive(line)
      if (!scan.complete && !scan.error)
        scan.error = {
          message: `The file holds ${scan.decoder.progress().receivedParts} part(s); the code is not complete.`,
          hint: 'Save every part the coordinator shows, one per line.',
        }
      return scanView()
    },

    async review({ device, acknowledgeReplacement }): Promise<ReviewResult> {
      const req = current()
      const who = await identity(device)
      if ('code' in who) return { status: 'device-error', outcome: who }
      const result: Review = await state.signer.review(req, { identity: who, acknowledgeReplacement })
      const breaker = state.signer.installed?.org.breaker
      return { status: 'reviewed', review: reviewView({ review: result, device, assets: assets(), breaker }) }
    },

    async sign({ device, acknowledgeReplacement }): Promise<SignView> {
      const req = current()
      const gap = airGap()
      if (!gap.maySign) {
        return {
          status: 'air-gap',
          message: `Network interfaces are up (${gap.up.join(', ')}): disconnect them before signing.`,
        }
      }
      let result: ApproveResult
      switch (device) {
        case 'software': {
          const privateKey = await state.devKey()
          if (!privateKey) return { status: 'device-error', outcome: noSoftwareKey() }
          result = await state.signer.approve(req, {
            key: { kind: 'software', privateKey },
            acknowledgeReplacement,
          })
          break
        }
        case 'ledger': {
          const ledger = await openLedger()
          const key: KeySource = { kind: 'ledger', device: ledger, path: ledgerPath }
          try {
            result = await state.signer.approve(req, { key, acknowledgeReplacement })
          } finally {
            if (!('ok' in ledger)) await ledger.close()
          }
          break
        }
        case 'keystone': {
          let asked: Awaited<ReturnType<typeof KeystoneSession.request>>
          try {
            asked = await KeystoneSession.request({
              signer: state.signer,
              store: state,
              request: req,
              acknowledgeReplacement,
            })
          } catch (error) {
            if (!isBaseError(error)) throw error
            return {
              status: 'device-error',
              outcome: failureView('unknown-account', error.shortMessage, error.hint ?? ''),
            }
          }
          if (asked.status !== 'keystone-requested') {
            result = asked
            break
          }
          return {
            status: 'keystone-requested',
            kind: asked.pending.kind,
            requestId: asked.pending.requestId,
            owner: asked.pending.expectedOwner,
            path: asked.pending.path,
            show: keystoneView({ ur: asked.ur }),
          }
        }
        default: {
          const never: never = device
          return never
        }
      }
      return overrideLogged(result, gap)
    },

    async completeKeystone({ acknowledgeReplacement }): Promise<SignView> {
      const req = current()
      if (!keystoneAnswer)
        throw new NothingToAnswerError('No Keystone signature was scanned.', {
          hint: 'Scan the code the Keystone shows once you approve on it.',
        })
      const gap = airGap()
      if (!gap.maySign) {
        return {
          status: 'air-gap',
          message: `Network interfaces are up (${gap.up.join(', ')}): disconnect them before signing.`,
        }
      }
      const answer = keystoneAnswer
      keystoneAnswer = undefined
      const result = await KeystoneSession.complete({
        signer: state.signer,
        store: state,
        request: req,
        answer,
        acknowledgeReplacement,
      })
      return overrideLogged(result, gap)
    },

    async answer({ density }): Promise<AnswerView> {
      if (!released)
        throw new NothingToAnswerError('Nothing was signed in this session.', {
          hint: 'Review and sign a request first.',
        })
      return answerView({
        ur: SignatureResponse.toUr(released.response),
        density,
        kind: released.kind,
      })
    },

    async log(filter: LogFilter) {
      const all = state.log.entries
      const entries = all.map(logEntryView).filter((e) => matches(e, filter))
      return { total: all.length, entries: entries.reverse() }
    },

    async verifyLog() {
      const text = await readLogText()
      const result = verify(text, { publicKey: state.log.publicKey, signatures: 'every' })
      const total = text.split('\n').filter((l) => l.length > 0).length
      return {
        ok: result.ok,
        checked: result.entries.length,
        total,
        message: result.ok
          ? `All ${result.entries.length} entries verify: hashes chained, every signature valid.`
          : `Entry ${result.firstBad?.seq} is bad: ${result.firstBad?.message}`,
      }
    },

    async exportLog() {
      const text = await readLogText()
      const exported = exportForUr({ log: text })
      return { fileName: `airlock-signer-log-${exported.firstSeq}-${exported.lastSeq}.jsonl`, text }
    },

    async policy() {
      return policyView(undefined)
    },

    async installPolicy() {
      if (candidate === undefined)
        throw new NoBundleCandidateError('No policy bundle was scanned or imported.', {
          hint: 'Scan the bundle QR or import its file on the Policy screen.',
        })
      try {
        const verification = await state.installBundle(candidate)
        candidate = undefined
        return policyView(
          `${verification.sameAsInstalled ? 'Already installed' : 'Installed'}: version ${verification.version}.`,
        )
      } catch (error) {
        if (!isBaseError(error)) throw error
        return policyView(`Not installed: ${error.shortMessage}`)
      }
    },

    close: () => state.close(),
  }

  // What the Sign screen shows for a decision; a released one is kept for the Answer screen.
  function signView(result: ApproveResult): SignView {
    switch (result.status) {
      case 'released':
        released = result
        return {
          status: 'released',
          kind: result.kind,
          signer: result.response.signer,
          safeTxHash: result.response.safeTxHash,
        }
      case 'refused':
        return {
          status: 'refused',
          refusals: result.refusals.map((r) => ({ code: r.code, source: r.source, message: r.message })),
        }
      case 'device-error':
        return { status: 'device-error', outcome: outcomeView(result.failure) }
      default: {
        const never: never = result
        return never
      }
    }
  }

  async function policyView(message: string | undefined): Promise<PolicyView> {
    const installed = state.signer.installed
    let view: PolicyView['candidate']
    if (candidate !== undefined) {
      const v = await Bundle.verify(candidate, { cedar, installed: installed?.bundle })
      view = {
        valid: v.valid,
        version: v.version,
        hash: v.hash,
        signers: [...v.signers],
        issues: v.issues.map((i) => `${i.code}: ${i.message}`),
        changes: changes(installed?.bundle, candidate),
      }
    }
    return {
      installed: installed && {
        version: installed.version,
        hash: installed.hash,
        admins: [...installed.org.admins.addresses],
        threshold: installed.org.admins.threshold,
      },
      candidate: view,
      message,
    }
  }
}

/**
 * Records a use of the air-gap override in the decision log (event `air-gap-override`): a start with
 * the override (`started`) or a release while a network was up (`signed-networked`), with what was up.
 * Stamped with the clock, or the last entry's time if the clock reads earlier (the log never runs
 * backwards; the signer itself refuses to sign on such a clock).
 *
 * @example
 * await logAirGapOverride({ log: state.log, decision: 'started', up: ['wlan0 192.168.1.7'] })
 */
export async function logAirGapOverride({
  log,
  clock = () => new Date(),
  decision,
  up,
  safeTxHash,
  kind,
}: {
  log: StateDir['log']
  clock?: (() => Date) | undefined
  decision: 'started' | 'signed-networked'
  up: readonly string[]
  safeTxHash?: `0x${string}` | undefined
  kind?: string | undefined
}): Promise<AuditEntry.Entry> {
  const last = log.entries.at(-1)
  const time = new Date(Math.max(clock().getTime(), last ? Date.parse(last.time) : 0)).toISOString()
  const what =
    decision === 'started'
      ? `started with ${airGapOverrideFlag}: signing is allowed while a network is up`
      : `released a ${kind ?? 'signature'} under ${airGapOverrideFlag} while a network was up`
  return log.append(
    {
      event: 'air-gap-override',
      decision,
      ...(safeTxHash ? { safeTxHash } : {}),
      reasons: [what, `up: ${up.join(', ') || 'nothing'}`],
      data: { up: [...up], ...(kind ? { kind } : {}) },
    },
    { time },
  )
}

/** The density control's steps (QrDensity's -3..3): a step is about 4 QR versions. */
const densityStep: Record<Density, number> = { dense: 1, medium: 0, sparse: -1 }

/**
 * The signature (or attestation) as an animated QR from QrSender: for Airlock's own types a dense and
 * a sparse fountain session of the same message interleaved, so the coordinator's camera completes at
 * its own best rate; the density control moves both sessions a step denser or sparser.
 *
 * @example
 * answerView({ ur: SignatureResponse.toUr(response), density: 'medium', kind: 'safe-signature' })
 */
export function answerView({
  ur,
  density,
  kind,
}: {
  ur: { type: string; payload: Uint8Array }
  density: Density
  kind: string
}): AnswerView {
  const sender = QrSender.create({ type: ur.type, payload: ur.payload, step: densityStep[density] })
  return framesView({ sender, ur, density, kind })
}

/**
 * A Keystone request as the Keystone reads it: QrSender's single session on the standard part schedule
 * its peeling decoder needs, at Keystone's own density (200-byte fragments at 5 fps).
 *
 * @example
 * keystoneView({ ur: asked.ur })
 */
export function keystoneView({ ur }: { ur: { type: string; payload: Uint8Array } }): AnswerView {
  const sender = QrSender.create({ type: ur.type, payload: ur.payload, step: 0, interleave: false })
  return framesView({ sender, ur, density: 'medium', kind: 'keystone-request' })
}

// One loop of the sender's stream (texts and QR layouts: the window draws them), and the sessions it interleaves (read off the
// frames themselves, so every session QrSender adds is described).
function framesView({
  sender,
  ur,
  density,
  kind,
}: {
  sender: QrSender.QrSender
  ur: { payload: Uint8Array }
  density: Density
  kind: string
}): AnswerView {
  const shown = loopOf(sender)
  const sessions = new Map<string, AnswerView['sessions'][number]>()
  for (const frame of shown) {
    if (sessions.has(frame.session)) continue
    const fragments = fragmentsOf(frame.text)
    sessions.set(frame.session, {
      session: frame.session,
      version: frame.version,
      fragments,
      // bc-ur splits a message into equal fragments.
      fragmentBytes: Math.ceil(ur.payload.length / fragments),
    })
  }
  return {
    kind,
    frames: shown.map((frame) => ({ part: frame.text, version: frame.version, ecLevel: frame.ecLevel })),
    parts: shown.map((frame) => frame.text),
    sessions: [...sessions.values()],
    density,
    fps: sender.fps,
  }
}

// A bound on the frames pre-rendered (a 12 KiB receipt at the sparsest density needs far fewer).
const MAX_LOOP = 2_000

// The frames of a loop the screen repeats: the sender's own `loopLength` (whole interleaving rounds in
// which every session shows each of its fragments at least twice, so the pattern holds across the
// wrap and a camera that reads only one session still completes). A static code is one frame.
function loopOf(sender: QrSender.QrSender): QrSender.Frame[] {
  const frames: QrSender.Frame[] = []
  const length = sender.isStatic ? 1 : Math.min(sender.loopLength, MAX_LOOP)
  while (frames.length < length) frames.push(sender.next())
  return frames
}

// The fragment count a UR part names (`UR:TYPE/SEQ-COUNT/…`); 1 for a single-part UR.
function fragmentsOf(part: string): number {
  const count = /^ur:[^/]+\/\d+-(\d+)\//i.exec(part)?.[1]
  return count === undefined ? 1 : Number(count)
}

function logEntryView(entry: AuditEntry.Entry): LogEntryView {
  const data = (entry.data ?? {}) as { safe?: unknown; nonce?: unknown; chainId?: unknown }
  return {
    seq: entry.seq,
    time: entry.time,
    event: entry.event,
    decision: entry.decision,
    safe: typeof data.safe === 'string' ? data.safe : undefined,
    nonce: typeof data.nonce === 'string' ? data.nonce : undefined,
    safeTxHash: entry.safeTxHash,
    reasons: entry.reasons ?? [],
  }
}

function matches(e: LogEntryView, { kind = 'all', safe, nonce }: LogFilter): boolean {
  // A refusal is a refused approval, or a review that ended in "would refuse" (nothing was asked of a key).
  if (kind === 'refusals' && e.event !== 'refused' && e.decision !== 'would-refuse') return false
  if (kind === 'signatures' && e.event !== 'signed') return false
  if (kind === 'overrides' && e.event !== 'air-gap-override') return false
  if (safe && !(e.safe ?? '').toLowerCase().includes(safe.trim().toLowerCase())) return false
  if (nonce && e.nonce !== nonce.trim()) return false
  return true
}

// What changes from the installed bundle to the candidate, in lines a security lead can check.
function changes(installed: Bundle.Bundle | undefined, input: unknown): string[] {
  let next: Bundle.Bundle
  try {
    next = Bundle.parse(input)
  } catch {
    return []
  }
  if (!installed) return ['Nothing installed yet: everything is new.']
  const lines: string[] = []
  if (next.version !== installed.version) lines.push(`version ${installed.version} → ${next.version}`)
  const names = new Set([...Object.keys(installed.policies), ...Object.keys(next.policies)])
  for (const name of [...names].sort()) {
    const a = installed.policies[name]
    const b = next.policies[name]
    if (a === undefined) lines.push(`policy ${name} added`)
    else if (b === undefined) lines.push(`policy ${name} removed`)
    else if (a !== b) lines.push(`policy ${name} changed`)
  }
  const orgA = (installed.org ?? {}) as Record<string, unknown>
  const orgB = (next.org ?? {}) as Record<string, unknown>
  for (const key of [...new Set([...Object.keys(orgA), ...Object.keys(orgB)])].sort()) {
    if (JSON.stringify(orgA[key]) !== JSON.stringify(orgB[key])) lines.push(`org ${key} changed`)
  }
  if (next.schema !== installed.schema) lines.push('Cedar schema changed')
  if (lines.length === 0) lines.push('No change.')
  return lines
}

function hintOf(error: { details?: unknown; message: string }): string {
  const hint = (error as { hint?: unknown }).hint
  return typeof hint === 'string' ? hint : 'Scan the code again.'
}
