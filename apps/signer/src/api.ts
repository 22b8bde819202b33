// The signer app's one API between the renderer and the main process: method names, parameters and
// view models. Process-free: the preload exposes it over IPC, main implements it with `handlers.ts`,
// and the tests provide the same handlers to Chromium. Everything here is JSON (no bigint, no bytes),
// so it crosses Electron IPC and Playwright bindings unchanged.
import type { MessageApi } from './messageHandlers.ts'

export type {
  MessagePermitView,
  MessageReviewResult,
  MessageReviewView,
  MessageSignView,
} from './messageView.ts'

/** Which key signs. */
export type DeviceChoice = 'software' | 'ledger' | 'keystone'

/** Air-gap state, shown on every screen. */
export type AirGapView = {
  /** No non-loopback interface is up. */
  isolated: boolean
  /** Interfaces that are up and not loopback, e.g. `wlan0 192.168.1.5`. */
  up: readonly string[]
  /** Started with the explicit override: signing is allowed while connected (logged, and shown). */
  override: boolean
  /** Signing is allowed as far as the air gap goes. */
  maySign: boolean
}

export type StatusView = {
  airGap: AirGapView
  policy: { version: number; hash: string } | undefined
  /** Devices the installed policy allows (the software test key only where it says so). */
  devices: readonly { device: DeviceChoice; allowed: boolean; note: string }[]
  logEntries: number
}

/** What the camera loop learned about one frame, besides the QR texts it found. */
export type FrameMetrics = {
  /** Share of near-white pixels (0–1): high means glare or an over-exposed screen. */
  glare: number
  /** A code was found but only light-on-dark. */
  inverted: boolean
  /** Height of the code found, as a share of the frame height. */
  codeShare: number | undefined
}

export type ScanHint =
  | 'no-code'
  | 'glare'
  | 'inverted'
  | 'too-small'
  | 'wrong-type'
  | 'another-session'
  | 'damaged'
  | 'slow-down'

/** What a scan is for: the coordinator's request, a policy bundle, or the Keystone's signature. */
export type ScanKind = 'request' | 'policy' | 'keystone'

