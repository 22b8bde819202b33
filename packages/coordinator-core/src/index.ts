import * as Action from './Action.ts'
import * as Args from './Args.ts'
import * as Build from './Build.ts'
import * as Chain from './Chain.ts'
import * as Config from './Config.ts'
import * as Ens from './Ens.ts'
import * as Execution from './Execution.ts'
import * as Messages from './Messages.ts'
import * as NestedApproval from './NestedApproval.ts'
import * as Predict from './Predict.ts'
import * as Requirements from './Requirements.ts'
import * as Revert from './Revert.ts'
import * as Sentry from './Sentry.ts'
import * as SetLimits from './SetLimits.ts'
import * as Signatures from './Signatures.ts'
import * as Simulate from './Simulate.ts'
import * as Timelock from './Timelock.ts'
import * as TransactionBuilder from './TransactionBuilder.ts'
import * as TransactionService from './TransactionService.ts'
import * as Witness from './Witness.ts'

export type {
  Collected as CollectedItem,
  Prepared as PreparedAction,
  Queued as QueuedAction,
  SignRequestParameters,
  SignRequestSource,
} from './Action.ts'
export type { Call, SafeCall } from './Build.ts'
export type { Client, SafeState } from './Chain.ts'
export type { Config as CoordinatorConfig } from './Config.ts'
export type { Resolved as EnsResolved } from './Ens.ts'
export type {
  CollectedSignature,
  ConfirmResult,
  ExecuteResult,
  Plan as ExecutionPlan,
} from './Execution.ts'
export type { EnsFailure } from './errors.ts'
export {
  EnsResolutionError,
  InvalidActionError,
  InvalidCollectedSignatureError,
  InvalidConfigError,
  InvalidExecutorKeyError,
  InvalidSentryRuleError,
  NotASafeError,
  PolicyBundleRejectedError,
  RequirementsNotMetError,
  RpcError,
  RpcUnreachableError,
  ServiceRequestError,
  ServiceResponseError,
  ServiceTransactionRefusedError,
  SignatureRefusedError,
  StaleNonceError,
  TargetWithoutCodeError,
  TransactionBuilderImportError,
  WrongChainError,
} from './errors.ts'
export { MessageRefusedError } from './Messages.ts'
export type { OwnerPrediction, Prediction, Verdict as PredictedVerdict } from './Predict.ts'
export type { Progress, QueuedForProgress, Requirements as TierRequirements } from './Requirements.ts'
export type { Alert, Breach, Observation, Rule as SentryRule } from './Sentry.ts'
export type { ProvenNonce, Witnessed as WitnessedAnswer } from './SetLimits.ts'
export { ContinuityUnavailableError, SetLimitsTooLargeError } from './SetLimits.ts'
export type { IngestParameters, IngestResult } from './Signatures.ts'
export type { BalanceChange, FailedCall, Simulation } from './Simulate.ts'
export type {
  Checked as ServiceTransaction,
  Confirmation as ServiceConfirmation,
  NonceComparison,
  Problem as ServiceProblem,
} from './TransactionService.ts'
export type {
  Alert as WitnessAlert,
  AlertCode as WitnessAlertCode,
  Heads as WitnessedHeads,
} from './Witness.ts'
export { InvalidWitnessedHeadsError, SignerLogAlertError } from './Witness.ts'
export {
  Action,
  Args,
  Build,
  Chain,
  Config,
  Ens,
  Execution,
  Messages,
  NestedApproval,
  Predict,
  Requirements,
  Revert,
  Sentry,
  SetLimits,
  Signatures,
  Simulate,
  Timelock,
  TransactionBuilder,
  TransactionService,
  Witness,
}
