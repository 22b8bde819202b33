import { csv } from './csv.ts'
import { html } from './html.ts'
import { build } from './Report.ts'

export type {
  Anomaly,
  AssetInfo,
  LogInput,
  ReportModel,
  SignerSummary,
  TimelineRow,
  VelocitySeries,
} from './Report.ts'

/** The security lead's report: `Report.build` the model, then `Report.html` / `Report.csv` it. */
export const Report = { build, html, csv }
