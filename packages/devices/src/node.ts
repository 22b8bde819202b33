export type { OpenLedgerHidParameters } from './LedgerHid.node.ts'
export { listLedgerHid, openLedgerHid } from './LedgerHid.node.ts'
