import * as Attestation from './Attestation.ts'
import * as DecisionLog from './DecisionLog.ts'
import * as Installed from './Installed.ts'
import * as Keys from './Keys.ts'
import * as Keystone from './Keystone.ts'
import * as KeystoneSession from './KeystoneSession.ts'
import * as MessageSigner from './MessageSigner.ts'
import * as Receipt from './Receipt.ts'
import * as Refusal from './Refusal.ts'
import * as SignerSet from './SignerSet.ts'
import * as Timelock from './Timelock.ts'

export type { AttestedTier } from './Attestation.ts'
export type { DecisionData, LogState, Released } from './DecisionLog.ts'
export {
  BundleRejectedError,
  InstalledBundleMismatchError,
  InvalidAttestationError,
  InvalidDecisionLogError,
  InvalidKeystoneStateError,
  InvalidSignerRulesError,
  KeyNotWiredError,
  NoKeystoneAccountError,
  NoPolicyInstalledError,
  StateDirError,
} from './errors.ts'
export type { SignerRules } from './Installed.ts'
export type { SignerCode } from './Refusal.ts'
export type {
  AttestationCheck,
  Identity,
  Review,
  ReviewFinding,
  ReviewParameters,
  SignatureCheck,
  SignerState,
  Stage,
} from './review.ts'
export { leafCalls, refusedReview, review, text as reviewText } from './review.ts'
export type { ApproveResult, CreateParameters, KeySource, KeystoneRequestResult } from './Signer.ts'
export { Signer } from './Signer.ts'
export {
  Attestation,
  DecisionLog,
  Installed,
  Keys,
  Keystone,
  KeystoneSession,
  MessageSigner,
  Receipt,
  Refusal,
  SignerSet,
  Timelock,
}
