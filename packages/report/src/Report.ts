/**
 * The security lead's report: several signers' logs merged, each verified (chain, signatures, the
 * heads witnessed for it), into one model that the HTML, CSV and JSON forms print.
 *
 * Nothing in a log is taken on trust: a log that fails verification contributes only its verified
 * prefix, and the failure is an anomaly; a log whose key is not among the enrolled keys given is one
 * too. Amounts stay in base units as decimal strings; the HTML adds units where the org config says.
 */
import { type AuditEntry, AuditKey, type HeadCheck, TreeHead, verify } from '@airlock/audit-log'
import { Json } from '@airlock/errors'

/** One signer's log as handed to the report. */
export type LogInput = {
  /** How the report names this log (e.g. its file path). */
  name: string
  text: string
}

/** An asset as the org config names it, for units and the velocity cap. */
export type AssetInfo = {
  chainId: number
  /** Lowercase token address, or `native`. */
  address: string
  id: string
  decimals: number
  /** The epoch cap in base units and its window, if the policy sets one. */
  cap: { amount: bigint; seconds: number } | undefined
}

export type Anomaly = {
  signer: string
  kind:
    | 'verify-failed'
    | 'key-not-enrolled'
    | 'key-not-pinned'
    | 'truncated'
    | 'forked'
    | 'forged-head'
    | 'no-witnessed-head'
    | 'clock-anomaly'
    | 'log-recovered'
    | 'air-gap-override'
    | 'device-error'
    | 'breaker-tripped'
  severity: 'critical' | 'warning' | 'info'
  detail: string
  time: string | undefined
}

export type SignerSummary = {
  name: string
  keyId: string
  entries: number
  verified: boolean
  firstBad: { seq: number; reason: string; message: string } | undefined
  heads: { size: number; time: string; status: HeadCheck['status'] }[]
  firstTime: string | undefined
  lastTime: string | undefined
  signed: number
  refused: number
  policies: { time: string; version: number | undefined; hash: string | undefined }[]
  deviceErrors: number
  breakerTrips: number
}

export type TimelineRow = {
  time: string
  signer: string
  seq: number
  event: AuditEntry.Event
  decision: string | undefined
  kind: string | undefined
  chainId: number | undefined
  safe: string | undefined
  nonce: string | undefined
  tier: string | undefined
  safeTxHash: string | undefined
  reasons: readonly string[]
  outflows: { asset: string; amount: string; to: string }[]
}

export type VelocitySeries = {
  /** `chainId:address`. */
  key: string
  label: string
  decimals: number
  cap: { amount: string; seconds: number } | undefined
  /** Released Safe signatures, oldest first, with the running total in base units. */
  points: { time: string; amount: string; total: string; signer: string }[]
}

export type ReportModel = {
  generatedAt: string
  /** Units for amounts, by `chainId:address` (from the org config given). */
  units: Record<string, { id: string; decimals: number }>
  signers: SignerSummary[]
  anomalies: Anomaly[]
  timeline: TimelineRow[]
  refusalReasons: { reason: string; count: number }[]
  velocity: VelocitySeries[]
}

const severityOrder = { critical: 0, warning: 1, info: 2 } as const

/**
 * Builds the report from logs, the heads witnessed for them and (optionally) the enrolled keys and
 * the org's assets.
 *
 * @example
 * const model = Report.build({ logs: [{ name: 'alice.jsonl', text }], heads, enrolledKeys: [publicKey] })
 */
export function build({
  logs,
  heads = [],
  enrolledKeys,
  assets = [],
  now = new Date(),
}: {
  logs: readonly LogInput[]
  heads?: readonly TreeHead.TreeHead[] | undefined
  /** The signers' audit public keys from their enrolment; without them each log's own key is used. */
  enrolledKeys?: readonly Uint8Array[] | undefined
  assets?: readonly AssetInfo[] | undefined
  now?: Date | undefined
}): ReportModel {
  const anomalies: Anomaly[] = []
  const signers: SignerSummary[] = []
  const timeline: TimelineRow[] = []
  for (const log of logs) {
    const summary = summarize(log, { heads, enrolledKeys, anomalies, timeline })
    signers.push(summary)
  }
  timeline.sort((a, b) => a.time.localeCompare(b.time) || a.signer.localeCompare(b.signer) || a.seq - b.seq)
  anomalies.sort(
    (a, b) =>
      severityOrder[a.severity] - severityOrder[b.severity] || (a.time ?? '').localeCompare(b.time ?? ''),
  )
  return {
    generatedAt: now.toISOString(),
    units: Object.fromEntries(
      assets.map((a) => [`${a.chainId}:${a.address.toLowerCase()}`, { id: a.id, decimals: a.decimals }]),
    ),
    signers,
    anomalies,
    timeline,
    refusalReasons: refusalReasons(timeline),
    velocity: velocity(timeline, assets),
  }
}

