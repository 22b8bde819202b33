import * as SafeTx from './SafeTx.ts'
import * as SafeTxHash from './SafeTxHash.ts'
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
export type { SafeTxHashes } from './SafeTxHash.ts'
export { SafeTx, SafeTxHash, SafeVersion }
