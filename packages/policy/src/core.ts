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

@id("airlock.core.amount-overflow")
@reason("An amount is too large to compare with the policy limits, so none of them can be trusted.")
forbid (principal, action, resource)
when { resource.amountOverflow };
`
