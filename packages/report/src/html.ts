/**
 * The report as one self-contained HTML file: styles, data and Chart.js inline, a CSP that allows no
 * network at all, every text from a log escaped. It opens offline, from a USB stick, in any browser.
 */
import { printable } from '@airlock/errors'
import { formatUnits } from 'viem'
import type { ReportModel, VelocitySeries } from './Report.ts'

const escapeHtml = (text: string): string =>
  printable(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

/** JSON inside a <script> element: no "</script>", no HTML comment openers, no line separators. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')

const units = (amount: string, decimals: number) => {
  try {
    return formatUnits(BigInt(amount), decimals)
  } catch {
    return amount
  }
}

const short = (text: string | undefined, n = 10) =>
  text === undefined ? '' : text.length > n * 2 ? `${text.slice(0, n + 2)}…${text.slice(-6)}` : text

/**
 * Renders the model. `chartJs` is the Chart.js UMD source (`Report.chartJsSource()` in Node), inlined
 * so the file needs nothing else.
 *
 * @example
 * writeFileSync('report.html', Report.html(model, { chartJs: chartJsSource() }))
 */
export function html(model: ReportModel, { chartJs }: { chartJs: string }): string {
  const critical = model.anomalies.filter((a) => a.severity === 'critical').length
  const signed = model.signers.reduce((n, s) => n + s.signed, 0)
  const refused = model.signers.reduce((n, s) => n + s.refused, 0)
  const status =
    critical > 0
      ? `<p class="banner bad" role="alert">${critical} critical finding(s): see Anomalies below.</p>`
      : '<p class="banner good">Every log verified; no critical anomaly.</p>'
  const charts = {
    decisions: decisionsPerHour(model),
    reasons: model.refusalReasons.slice(0, 15),
    velocity: model.velocity.map((s) => velocityChart(s)),
  }
  // Chart.js is plain JS inside a <script>: it must not contain a closing tag (it does not; checked).
  const chartSource = chartJs.replace(/<\/script/gi, '<\\/script')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Airlock signer logs report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#14213d;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#d6dbe4}
main{padding:16px 24px;max-width:1200px}section{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 8px}table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e4e7eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f2f5}.banner{padding:10px 14px;border-radius:6px;font-weight:600;margin:0 0 16px}.bad{background:#fde2e1;color:#8a1c15;border:1px solid #f3b4b0}
.good{background:#e3f4e8;color:#165a2b;border:1px solid #b1dfc0}.sev-critical{color:#8a1c15;font-weight:700}.sev-warning{color:#7a4b00;font-weight:600}.sev-info{color:#44505c}
.ev-refused{color:#8a1c15}.ev-signed{color:#165a2b}.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}.chart{position:relative;height:260px}
code{font:12px ui-monospace,monospace;word-break:break-all}.kpis{display:flex;gap:24px;margin:0 0 8px}.kpis div{font-size:13px}.kpis b{display:block;font-size:22px}
</style>
</head>
<body>
<header><h1>Airlock signer logs report</h1><p>Generated ${escapeHtml(model.generatedAt)} from ${model.signers.length} log(s). Everything below was verified by this report, not read on trust.</p></header>
<main>
${status}
<section aria-labelledby="s-summary"><h2 id="s-summary">Signers</h2>
<div class="kpis"><div><b>${signed}</b>signatures and attestations released</div><div><b>${refused}</b>refusals</div><div><b>${model.anomalies.length}</b>anomalies</div></div>
<table><thead><tr><th scope="col">Log</th><th scope="col">Key</th><th scope="col">Entries</th><th scope="col">Verified</th><th scope="col">Witnessed heads</th><th scope="col">From – to</th><th scope="col">Signed / refused</th><th scope="col">Policy versions</th><th scope="col">Device errors</th><th scope="col">Breaker trips</th></tr></thead><tbody>
${model.signers
  .map(
    (s) =>
      `<tr><td>${escapeHtml(s.name)}</td><td><code>${escapeHtml(s.keyId)}</code></td><td>${s.entries}</td><td>${
        s.verified
          ? 'yes'
          : `<span class="sev-critical">no: entry ${s.firstBad?.seq} (${escapeHtml(s.firstBad?.reason ?? '')})</span>`
      }</td><td>${
        s.heads.length === 0
          ? 'none given'
          : s.heads
              .map(
                (h) =>
                  `${h.size}: ${h.status === 'ok' ? 'ok' : `<span class="sev-critical">${escapeHtml(h.status)}</span>`}`,
              )
              .join('<br>')
      }</td><td>${escapeHtml(s.firstTime ?? '')}<br>${escapeHtml(s.lastTime ?? '')}</td><td>${s.signed} / ${s.refused}</td><td>${
        s.policies
          .map((p) => `v${p.version ?? '?'} <code>${escapeHtml(short(p.hash))}</code> ${escapeHtml(p.time)}`)
          .join('<br>') || '—'
      }</td><td>${s.deviceErrors}</td><td>${s.breakerTrips}</td></tr>`,
  )
  .join('\n')}
</tbody></table></section>
<section aria-labelledby="s-anomalies"><h2 id="s-anomalies">Anomalies (most severe first)</h2>
${
  model.anomalies.length === 0
    ? '<p>None.</p>'
    : `<table><thead><tr><th scope="col">Severity</th><th scope="col">Log</th><th scope="col">What</th><th scope="col">Detail</th><th scope="col">Time</th></tr></thead><tbody>${model.anomalies
        .map(
          (a) =>
            `<tr><td class="sev-${a.severity}">${a.severity}</td><td>${escapeHtml(a.signer)}</td><td>${escapeHtml(a.kind)}</td><td>${escapeHtml(a.detail)}</td><td>${escapeHtml(a.time ?? '')}</td></tr>`,
        )
        .join('\n')}</tbody></table>`
}</section>
<div class="grid">
<section aria-labelledby="s-decisions"><h2 id="s-decisions">Approvals and refusals over time</h2><div class="chart"><canvas id="c-decisions" role="img" aria-label="Signatures released and refusals per hour"></canvas></div></section>
<section aria-labelledby="s-reasons"><h2 id="s-reasons">Why requests were refused</h2><div class="chart"><canvas id="c-reasons" role="img" aria-label="Refusals by reason"></canvas></div></section>
</div>
<section aria-labelledby="s-velocity"><h2 id="s-velocity">Velocity used per asset against its cap</h2>
${
  model.velocity.length === 0
    ? '<p>No Safe signature released an outflow.</p>'
    : model.velocity
        .map(
          (s, i) =>
            `<h3 style="font-size:14px;margin:8px 0 4px">${escapeHtml(s.label)}${s.cap ? ` — cap ${escapeHtml(units(s.cap.amount, s.decimals))} per ${s.cap.seconds / 3600} h` : ' — no cap given'}</h3><p>${escapeHtml(usageText(s))}</p><div class="chart"><canvas id="c-velocity-${i}" role="img" aria-label="Outflow of ${escapeHtml(s.label)} over time"></canvas></div>`,
        )
        .join('\n')
}</section>
<section aria-labelledby="s-timeline"><h2 id="s-timeline">Timeline (${model.timeline.length} verified entries)</h2>
<table><thead><tr><th scope="col">Time</th><th scope="col">Log</th><th scope="col">Seq</th><th scope="col">Event</th><th scope="col">Safe / nonce</th><th scope="col">Tier</th><th scope="col">Outflows</th><th scope="col">Reasons</th></tr></thead><tbody>
${model.timeline
  .map(
    (r) =>
      `<tr><td>${escapeHtml(r.time)}</td><td>${escapeHtml(r.signer)}</td><td>${r.seq}</td><td class="ev-${r.event}">${escapeHtml(r.event)}${r.kind ? ` (${escapeHtml(r.kind)})` : ''}</td><td><code>${escapeHtml(short(r.safe))}</code>${r.nonce !== undefined ? ` #${escapeHtml(r.nonce)}` : ''}</td><td>${escapeHtml(r.tier ?? '')}</td><td>${r.outflows
        .map(
          (o) =>
            `${escapeHtml(amountText(model, r.chainId, o.asset, o.amount))} → <code>${escapeHtml(short(o.to))}</code>`,
        )
        .join('<br>')}</td><td>${r.reasons.map(escapeHtml).join('<br>')}</td></tr>`,
  )
  .join('\n')}
</tbody></table></section>
</main>
<script id="report-data" type="application/json">${scriptJson(charts)}</script>
<script>${chartSource}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  new Chart(document.getElementById('c-decisions'), { type: 'bar', data: { labels: data.decisions.labels, datasets: [
    { label: 'signatures released', data: data.decisions.signed, backgroundColor: '#2e7d4f' },
    { label: 'refusals', data: data.decisions.refused, backgroundColor: '#c0392b' } ] },
    options: { maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } });
  new Chart(document.getElementById('c-reasons'), { type: 'bar', data: { labels: data.reasons.map(function (r) { return r.reason; }),
    datasets: [{ label: 'refusals', data: data.reasons.map(function (r) { return r.count; }), backgroundColor: '#c0392b' }] },
    options: { indexAxis: 'y', maintainAspectRatio: false, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } });
  data.velocity.forEach(function (v, i) {
    var sets = [{ label: v.capLabel ? 'used in the cap window' : 'released (running total)', data: v.used, borderColor: '#1f5fbf', stepped: true, fill: false }];
    if (v.cap !== null) sets.push({ label: v.capLabel, data: v.used.map(function () { return v.cap; }), borderColor: '#c0392b', borderDash: [6, 4], pointRadius: 0 });
    new Chart(document.getElementById('c-velocity-' + i), { type: 'line', data: { labels: v.labels, datasets: sets },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, title: { display: true, text: v.unit } } } } });
  });
})();
</script>
</body>
</html>
`
}

/** "0.25 ETH" where the org config names the asset, base units and the address otherwise. */
function amountText(model: ReportModel, chainId: number | undefined, asset: string, amount: string): string {
  const unit = model.units[`${chainId}:${asset.toLowerCase()}`]
  return unit ? `${units(amount, unit.decimals)} ${unit.id}` : `${amount} ${short(asset)}`
}

function decisionsPerHour(model: ReportModel): { labels: string[]; signed: number[]; refused: number[] } {
  const buckets = new Map<string, { signed: number; refused: number }>()
  for (const row of model.timeline) {
    if (row.event !== 'signed' && row.event !== 'refused') continue
    const hour = `${row.time.slice(0, 13)}:00Z`
    const b = buckets.get(hour) ?? { signed: 0, refused: 0 }
    b[row.event]++
    buckets.set(hour, b)
  }
  const labels = [...buckets.keys()].sort()
  return {
    labels,
    signed: labels.map((l) => buckets.get(l)!.signed),
    refused: labels.map((l) => buckets.get(l)!.refused),
  }
}

/** The peak of the series against its cap, in words. */
function usageText(series: VelocitySeries): string {
  const peak = series.points.reduce((max, p) => (BigInt(p.total) > max ? BigInt(p.total) : max), 0n)
  const releases = `${series.points.length} release(s)`
  if (!series.cap) return `${releases}, ${units(peak.toString(), series.decimals)} in total.`
  const cap = BigInt(series.cap.amount)
  const percent = cap === 0n ? 'n/a' : `${(Number((peak * 10_000n) / cap) / 100).toFixed(2)}%`
  return `${releases}; the most used within one window: ${units(peak.toString(), series.decimals)} of ${units(series.cap.amount, series.decimals)} (${percent}).`
}

function velocityChart(series: VelocitySeries) {
  // Chart.js takes numbers: show in the asset's units (a float is fine for a picture; the tables
  // and the JSON keep exact base units).
  const toNumber = (amount: string) => Number(units(amount, series.decimals))
  // Start from zero just before the first release, so even one release shows as a step.
  const first = series.points[0]
  const start = first ? [new Date(Date.parse(first.time) - 1000).toISOString()] : []
  return {
    labels: [...start, ...series.points.map((p) => p.time)].map((t) => t.replace('T', ' ').slice(0, 19)),
    used: [...(first ? [0] : []), ...series.points.map((p) => toNumber(p.total))],
    cap: series.cap ? toNumber(series.cap.amount) : null,
    capLabel: series.cap ? `cap (${series.cap.seconds / 3600} h window)` : null,
    unit: series.label,
  }
}
