import * as Ceremony from './Ceremony.ts'

export type { CeremonyResult } from './Ceremony.ts'
export { Ceremony }