export type ScanView = {
  /** What this scan is for. */
  expect: ScanKind
  /** Distinct parts received and parts the message needs (0 before the first part). */
  received: number
  needed: number
  percent: number
  framesSeen: number
  /** Frames with a code that could not be used (not a UR, wrong type, damaged). */
  framesUnusable: number
  /** Camera frames with no readable code at all. */
  framesUnreadable: number
  hints: readonly { hint: ScanHint; message: string }[]
  complete: boolean
  /** A problem that ended the scan (the request could not be read). */
  error: { message: string; hint: string } | undefined
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info'

/** One argument leaf in full (struct fields and array elements each their own, e.g. `params.recipient`). */
export type ArgView = {
  name: string
  type: string
  value: string
  /** The label of a known address (installed org config, Safe deployments, `this Safe`). */
  label: string | undefined
  /** An amount in the asset's units, next to the base units in `value`. */
  note: string | undefined
}

export type CallView = {
  path: string
  depth: number
  operation: 'CALL' | 'DELEGATECALL'
  origin: string
  to: string
  label: string | undefined
  value: string
  kind: 'native-transfer' | 'function' | 'unknown'
  method: string | undefined
  signature: string | undefined
  args: readonly ArgView[]
  /** What the call does, in words (transfer of 5 USDC to …). */
  action: string | undefined
  unknownReason: string | undefined
  canonical: boolean
}

export type BarView = {
  label: string
  used: string
  after: string
  limit: string
  remaining: string
  /** 0–100 of the limit, before and after this request. */
  usedPercent: number
  afterPercent: number
  exceeds: boolean
}

export type ReviewView = {
  requestId: string
  safe: { address: string; label: string | undefined }
  chainId: string
  safeVersion: string
  nonce: string
  signer: { address: string; keyKind: string }
  hashes: { domainHash: string; messageHash: string; safeTxHash: string; binaryStringLiteral: string }
  /**
   * For an owner Safe's approveHash carrying the approved transaction: that Safe's transaction, its
   * hashes recomputed here and whether they match the hash approved (its calls are under `calls`).
   */
  approves?:
    | {
        safe: string
        safeVersion: string
        nonce: string
        hashes: { domainHash: string; messageHash: string; safeTxHash: string }
        approvedHash: string | undefined
        matches: boolean
      }
    | undefined
  tx: {
    to: string
    value: string
    operation: string
    data: string
    safeTxGas: string
    baseGas: string
    gasPrice: string
    gasToken: string
    refundReceiver: string
  }
  calls: readonly CallView[]
  findings: readonly { code: string; severity: Severity; reason: string; where: string | undefined }[]
  tier: string | undefined
  tierReasons: readonly string[]
  stage: 'signature' | 'attestation'
  verdict: 'sign' | 'attest' | 'refuse'
  refusals: readonly { code: string; source: string; message: string }[]
  policy:
    | {
        decision: 'allow' | 'deny'
        reasons: readonly { policyId: string; effect: string; message: string }[]
      }
    | undefined
  velocity: readonly BarView[]
  breaker:
    | {
        tripped: boolean
        reasons: readonly string[]
        /** Share of a treasury leaving in the window with this request, and where the breaker trips (bps). */
        windowBps: number
        windowLimitBps: number | undefined
        consecutiveLarge: number
        consecutiveLimit: number | undefined
      }
    | undefined
  outflows: readonly { asset: string; amount: string; to: string }[]
  approvals: { owners: readonly string[]; required: number | undefined } | undefined
  delay: { firstSeen: string; ageSeconds: number; requiredSeconds: number } | undefined
  prior: readonly { kind: string; safeTxHash: string; time: string }[]
  replacement: { isReplacement: boolean; acknowledged: boolean }
  untrusted: { title: string; description: string; claimedTier: string | undefined; tierMismatch: boolean }
  /** What the chosen device will show, screen by screen. */
  deviceShows: readonly { screen: string; value: string }[]
  device: DeviceChoice
  policyBundle: { version: number; hash: string } | undefined
}

export type ReviewResult =
  | { status: 'reviewed'; review: ReviewView }
  /** The chosen device could not say who signs (unplugged, locked, wrong app …). */
  | { status: 'device-error'; outcome: DeviceOutcomeView }

export type DeviceOutcomeView = {
  code: string
  severity: 'info' | 'warning' | 'error' | 'critical'
  message: string
  /** What to do now. */
  hint: string
}

export type SignView =
  | {
      status: 'released'
      kind: 'safe-signature' | 'approval-attestation'
      signer: string
      safeTxHash: string
    }
  | { status: 'refused'; refusals: readonly { code: string; source: string; message: string }[] }
  | { status: 'device-error'; outcome: DeviceOutcomeView }
  | { status: 'air-gap'; message: string }
  /** Keystone, first trip: show this code to the Keystone, then scan its signature back. */
  | {
      status: 'keystone-requested'
      kind: 'safe-signature' | 'approval-attestation'
      requestId: string
      owner: string
      path: string
      show: AnswerView
    }

export type Density = 'dense' | 'medium' | 'sparse'

export type AnswerView = {
  kind: string
  /**
   * Each frame of the animated code, shown in turn: its UR part and the QR version and level to draw
   * it at (each session's frames keep one size). The window draws them; main sends text, not images.
   */
  frames: readonly { part: string; version: number; ecLevel: 'L' | 'M' | 'Q' | 'H' }[]
  /** UR parts shown (for copying or a text export). */
  parts: readonly string[]
  /**
   * The fountain sessions the frames interleave, in the order they first show: a dense one (a 720p
   * camera reads it), a sparse one (a 640×480 camera), a sparsest one (a far or blurry camera), or a
   * single one (a static code, or a stream another wallet reads).
   */
  sessions: readonly {
    session: 'dense' | 'sparse' | 'sparsest' | 'single'
    /** QR version of its frames. */
    version: number
    fragments: number
    fragmentBytes: number
  }[]
  density: Density
  /** The sender's frame rate (the speed control starts here). */
  fps: number
}

export type LogFilter = {
  /** `overrides`: the air-gap override's entries (starts with it, releases while a network was up). */
  kind?: 'all' | 'refusals' | 'signatures' | 'overrides' | undefined
  safe?: string | undefined
  nonce?: string | undefined
}

export type LogEntryView = {
  seq: number
  time: string
  event: string
  decision: string | undefined
  safe: string | undefined
  nonce: string | undefined
  safeTxHash: string | undefined
  reasons: readonly string[]
}

export type LogView = { total: number; entries: readonly LogEntryView[] }

export type VerifyView = {
  ok: boolean
  checked: number
  total: number
  message: string
}

export type PolicyView = {
  installed: { version: number; hash: string; admins: readonly string[]; threshold: number } | undefined
  candidate:
    | {
        valid: boolean
        version: number | undefined
        hash: string | undefined
        signers: readonly string[]
        issues: readonly string[]
        /** What changes from the installed bundle, one line each. */
        changes: readonly string[]
      }
    | undefined
  message: string | undefined
}

/** The API the preload exposes as `window.airlock`: every method is one IPC round trip. */
export type SignerApi = {
  status(): Promise<StatusView>
  scanStart(parameters: { expect: ScanKind }): Promise<ScanView>
  scanFrame(parameters: { texts: readonly string[]; metrics: FrameMetrics }): Promise<ScanView>
  /** A request or bundle from a file: UR parts (one per line) or, for a bundle, its JSON. */
  importText(parameters: { expect: ScanKind; text: string }): Promise<ScanView>
  review(parameters: { device: DeviceChoice; acknowledgeReplacement: boolean }): Promise<ReviewResult>
  sign(parameters: { device: DeviceChoice; acknowledgeReplacement: boolean }): Promise<SignView>
  /** Keystone, second trip: decides again with the signature scanned back (`scanStart({ expect: 'keystone' })`). */
  completeKeystone(parameters: { acknowledgeReplacement: boolean }): Promise<SignView>
  answer(parameters: { density: Density }): Promise<AnswerView>
  log(parameters: LogFilter): Promise<LogView>
  verifyLog(): Promise<VerifyView>
  exportLog(): Promise<{ fileName: string; text: string }>
  policy(): Promise<PolicyView>
  installPolicy(): Promise<PolicyView>
} & MessageApi

/** The methods, in one list: the preload, main's IPC registration and the tests iterate it. */
export const methods = [
  'status',
  'scanStart',
  'scanFrame',
  'importText',
  'review',
  'sign',
  'completeKeystone',
  'answer',
  'log',
  'verifyLog',
  'exportLog',
  'policy',
  'installPolicy',
  'messagePending',
  'messageReview',
  'messageSign',
  'messageAnswer',
] as const satisfies readonly (keyof SignerApi)[]

export type Method = (typeof methods)[number]

/** The IPC channel of a method. */
export const channel = (method: Method): string => `airlock:${method}`
