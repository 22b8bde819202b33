import * as AbiJson from './decode/AbiJson.ts'
import * as Abis from './decode/Abis.ts'
import * as Action from './decode/Action.ts'
import * as Assets from './decode/Assets.ts'
import * as Calls from './decode/Calls.ts'
import * as Describe from './decode/Describe.ts'
import * as Effects from './decode/Effects.ts'
import * as Findings from './decode/Findings.ts'
import * as KnownContracts from './decode/KnownContracts.ts'
import * as MessageEffects from './decode/MessageEffects.ts'
import * as MultiSend from './decode/MultiSend.ts'
// What the decoder knows about the org, built from the policy bundle's org config (`OrgConfig.toDecoder`
// in @airlock/policy): one org-config format everywhere.
import * as DecoderOrg from './decode/OrgConfig.ts'
import * as StrictAbi from './decode/StrictAbi.ts'
import * as Tier from './decode/Tier.ts'
import * as LedgerDisplay from './LedgerDisplay.ts'
import * as NestedSafe from './NestedSafe.ts'
import * as SafeMessage from './SafeMessage.ts'
import * as SafeTx from './SafeTx.ts'
import * as SafeTxHash from './SafeTxHash.ts'
import * as SafeVersion from './SafeVersion.ts'
import * as Signature from './Signature.ts'

export type { AnalyzeParameters, AnalyzeReturnType, NestedAnalysis } from './decode/analyze.ts'
export { analysisToJson, analyze } from './decode/analyze.ts'
export type { ApprovedTx } from './decode/Calls.ts'
export { InvalidMessageError } from './decode/MessageEffects.ts'
export {
  AnalysisFailedError,
  InvalidAddressError,
  InvalidFieldError,
  InvalidHexError,
  InvalidNumberError,
  InvalidOrgConfigError,
  InvalidSignatureError,
  MalformedCalldataError,
  RequestTooComplexError,
  UnsupportedSafeVersionError,
} from './errors.ts'
export type { LedgerHashes } from './LedgerDisplay.ts'
export type { Approval as NestedSafeApproval } from './NestedSafe.ts'
export type { Message as SafeMessageInput, SafeMessageHashes } from './SafeMessage.ts'
export type { Operation, SafeContext, SafeTxInput } from './SafeTx.ts'
export type { SafeTxHashes } from './SafeTxHash.ts'
export {
  MalleableSignatureError,
  SignatureOffsetInStaticPartError,
  SignatureOffsetOutOfBoundsError,
  SignaturesTruncatedError,
} from './Signature.ts'
export {
  AbiJson,
  Abis,
  Action,
  Assets,
  Calls,
  DecoderOrg,
  Describe,
  Effects,
  Findings,
  KnownContracts,
  LedgerDisplay,
  MessageEffects,
  MultiSend,
  NestedSafe,
  SafeMessage,
  SafeTx,
  SafeTxHash,
  SafeVersion,
  Signature,
  StrictAbi,
  Tier,
}
