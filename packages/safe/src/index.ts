import * as SafeTx from './SafeTx.ts'
import * as SafeVersion from './SafeVersion.ts'

export {
  InvalidAddressError,
  InvalidFieldError,
  InvalidHexError,
  InvalidNumberError,
  InvalidOrgConfigError,
  InvalidSignatureError,
  MalformedCalldataError,
  UnsupportedSafeVersionError,
} from './errors.ts'
export type { Operation, SafeContext, SafeTxInput } from './SafeTx.ts'
export { SafeTx, SafeVersion }
