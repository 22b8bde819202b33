import * as AdminKey from './AdminKey.ts'
import * as Amount from './Amount.ts'
import * as Breaker from './Breaker.ts'
import * as Bundle from './Bundle.ts'
import * as Cedar from './Cedar.ts'
import * as Engine from './Engine.ts'
import * as Facts from './Facts.ts'
import * as OrgConfig from './OrgConfig.ts'
import * as PolicyTest from './PolicyTest.ts'
import * as Velocity from './Velocity.ts'

export type { ActionRecord, AssetAmount, BreakerState, TripCode, TripReason } from './Breaker.ts'
export type { BundleSignature, Issue as BundleIssue, Verification as BundleVerification } from './Bundle.ts'
export type { CedarApi, DetailedError } from './Cedar.ts'
export { coreFile, corePolicies } from './core.ts'
export type { Derived, Diagnostic, Evaluation, PolicyInfo, Reason, Validation } from './Engine.ts'
export {
  CedarLoadError,
  InvalidAdminKeyError,
  InvalidBundleError,
  InvalidFactsError,
  InvalidOrgConfigError,
  InvalidPolicySetError,
  InvalidPolicyTestError,
} from './errors.ts'
export type {
  CallFact,
  FindingFact,
  HistoryFact,
  KeyKind,
  OutflowFact,
  ReplacementFact,
  Severity,
  SignerFact,
  TxFact,
} from './Facts.ts'
export type { AssetConfig, BreakerConfig, SafeConfig, Tier, TierRequirement } from './OrgConfig.ts'
export { type ActionName, namespace, schemaText } from './schema.ts'
export type { AssetVelocity, BucketUsage, EpochUsage, Outflow } from './Velocity.ts'
export { AdminKey, Amount, Breaker, Bundle, Cedar, Engine, Facts, OrgConfig, PolicyTest, Velocity }
