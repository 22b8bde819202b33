import { Canonical } from '@airlock/audit-log'
import { Json as BoundedJson, isBaseError } from '@airlock/errors'
import { type Address, type Hex, keccak256, type LocalAccount, recoverMessageAddress } from 'viem'
import type { CedarApi } from './Cedar.ts'
import * as Engine from './Engine.ts'
import { InvalidBundleError } from './errors.ts'
import * as OrgConfig from './OrgConfig.ts'
import { get, reader } from './parse.ts'
import { schemaText } from './schema.ts'

export const format = 'airlock-policy-bundle/1'

/** JSON as it sits in a bundle: canonical-encodable (integers only, no undefined). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json }

export type BundleSignature = {
  /** The admin the signature claims to be from (checked against the recovered address). */
  signer: Address
  /** 65-byte EIP-191 personal_sign signature over `Bundle.message(bundle)`. */
  signature: Hex
}

/**
 * A policy bundle: everything the signer enforces, versioned and signed by admins. The hash covers
 * every field except `signatures` (see `hash`).
 */
export type Bundle = {
  format: typeof format
  /** Increases with every bundle; the signer refuses rollbacks. */
  version: number
  /** Policy files: file name → Cedar text. */
  policies: Readonly<Record<string, string>>
  /** The Cedar schema text the policies were written against (must be Airlock's). */
  schema: string
  /** The org config JSON (see `OrgConfig.parse`). */
  org: Json
  /** Example-based policy tests: file name → test file JSON. Optional. */
  tests: Readonly<Record<string, Json>> | undefined
  signatures: readonly BundleSignature[]
}

export type CreateParameters = {
  version: number
  policies: Readonly<Record<string, string>>
  org: Json
  schema?: string | undefined
  tests?: Readonly<Record<string, Json>> | undefined
}

const read = reader(InvalidBundleError, 'The policy bundle')

/**
 * Builds an unsigned bundle, checking the org config and that the bundle can be hashed.
 * Does not validate the policies (that needs Cedar: see `verify` / `Engine.validate`).
 *
 * @example
 * const bundle = Bundle.create({ version: 1, policies: { 'main.cedar': text }, org: orgJson })
 */
export function create({ version, policies, org, schema = schemaText, tests }: CreateParameters): Bundle {
  return parse({ format, version, policies, schema, org, tests, signatures: [] })
}

/**
 * Validates a bundle's shape from JSON (e.g. a file or QR payload). Throws `Policy.InvalidBundleError`
 * or `Policy.InvalidOrgConfigError`.
 *
 * @example
 * const bundle = Bundle.parse(JSON.parse(text))
 */
export function parse(json: unknown): Bundle {
  // Hashing and the org/test checks below recurse: bound the nesting first (Json.TooDeepError).
  BoundedJson.assertDepth(json, { what: 'policy bundle' })
  const o = read.object(json, 'the bundle')
  if (get(o, 'format') !== format) read.fail('format', `is not "${format}"`)
  const version = read.integer(get(o, 'version'), 'version', 1)
  const policiesJson = read.object(get(o, 'policies'), 'policies')
  const policies: Record<string, string> = {}
  for (const [file, text] of Object.entries(policiesJson)) {
    if (!/^[A-Za-z0-9._-]{1,100}\.cedar$/.test(file))
      read.fail(`policies["${file}"]`, 'is not a plain *.cedar file name')
    policies[file] = read.string(text, `policies["${file}"]`)
  }
  if (Object.keys(policies).length === 0) read.fail('policies', 'is empty')
  const testsJson = get(o, 'tests')
  const tests =
    testsJson === undefined ? undefined : (read.object(testsJson, 'tests') as Record<string, Json>)
  const org = get(o, 'org') as Json
  OrgConfig.parse(org)
  const signatures = read.array(get(o, 'signatures') ?? [], 'signatures').map((item, i) => {
    const s = read.object(item, `signatures[${i}]`)
    return {
      signer: read.address(get(s, 'signer'), `signatures[${i}].signer`),
      signature: read.hex(get(s, 'signature'), `signatures[${i}].signature`),
    }
  })
  const bundle: Bundle = {
    format,
    version,
    policies,
    schema: read.string(get(o, 'schema'), 'schema'),
    org,
    tests,
    signatures,
  }
  try {
    Canonical.encode(body(bundle))
  } catch (error) {
    if (isBaseError(error)) read.fail('content', `cannot be hashed: ${error.shortMessage}`, error.hint)
    throw error
  }
  return bundle
}

