// `@airlock/devices/ledger`: the Ledger device class and its helpers. Imported only by code that talks to
// a Ledger, because @ledgerhq/hw-app-eth and its dependencies do not belong in the portable bundles.
// Its types (LedgerDevice, Plan, TypedDataInput…) are exported by the package index as types only.
export {
  chooseMode,
  LedgerDevice,
  MIN_FULL_VERSION,
  MIN_HASHED_VERSION,
  offlineLoadConfig,
} from './LedgerDevice.ts'
