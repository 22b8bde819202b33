import * as BipPath from './BipPath.ts'
import * as LedgerStatus from './LedgerStatus.ts'
import * as Outcome from './Outcome.ts'
import * as PrivateKey from './PrivateKey.ts'

export type { CheckSignatureParameters, CheckSignatureReturnType } from './checkSignature.ts'
export { checkSignature } from './checkSignature.ts'
export type { Device, GetAddressParameters, Prompt, SignSafeTxParameters, TypedDataDevice } from './Device.ts'
export {
  InvalidParameterError,
  InvalidPathError,
  InvalidPrivateKeyError,
  KeystoneStateError,
  SoftwareKeyNotAllowedError,
} from './errors.ts'
export type {
  KeystoneAccount,
  KeystoneDeviceParameters,
  KeystonePrepared,
  KeystoneQrChannel,
  PrepareParameters,
} from './KeystoneDevice.ts'
export { KeystoneDevice } from './KeystoneDevice.ts'
// The Ledger class and its helpers are in '@airlock/devices/ledger': @ledgerhq/hw-app-eth stays out of
// portable bundles that only need the device interface.
export type {
  AppConfiguration,
  Eip712Preference,
  LedgerDevice,
  LedgerDeviceParameters,
  Plan,
  SignTypedDataParameters,
  TypedDataInput,
  TypedDataSigned,
} from './LedgerDevice.ts'
export type { StatusEntry } from './LedgerStatus.ts'
export type {
  AddressOutcome,
  AddressResult,
  Description,
  DeviceKind,
  Failure,
  FailureCode,
  FailureParameters,
  Severity,
  Signed,
  SigningMode,
  SignOutcome,
} from './Outcome.ts'
export type { SoftwareKeyDeviceParameters } from './SoftwareKeyDevice.ts'
export { SoftwareKeyDevice } from './SoftwareKeyDevice.ts'
export { BipPath, LedgerStatus, Outcome, PrivateKey }