/**
 * keccak256 of the canonical JSON (see `Canonical`) of `{ format, version, policies, schema, org, tests }`.
 * Signatures are not hashed, so adding one does not change what the others signed.
 *
 * @example
 * Bundle.hash(bundle) // '0x…'
 */
export function hash(bundle: Bundle): Hex {
  return keccak256(Canonical.encodeBytes(body(bundle)))
}

/**
 * The text admins sign with personal_sign (EIP-191), so a Ledger shows it as readable lines.
 * The fixed first line and the format keep the signature from meaning anything else.
 *
 * @example
 * Bundle.message(bundle)
 * // 'Airlock: approve policy bundle\nFormat: airlock-policy-bundle/1\nVersion: 2\nHash: 0x…'
 */
export function message(bundle: Bundle): string {
  return `Airlock: approve policy bundle\nFormat: ${format}\nVersion: ${bundle.version}\nHash: ${hash(bundle)}`
}

/**
 * Signs the bundle with a local account and returns it with the signature added (replacing an
 * earlier one from the same signer). Hardware-wallet admins sign `message(bundle)` themselves
 * and use `addSignature`.
 *
 * @example
 * const signed = await Bundle.sign(bundle, privateKeyToAccount(key))
 */
export async function sign(
  bundle: Bundle,
  account: Pick<LocalAccount, 'address' | 'signMessage'>,
): Promise<Bundle> {
  const signature = await account.signMessage({ message: message(bundle) })
  return addSignature(bundle, { signer: account.address, signature })
}

/**
 * Who signed the bundle's message with this signature (`personal_sign` over `Bundle.message`), or
 * undefined when it does not recover: to check a pasted signature before adding it.
 *
 * @example
 * (await Bundle.signerOf(bundle, signature)) === admin // true for the admin's own signature
 */
export async function signerOf(bundle: Bundle, signature: Hex): Promise<Address | undefined> {
  try {
    return await recoverMessageAddress({ message: message(bundle), signature })
  } catch {
    return undefined
  }
}

/**
 * Adds a signature made elsewhere (e.g. `personal_sign` on a Ledger). Not checked here: `verify` does.
 *
 * @example
 * Bundle.addSignature(bundle, { signer: '0x…', signature: '0x…' })
 */
export function addSignature(bundle: Bundle, { signer, signature }: BundleSignature): Bundle {
  const lower = signer.toLowerCase() as Address
  return {
    ...bundle,
    signatures: [
      ...bundle.signatures.filter((s) => s.signer.toLowerCase() !== lower),
      { signer: lower, signature },
    ],
  }
}

export type IssueCode =
  | 'malformed'
  | 'unsigned'
  | 'under-signed'
  | 'duplicate-signer'
  | 'non-admin-signer'
  | 'bad-signature'
  | 'rollback'
  | 'version-conflict'
  | 'schema-invalid'
  | 'policies-invalid'

export type Issue = {
  code: IssueCode
  message: string
  signer?: Address | undefined
  diagnostics?: readonly Engine.Diagnostic[] | undefined
}

export type Verification = {
  /** True when the bundle may be installed: no issues. */
  valid: boolean
  hash: Hex | undefined
  version: number | undefined
  /** Distinct admins whose signatures verified. */
  signers: readonly Address[]
  /** Whose admin set the signatures were checked against. */
  authority: 'genesis' | 'installed'
  /** The same version and hash as the installed bundle (nothing to install). */
  sameAsInstalled: boolean
  org: OrgConfig.OrgConfig | undefined
  issues: readonly Issue[]
}

export type VerifyParameters = {
  cedar: CedarApi
  /** The bundle the signer runs now (verified when it was installed). Absent only at genesis. */
  installed?: Bundle | undefined
}

/**
 * Decides whether a bundle may be installed. The rules:
 * - Genesis (nothing installed): K of the bundle's *own* admins must sign. That proves only that
 *   the bundle is self-consistent, so the operator confirms its hash out of band the first time.
 * - Update: K of the *installed* bundle's admins (and its K) must sign, so a stolen coordinator
 *   cannot mint an admin set for itself; a new admin set takes effect for the bundle after it.
 * - Version must exceed the installed one (rollback refused); the same version must have the same hash.
 * - Every signature must recover to its claimed signer, signers are distinct, all are admins.
 * - The schema must be Airlock's, and the policies must validate against it.
 *
 * @example
 * const result = await Bundle.verify(candidate, { cedar, installed })
 * if (!result.valid) show(result.issues)
 */
