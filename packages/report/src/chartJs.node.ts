import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * The Chart.js UMD build from the installed package (never a CDN), to inline into the report.
 *
 * @example
 * Report.html(model, { chartJs: chartJsSource() })
 */
export function chartJsSource(): string {
  const main = createRequire(import.meta.url).resolve('chart.js')
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8')
}