function summarize(
  log: LogInput,
  {
    heads,
    enrolledKeys,
    anomalies,
    timeline,
  }: {
    heads: readonly TreeHead.TreeHead[]
    enrolledKeys: readonly Uint8Array[] | undefined
    anomalies: Anomaly[]
    timeline: TimelineRow[]
  },
): SignerSummary {
  const flag = (kind: Anomaly['kind'], severity: Anomaly['severity'], detail: string, time?: string) =>
    anomalies.push({ signer: log.name, kind, severity, detail, time })
  const declared = declaredKey(log.text)
  let publicKey: Uint8Array | undefined
  if (enrolledKeys === undefined) {
    publicKey = declared
    flag(
      'key-not-pinned',
      'info',
      'No enrolled keys were given: the log was checked against the key it declares itself.',
    )
  } else {
    publicKey = enrolledKeys.find(
      (key) => declared !== undefined && AuditKey.toHex(key) === AuditKey.toHex(declared),
    )
    if (publicKey === undefined) {
      flag(
        'key-not-enrolled',
        'critical',
        'The log is signed by a key that is not among the enrolled signer keys.',
      )
      publicKey = declared
    }
  }
  const result = publicKey
    ? verify(log.text, { publicKey })
    : {
        ok: false,
        entries: [],
        head: undefined,
        firstBad: {
          line: 1,
          seq: 0,
          reason: 'malformed',
          message: 'The log does not start with a log-opened entry.',
        },
      }
  const keyId = publicKey ? AuditKey.id(publicKey) : 'unknown'
  if (!result.ok && result.firstBad) {
    flag(
      'verify-failed',
      'critical',
      `Entry ${result.firstBad.seq} (line ${result.firstBad.line}): ${result.firstBad.message} Only the ${result.entries.length} entries before it are in this report.`,
    )
  }
  const mine = publicKey ? heads.filter((h) => h.keyId === keyId) : []
  const checks = publicKey && mine.length > 0 ? TreeHead.check({ log: log.text, heads: mine, publicKey }) : []
  for (const check of checks) {
    const at = `the head of ${check.head.size} entries signed ${check.head.time}`
    if (check.status === 'truncated')
      flag(
        'truncated',
        'critical',
        `The log has ${check.logSize} entries but ${at}: its tail was cut off.`,
        check.head.time,
      )
    if (check.status === 'forked')
      flag(
        'forked',
        'critical',
        `The first ${check.head.size} entries have another root than ${at}: edited or forked.`,
        check.head.time,
      )
    if (check.status === 'bad-signature')
      flag(
        'forged-head',
        'warning',
        `A head claiming this log's key is not signed by it (${check.head.size} entries).`,
        check.head.time,
      )
  }
  if (publicKey && mine.length === 0) {
    flag(
      'no-witnessed-head',
      'info',
      'No witnessed head was given for this log: a cut tail could not be seen.',
    )
  }
  const summary: SignerSummary = {
    name: log.name,
    keyId,
    entries: result.entries.length,
    verified: result.ok,
    firstBad: result.firstBad
      ? { seq: result.firstBad.seq, reason: result.firstBad.reason, message: result.firstBad.message }
      : undefined,
    heads: checks.map((c) => ({ size: c.head.size, time: c.head.time, status: c.status })),
    firstTime: result.entries[0]?.time,
    lastTime: result.entries[result.entries.length - 1]?.time,
    signed: 0,
    refused: 0,
    policies: [],
    deviceErrors: 0,
    breakerTrips: 0,
  }
  for (const entry of result.entries) {
    const row = rowOf(log.name, entry)
    timeline.push(row)
    switch (entry.event) {
      case 'signed':
        summary.signed++
        break
      case 'refused':
        summary.refused++
        break
      case 'policy-imported':
        summary.policies.push({
          time: entry.time,
          version: typeof entry.data?.version === 'number' ? entry.data.version : undefined,
          hash: entry.policyBundleHash,
        })
        break
      case 'device-error':
        summary.deviceErrors++
        flag('device-error', 'warning', entry.reasons?.join('; ') ?? 'A device failed.', entry.time)
        break
      case 'breaker-tripped':
        summary.breakerTrips++
        flag(
          'breaker-tripped',
          'warning',
          entry.reasons?.join('; ') ?? 'The circuit breaker tripped.',
          entry.time,
        )
        break
      case 'clock-anomaly':
      // Started with the air-gap override, or released a signature with a network up.
      case 'air-gap-override':
        flag(entry.event, 'warning', entry.reasons?.join('; ') ?? entry.decision ?? entry.event, entry.time)
        break
      case 'log-recovered':
        flag('log-recovered', 'warning', entry.reasons?.join('; ') ?? 'A torn tail was repaired.', entry.time)
        break
      case 'log-opened':
      case 'reviewed':
      case 'breaker-reset':
        break
      default: {
        const never: never = entry.event
        throw new Error(`unhandled event ${String(never)}`)
      }
    }
  }
  return summary
}