export async function verify(input: unknown, { cedar, installed }: VerifyParameters): Promise<Verification> {
  const issues: Issue[] = []
  let bundle: Bundle
  let org: OrgConfig.OrgConfig
  try {
    bundle = parse(input)
    org = OrgConfig.parse(bundle.org)
  } catch (error) {
    if (!isBaseError(error)) throw error
    issues.push({ code: 'malformed', message: error.oneLine })
    return {
      valid: false,
      hash: undefined,
      version: undefined,
      signers: [],
      authority: installed ? 'installed' : 'genesis',
      sameAsInstalled: false,
      org: undefined,
      issues,
    }
  }
  const bundleHash = hash(bundle)
  const authorityOrg = installed ? OrgConfig.parse(installed.org) : org
  const admins = new Set(authorityOrg.admins.addresses)
  const k = authorityOrg.admins.threshold

  let sameAsInstalled = false
  if (installed) {
    const installedHash = hash(installed)
    if (bundle.version < installed.version) {
      issues.push({
        code: 'rollback',
        message: `Version ${bundle.version} is older than the installed version ${installed.version}.`,
      })
    } else if (bundle.version === installed.version) {
      if (bundleHash === installedHash) sameAsInstalled = true
      else
        issues.push({
          code: 'version-conflict',
          message: `Version ${bundle.version} is installed with different content (hash ${installedHash}).`,
        })
    }
  }

  const signers: Address[] = []
  const seen = new Set<string>()
  const text = message(bundle)
  if (bundle.signatures.length === 0)
    issues.push({ code: 'unsigned', message: 'The bundle has no signatures.' })
  for (const { signer, signature } of bundle.signatures) {
    let recovered: Address | undefined
    try {
      recovered = (await recoverMessageAddress({ message: text, signature })).toLowerCase() as Address
    } catch {
      recovered = undefined
    }
    if (recovered !== signer) {
      issues.push({
        code: 'bad-signature',
        signer,
        message: `The signature claimed by ${signer} does not verify for this bundle.`,
      })
      continue
    }
    if (seen.has(signer)) {
      issues.push({ code: 'duplicate-signer', signer, message: `${signer} signed more than once.` })
      continue
    }
    seen.add(signer)
    if (!admins.has(signer)) {
      issues.push({
        code: 'non-admin-signer',
        signer,
        message: `${signer} is not an admin of the ${installed ? 'installed' : 'genesis'} bundle.`,
      })
      continue
    }
    signers.push(signer)
  }
  if (bundle.signatures.length > 0 && signers.length < k) {
    issues.push({
      code: 'under-signed',
      message: `${signers.length} valid admin signature(s); ${k} required.`,
    })
  }

  const schemaIssue = checkSchema(cedar, bundle.schema)
  if (schemaIssue) issues.push(schemaIssue)
  else {
    const validation = Engine.validate({ cedar, policies: bundle.policies, schema: bundle.schema })
    if (!validation.valid) {
      const errors = validation.diagnostics.filter((d) => d.severity === 'error')
      issues.push({
        code: 'policies-invalid',
        message: `The policies have ${errors.length} error(s).`,
        diagnostics: validation.diagnostics,
      })
    }
  }
  return {
    valid: issues.length === 0,
    hash: bundleHash,
    version: bundle.version,
    signers,
    authority: installed ? 'installed' : 'genesis',
    sameAsInstalled,
    org,
    issues,
  }
}

function body(bundle: Bundle) {
  const { format: f, version, policies, schema, org, tests } = bundle
  return { format: f, version, policies, schema, org, tests }
}

// The engine builds requests for Airlock's schema, so a bundle must carry that schema (compared
// structurally, so comments and formatting do not matter).
function checkSchema(cedar: CedarApi, schema: string): Issue | undefined {
  const theirs = Engine.schemaJson(cedar, schema)
  if (theirs.type === 'failure') {
    return {
      code: 'schema-invalid',
      message: `The schema does not parse: ${theirs.errors.map((e) => e.message).join('; ')}`,
    }
  }
  const ours = Engine.schemaJson(cedar, schemaText)
  if (ours.type === 'success' && Canonical.encode(theirs.json) !== Canonical.encode(ours.json)) {
    return {
      code: 'schema-invalid',
      message: 'The schema is not the one this signer evaluates policies against.',
    }
  }
  return undefined
}
