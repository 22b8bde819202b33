import * as Changes from './Changes.ts'
import * as Migrations from './Migrations.ts'
import * as Rejection from './Rejection.ts'
import * as StateMachine from './StateMachine.ts'
import * as TimelockTier from './TimelockTier.ts'

export type { Announcer, Change, Listener } from './Changes.ts'
export type { DataDirLock } from './DataDirLock.ts'
export { lockDataDir } from './DataDirLock.ts'
export {
  DatabaseUnavailableError,
  DuplicateActionError,
  InvalidQueueInputError,
  InvalidTransitionError,
  MigrationError,
  NonceConflictError,
  NonceMismatchError,
  NotAcceptingSignaturesError,
  QueueInUseError,
  ReorgRefusedError,
  SignatureConflictError,
  SignatureRejectedError,
  StaleNonceError,
  UnknownActionError,
  WitnessConflictError,
} from './errors.ts'
export type { OpenStoreParameters } from './openStore.ts'
export { openStore } from './openStore.ts'
export type { OpenPgliteStoreParameters } from './PgliteStore.ts'
export { defaultDataDir, openPgliteStore } from './PgliteStore.ts'
export type { OpenPostgresStoreParameters } from './PostgresStore.ts'
export { openPostgresStore } from './PostgresStore.ts'
export type { SignerAlert, SignerSetStore, StoredReceipt, WitnessedHead } from './SignerSetStore.ts'
export type { Store, StoreOptions } from './Store.ts'
export type {
  Action,
  ActionEvent,
  ActionKind,
  ActionState,
  AddSignatureOptions,
  AddSignatureResult,
  CanExecuteResult,
  CreateActionParameters,
  CreateRejectionParameters,
  ExecutionInfo,
  ListActionsFilter,
  NonceGroup,
  RecordExecutionParameters,
  RecordReorgParameters,
  Requirements,
  SafeInfo,
  SafeRef,
  SignatureInput,
  SignatureKind,
  SignatureVerifier,
  StoredSignature,
  Tier,
  TimelockInfo,
} from './types.ts'
export type {
  OwnerVerifierParameters,
  RecoverAttestation,
  Refusal as SignatureRefusal,
  Verdict as SignatureVerdict,
  VerifyParameters as VerifySignatureParameters,
} from './Verifier.ts'
export { ownerVerifier, verify as verifySignature } from './Verifier.ts'
export { Changes, Migrations, Rejection, StateMachine, TimelockTier }
