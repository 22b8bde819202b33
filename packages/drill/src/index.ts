import * as Drill from './Drill.ts'
import * as DrillReport from './DrillReport.ts'

export type { Attempt, AttemptKind, DrillParameters, DrillReport as DrillResult, Phase } from './Drill.ts'
export { Drill, DrillReport }