/** The key the log's first entry declares (or undefined when it has none). */
function declaredKey(text: string): Uint8Array | undefined {
  const first = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'))
  try {
    // A log line is outside input: bounded like every untrusted JSON.
    const entry = Json.parse(first) as { event?: unknown; publicKey?: unknown }
    if (entry.event !== 'log-opened' || typeof entry.publicKey !== 'string') return undefined
    return AuditKey.fromHex(entry.publicKey)
  } catch {
    return undefined
  }
}

function rowOf(signer: string, entry: AuditEntry.Entry): TimelineRow {
  const data = (entry.data ?? {}) as Record<string, unknown>
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const outflows = Array.isArray(data.outflows)
    ? (data.outflows as Record<string, unknown>[])
        .filter((o) => o && typeof o === 'object')
        .map((o) => ({ asset: String(o.asset), amount: String(o.amount), to: String(o.to) }))
    : []
  return {
    time: entry.time,
    signer,
    seq: entry.seq,
    event: entry.event,
    decision: entry.decision,
    kind: str(data.kind),
    chainId: typeof data.chainId === 'number' ? data.chainId : undefined,
    safe: str(data.safe),
    nonce: str(data.nonce),
    tier: str(data.tier),
    safeTxHash: entry.safeTxHash,
    reasons: entry.reasons ?? [],
    outflows,
  }
}

function refusalReasons(timeline: readonly TimelineRow[]): { reason: string; count: number }[] {
  const counts = new Map<string, number>()
  for (const row of timeline) {
    if (row.event !== 'refused') continue
    for (const reason of row.reasons.length > 0 ? row.reasons : ['(no reason recorded)']) {
      // Reasons carry the rule or code first ("code: sentence"); group by it.
      const key = reason.split(/[:—]/)[0]!.trim().slice(0, 80)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count)
}

/**
 * Only released Safe signatures move funds; attestations and refusals do not. A transaction signed by
 * several signers leaves once, so each safeTxHash counts once (at its first release). With a cap the
 * total is what fell inside the cap's trailing window at each point; without one, the running sum.
 */
function velocity(timeline: readonly TimelineRow[], assets: readonly AssetInfo[]): VelocitySeries[] {
  const series = new Map<string, VelocitySeries & { window: { ms: number; amount: bigint }[] }>()
  const counted = new Set<string>()
  for (const row of timeline) {
    if (row.event !== 'signed' || row.kind !== 'safe-signature' || row.chainId === undefined) continue
    if (row.safeTxHash !== undefined) {
      if (counted.has(row.safeTxHash)) continue
      counted.add(row.safeTxHash)
    }
    // One point per transaction and asset: a payroll of fifty transfers is one step, not fifty.
    const perAsset = new Map<string, bigint>()
    for (const outflow of row.outflows) {
      if (!/^\d{1,78}$/.test(outflow.amount)) continue
      const key = `${row.chainId}:${outflow.asset.toLowerCase()}`
      perAsset.set(key, (perAsset.get(key) ?? 0n) + BigInt(outflow.amount))
    }
    for (const [key, amount] of perAsset) {
      let s = series.get(key)
      if (!s) {
        const info = assets.find((a) => `${a.chainId}:${a.address.toLowerCase()}` === key)
        const asset = key.slice(key.indexOf(':') + 1)
        s = {
          key,
          label: info ? `${info.id} (chain ${row.chainId})` : `${asset} (chain ${row.chainId})`,
          decimals: info?.decimals ?? (asset === 'native' ? 18 : 0),
          cap: info?.cap ? { amount: info.cap.amount.toString(), seconds: info.cap.seconds } : undefined,
          points: [],
          window: [],
        }
        series.set(key, s)
      }
      const ms = Date.parse(row.time)
      s.window.push({ ms, amount })
      const from = s.cap ? ms - s.cap.seconds * 1000 : Number.NEGATIVE_INFINITY
      const total = s.window.filter((w) => w.ms > from).reduce((sum, w) => sum + w.amount, 0n)
      s.points.push({
        time: row.time,
        amount: amount.toString(),
        total: total.toString(),
        signer: row.signer,
      })
    }
  }
  return [...series.values()].map(({ window: _window, ...rest }) => rest)
}
