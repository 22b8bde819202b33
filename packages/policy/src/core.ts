// Invariants every bundle gets, whatever its own policies say. Forbids only: they can never allow
// anything by themselves, and `forbid` wins over any bundle `permit`.

/** File name the core policies are reported under in diagnostics. */
export const coreFile = '<airlock core>'

/**
 * Cedar text of the core policies (ids start with `airlock.core.`).
 *
 * @example
 * Engine.create({ cedar, policies, org }).policies.filter((p) => p.file === coreFile)
 */
export const corePolicies = `@id("airlock.core.unknown-safe")
@reason("The Safe is not in the org config: this signer signs only for the Safes its policy bundle lists.")
forbid (principal, action, resource)
when { !resource.safe.known };

@id("airlock.core.breaker-tripped")
@reason("The circuit breaker is tripped: only Emergency actions (pause, freeze) are allowed until it resumes.")
forbid (principal, action, resource)
when { context.breakerTripped && resource.tier != "emergency" };

@id("airlock.core.unknown-effect")
@reason("A call's effect is unknown to this signer (an unknown function, target or encoding): default deny. Allow a call deliberately with the bundle's allowedCalls (chain, target, selector).")
forbid (principal, action, resource)
when { !resource.unknownEffects.isEmpty() };

@id("airlock.core.unknown-function-on-asset")
@reason("A listed asset is called with a function outside its token standard's known set: refused.")
forbid (principal, action, resource)
when {
  resource.unknownEffects.contains("unknown-function-on-asset") ||
  resource.findings.contains("unknown-function-on-asset")
};

@id("airlock.core.non-canonical-encoding")
@reason("The calldata is not the canonical ABI encoding of what was decoded (dirty or non-boolean words, short or trailing data, aliased offsets): a contract may read it differently.")
forbid (principal, action, resource)
when {
  resource.unknownEffects.contains("non-canonical-encoding") ||
  resource.findings.contains("non-canonical-encoding")
};

@id("airlock.core.request-too-complex")
@reason("The request exceeds the decoder's work budget (depth, decoded nodes, bytes or leaves).")
forbid (principal, action, resource)
when { resource.findings.contains("request-too-complex") };

@id("airlock.core.nested-safe-unknown")
@reason("The transaction executes, approves or signs for a Safe the org config does not list.")
forbid (principal, action, resource)
when { resource.unknownNestedSafe || resource.findings.contains("nested-safe-unknown") };

@id("airlock.core.tier-ceiling")
@reason("This Safe may not sign transactions of this tier (org config safes[].tiers; the guardian signs Emergency only by default).")
forbid (principal, action, resource)
when {
  resource.safe.known &&
  (!resource.safe.tiers.contains(resource.tier) || resource.findings.contains("tier-above-safe-ceiling"))
};

@id("airlock.core.allowed-call-violation")
@reason("A call the bundle allows (allowedCalls) breaks one of its argument constraints, e.g. a swap whose recipient is not the treasury.")
forbid (principal, action, resource)
when { resource.findings.contains("allowed-call-violation") };

@id("airlock.core.amount-overflow")
@reason("An amount is too large to compare with the policy limits, so none of them can be trusted.")
forbid (principal, action, resource)
when { resource.amountOverflow };
`
