import { BaseError } from '@airlock/errors'

/** An approval attestation is malformed or does not recover to a signer. */
export class InvalidAttestationError extends BaseError {
  override name = 'Signer.InvalidAttestationError'
}

/** The signer has no policy bundle installed, so it cannot decide anything. */
export class NoPolicyInstalledError extends BaseError {
  override name = 'Signer.NoPolicyInstalledError'
}

/** A policy bundle failed verification (unsigned, under-signed, rollback, invalid policies …). */
export class BundleRejectedError extends BaseError {
  override name = 'Signer.BundleRejectedError'
  readonly issues: readonly { code: string; message: string }[]
  constructor(shortMessage: string, issues: readonly { code: string; message: string }[], hint?: string) {
    super(shortMessage, {
      hint:
        hint ?? 'Get a bundle signed by enough policy admins, with a higher version than the installed one.',
      details: issues.map((issue) => `${issue.code}: ${issue.message}`).join('\n'),
    })
    this.issues = issues
  }
}

/** The bundle stored next to the log is not the one the log says was installed last. */
export class InstalledBundleMismatchError extends BaseError {
  override name = 'Signer.InstalledBundleMismatchError'
}

/** The org config's `signerRules` section is malformed. */
export class InvalidSignerRulesError extends BaseError {
  override name = 'Signer.InvalidSignerRulesError'
}

/** A log entry written by this signer does not have the shape the signer writes (tampered or foreign log). */
export class InvalidDecisionLogError extends BaseError {
  override name = 'Signer.InvalidDecisionLogError'
}

/** A signing key kind this build cannot drive yet. */
export class KeyNotWiredError extends BaseError {
  override name = 'Signer.KeyNotWiredError'
}

/** A Keystone account or pending Keystone request is malformed (bad flags, or a damaged state directory). */
export class InvalidKeystoneStateError extends BaseError {
  override name = 'Signer.InvalidKeystoneStateError'
}

/** Keystone signing was asked for, but no Keystone account (owner address, fingerprint) is known. */
export class NoKeystoneAccountError extends BaseError {
  override name = 'Signer.NoKeystoneAccountError'
}

/**
 * The state directory cannot be used as it is: the audit key is missing, damaged or not the log's, or
 * the policy bundle file is missing or damaged. The hint gives the exact recovery.
 */
export class StateDirError extends BaseError {
  override name = 'Signer.StateDirError'
}
