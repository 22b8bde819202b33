import * as AuditEntry from './AuditEntry.ts'
import * as AuditKey from './AuditKey.ts'
import * as AuditLog from './AuditLog.ts'
import * as Canonical from './Canonical.ts'
import * as MerkleTree from './MerkleTree.ts'
import * as TreeHead from './TreeHead.ts'

export type { Ed25519, Signer } from './AuditKey.ts'
export { nobleEd25519 } from './AuditKey.ts'
export type { AppendOptions, Clock, Head, MemoryLog } from './AuditLog.ts'
export type { Json, JsonObject } from './Canonical.ts'
export {
  CanonicalEncodingError,
  ClockRegressionError,
  CorruptLogError,
  InvalidEncodingError,
  InvalidInputError,
  KeyFileError,
  LogClosedError,
  LogLockedError,
  MalformedEntryError,
  TornTailError,
  TreeRangeError,
  VerifyWorkerError,
} from './errors.ts'
export type { Manifest, UrExport } from './exportLog.ts'
export { checkManifest, createManifest, exportForUr, parse } from './exportLog.ts'
export { formatEntry, show } from './show.ts'
export type { Consistency, HeadCheck, HeadUpdateProblem } from './TreeHead.ts'
export { MalformedTreeHeadError } from './TreeHead.ts'
export type { VerifyFailure, VerifyFailureReason, VerifyParameters, VerifyReturnType } from './verify.ts'
export { verify } from './verify.ts'
export { AuditEntry, AuditKey, AuditLog, Canonical, MerkleTree, TreeHead }
