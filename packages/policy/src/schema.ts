// The Airlock Cedar schema, stored once, as a string so portable code needs no file access.

/**
 * The Cedar schema (human-readable format) every bundle's policies are validated against.
 *
 * @example
 * cedar.validate({ schema: schemaText, policies: { staticPolicies: text } })
 */
export const schemaText = `// Airlock policy schema: everything a Cedar policy can see about one signing request.
// Addresses are lowercase 0x-hex strings. Amounts are per-asset tags keyed by the org config's
// asset id, in that asset's policy unit (policyDecimals), rounded up and capped at 2^53 - 1.
namespace Airlock {
  // Per-asset amounts: x.hasTag("USDC") && x.getTag("USDC") > 1000.
  entity Amounts tags Long;

  entity Signer = {
    address: String,
    // "ledger" | "keystone" | "trezor" | "software" | "other"
    keyKind: String,
    // An owner of the Safe this request is about (org config).
    isOwner: Bool,
    // A policy admin (org config).
    isAdmin: Bool,
  };

  entity Safe = {
    address: String,
    chainId: Long,
    name: String,
    version: String,
    threshold: Long,
    ownerCount: Long,
    // Listed in the org config's safes.
    known: Bool,
    // The org's guardian Safe (single-signature pauses).
    isGuardian: Bool,
    // The tiers this Safe may sign (its ceiling): org config safes[].tiers; the guardian defaults
    // to ["emergency"], every other Safe to all four.
    tiers: Set<String>,
  };

  // The transaction; its tags are the outflow of this transaction per asset.
  entity SafeTx in [Safe] = {
    safe: Safe,
    chainId: Long,
    nonce: Long,
    safeTxHash: String,
    to: String,
    // 0 = CALL, 1 = DELEGATECALL
    operation: Long,
    // "emergency" | "routine" | "critical" | "existential"
    tier: String,
    // emergency 0, routine 1, critical 2, existential 3
    tierRank: Long,
    callCount: Long,
    callTargets: Set<String>,
    // 4-byte selectors ("0xa9059cbb") and decoded method names ("transfer") of every call.
    selectors: Set<String>,
    methods: Set<String>,
    hasDelegatecall: Bool,
    delegatecallTargets: Set<String>,
    // A delegatecall to a target not in the org's trustedDelegatecall list.
    untrustedDelegatecall: Bool,
    // Every call targets a contract in the org's pausable list.
    allTargetsPausable: Bool,
    // Decoder finding codes and the highest severity: info 0, low 1, medium 2, high 3, critical 4.
    findings: Set<String>,
    maxSeverity: Long,
    // Effect classes of the decoded calls: "outflow", "allowance", "authority", "pause", "unpause",
    // "nested-execution", "batch", "timelock", "allowed-call", "unknown".
    effects: Set<String>,
    // Why calls are unknown: "undecoded", "no-known-effect", "delegatecall",
    // "unknown-function-on-asset", "non-canonical-encoding", "malformed" … Empty when every call is understood.
    unknownEffects: Set<String>,
    // Some call executes, approves or signs for a Safe the org config does not list.
    unknownNestedSafe: Bool,
    // gasPrice > 0 or a refundReceiver: the Safe would pay someone for gas.
    usesGasRefund: Bool,
    // Asset ids with a non-zero outflow, and outflowing tokens the org config does not list.
    outflowAssets: Set<String>,
    unlistedAssets: Set<String>,
    recipients: Set<String>,
    // Recipients that are neither allow-listed nor one of the org's Safes.
    unknownRecipients: Set<String>,
    // Largest share of any asset's declared treasury this transaction moves (basis points).
    outflowBps: Long,
    // Some amount did not fit a Long and was capped: never trust a limit check then.
    amountOverflow: Bool,
  } tags Long;

  type RequestContext = {
    // Unix seconds on the signer's clock.
    now: Long,
    // Seconds since the signer first saw this safeTxHash.
    ageSeconds: Long,
    // Distinct owners of this Safe who approved (verified attestations plus this signer if an owner).
    approvals: Long,
    // From the org config's tier table for this tier and Safe.
    requiredApprovals: Long,
    requiredDelaySeconds: Long,
    breakerTripped: Bool,
    // "single-tx" | "window" | "consecutive-large"
    breakerReasons: Set<String>,
    // The breaker's window outflow with this transaction, largest share of any treasury (bps).
    windowOutflowBps: Long,
    velocityExceeded: Bool,
    epochExceededAssets: Set<String>,
    bucketExceededAssets: Set<String>,
    // Per asset, after this transaction: used in the current epoch, and leaky-bucket level.
    epochUsed: Amounts,
    bucketLevel: Amounts,
    // The signer already signed a different transaction for this Safe and nonce.
    isReplacement: Bool,
    replacementAcknowledged: Bool,
    softwareKeysAllowed: Bool,
  };

  action SignSafeTx, Attest appliesTo {
    principal: Signer,
    resource: SafeTx,
    context: RequestContext,
  };
}
`

/** Cedar namespace of every Airlock entity and action. */
export const namespace = 'Airlock'

/** The actions a request can be for: signing the Safe transaction, or attesting to it first. */
export type ActionName = 'SignSafeTx' | 'Attest'
