// `airlock policy …`: security leads check, test, bundle and sign policy sets; the signer imports them.
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { Canonical } from '@airlock/audit-log'
import { BaseError } from '@airlock/errors'
import {
  AdminKey,
  Bundle,
  type BundleVerification,
  Engine,
  InvalidAdminKeyError,
  PolicyTest,
} from '@airlock/policy'
import { cedar, loadPolicyDir, runPolicyTests } from '@airlock/policy/node'
import { SafeTx } from '@airlock/safe'
import { PolicyBundle, Ur } from '@airlock/transport'
import type { Command } from '../command.ts'
import { InputFileError, UsageError } from '../errors.ts'
import { readJsonFile, toJson } from '../io.ts'
import { checksummed } from '../print.ts'
import { forceOption, readInputFile, writeFileAtomic, writeOutputFile } from './atomicFile.ts'

/** `airlock policy check` found errors in a policy set (the diagnostics are printed above it). */
export class PolicySetInvalidError extends BaseError {
  override name = 'Cli.PolicySetInvalidError'
}

/** `airlock policy test` had failing cases. */
export class PolicyTestsFailedError extends BaseError {
  override name = 'Cli.PolicyTestsFailedError'
}

/** A policy bundle failed `airlock policy verify` (or cannot be signed as it is). */
export class BundleInvalidError extends BaseError {
  override name = 'Cli.BundleInvalidError'
}

/** An admin key or mnemonic file is unusable (format, permissions). */
export class AdminKeyError extends BaseError {
  override name = 'Cli.AdminKeyError'
}

/** A signature given to `add-signature` does not verify for the bundle and signer. */
export class SignatureMismatchError extends BaseError {
  override name = 'Cli.SignatureMismatchError'
}

export const policyCheck: Command = {
  path: ['policy', 'check'],
  summary: 'Validate a policy set directory (*.cedar, org.json, tests) against the Airlock Cedar schema.',
  usage: 'policy check <dir>',
  options: {},
  allowPositionals: true,
  run: ({ positionals, io }) => {
    const dir = onePositional(positionals, 'policy check <dir>', 'policy directory')
    const loaded = loadPolicyDir(dir)
    for (const [name, json] of Object.entries(loaded.tests)) parseTestFile(name, json)
    const validation = Engine.validate({ cedar, policies: loaded.policies })
    for (const d of validation.diagnostics) io.stdout(`${Engine.formatDiagnostic(d)}\n`)
    const errors = validation.diagnostics.filter((d) => d.severity === 'error').length
    if (!validation.valid) {
      throw new PolicySetInvalidError(`The policy set ${dir} has ${errors} error(s).`, {
        hint: 'Fix the policies named above and run `airlock policy check` again.',
      })
    }
    const ids = validation.policies.filter((p) => !p.id.startsWith('airlock.')).length
    io.stdout(
      `${dir}: ${Object.keys(loaded.policies).length} file(s), ${ids} policies, ${Object.keys(loaded.tests).length} test file(s): valid\n`,
    )
    return 0
  },
}

export const policyTest: Command = {
  path: ['policy', 'test'],
  summary: "Run a policy set's example tests (tests/*.json) and print each case's result.",
  usage: 'policy test <dir>',
  options: {},
  allowPositionals: true,
  run: ({ positionals, io }) => {
    const dir = onePositional(positionals, 'policy test <dir>', 'policy directory')
    const result = runPolicyTests(dir, { cedar })
    for (const d of result.validation.diagnostics) io.stdout(`${Engine.formatDiagnostic(d)}\n`)
    for (const c of result.cases) {
      const label = `${c.file} › ${c.name}`
      io.stdout(c.passed ? `PASS  ${label}\n` : `FAIL  ${label}: ${c.problems.join('; ')}\n`)
    }
    io.stdout(`${result.passed} passed, ${result.failed} failed\n`)
    if (!result.validation.valid) {
      throw new PolicyTestsFailedError(`The policy set ${dir} is invalid, so no case could run.`, {
        hint: 'Fix the diagnostics above (see `airlock policy check`).',
      })
    }
    if (result.failed > 0) {
      throw new PolicyTestsFailedError(`${result.failed} policy test case(s) failed.`, {
        hint: 'Fix the policies or the expectations of the cases marked FAIL.',
      })
    }
    return 0
  },
}

export const policyBundle: Command = {
  path: ['policy', 'bundle'],
  summary: 'Build an unsigned policy bundle from a checked policy set directory.',
  usage: 'policy bundle <dir> --version N --out FILE [--force]',
  options: {
    version: { type: 'string', help: 'bundle version: an integer, higher than the installed one' },
    out: { type: 'string', help: 'where to write the bundle JSON (a new file)' },
    ...forceOption,
  },
  allowPositionals: true,
  run: ({ values, positionals, io }) => {
    const usage = 'policy bundle <dir> --version N --out FILE [--force]'
    const dir = onePositional(positionals, usage, 'policy directory')
    const version = positiveInteger(values.version, '--version', usage)
    const out = resolve(io.cwd, requiredString(values.out, '--out', usage))
    const loaded = loadPolicyDir(dir)
    for (const [name, json] of Object.entries(loaded.tests)) parseTestFile(name, json)
    // Never ship a set the signer would refuse: validate before anyone is asked to sign it.
    const validation = Engine.validate({ cedar, policies: loaded.policies })
    for (const d of validation.diagnostics) io.stdout(`${Engine.formatDiagnostic(d)}\n`)
    if (!validation.valid) {
      throw new PolicySetInvalidError(`The policy set ${dir} does not validate; no bundle written.`, {
        hint: 'Fix the policies named above (see `airlock policy check`).',
      })
    }
    const tests = Object.keys(loaded.tests).length > 0 ? loaded.tests : undefined
    const bundle = Bundle.create({ version, policies: loaded.policies, org: loaded.orgJson, tests })
    writeOutputFile({
      path: out,
      content: `${JSON.stringify(bundle, null, 2)}\n`,
      force: values.force === true,
      inputs: [dir],
    })
    const { addresses, threshold } = loaded.org.admins
    io.stdout(
      [
        `Wrote ${out}`,
        `Version     ${bundle.version}`,
        `Hash        ${Bundle.hash(bundle)}`,
        `Signatures  none yet: ${threshold} of ${addresses.length} admins must sign (airlock policy sign)`,
        '',
      ].join('\n'),
    )
    return 0
  },
}

export const policySign: Command = {
  path: ['policy', 'sign'],
  summary: 'Sign a policy bundle with a software admin key (tests, demos), or print the message to sign.',
  usage: 'policy sign <bundle> (--key-file FILE | --mnemonic-file FILE [--index N] | --print-message)',
  options: {
    'key-file': { type: 'string', help: 'file holding a 0x-prefixed 32-byte private key (mode 0600)' },
    'mnemonic-file': { type: 'string', help: 'file holding a BIP-39 mnemonic (mode 0600)' },
    index: { type: 'string', help: "address index on m/44'/60'/0'/0/N for --mnemonic-file (default 0)" },
    'print-message': {
      type: 'boolean',
      help: 'print the exact text an admin signs (personal_sign, e.g. on a Ledger) and exit',
    },
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const usage = policySign.usage
    const file = onePositional(positionals, usage, 'bundle')
    const bundle = readBundle(file)
    const keyFile = values['key-file'] as string | undefined
    const mnemonicFile = values['mnemonic-file'] as string | undefined
    if (values['print-message']) {
      if (keyFile !== undefined || mnemonicFile !== undefined) {
        throw new UsageError('--print-message does not sign; do not pass a key with it.', {
          hint: `Usage: airlock ${usage}`,
        })
      }
      io.stdout(`${Bundle.message(bundle)}\n`)
      return 0
    }
    if ((keyFile === undefined) === (mnemonicFile === undefined)) {
      throw new UsageError('Pass exactly one of --key-file and --mnemonic-file.', {
        hint: `Usage: airlock ${usage}`,
      })
    }
    if (values.index !== undefined && mnemonicFile === undefined) {
      throw new UsageError('--index only applies to --mnemonic-file.', { hint: `Usage: airlock ${usage}` })
    }
    await refuseBrokenBundle(bundle)
    const account =
      keyFile !== undefined
        ? accountFromKeyFile(keyFile)
        : accountFromMnemonicFile(
            mnemonicFile as string,
            values.index === undefined ? 0 : nonNegativeInteger(values.index, '--index', usage),
          )
    const signed = await Bundle.sign(bundle, account)
    writeBundle(file, signed)
    io.stdout(
      `Signed ${file} as ${account.address}\nVersion     ${signed.version}\nHash        ${Bundle.hash(signed)}\nSignatures  ${signed.signatures.length}\n`,
    )
    return 0
  },
}

export const policyAddSignature: Command = {
  path: ['policy', 'add-signature'],
  summary: 'Attach an admin signature made elsewhere (e.g. personal_sign on a Ledger) to a bundle.',
  usage: 'policy add-signature <bundle> --signer ADDR --signature HEX',
  options: {
    signer: { type: 'string', help: "the admin's address" },
    signature: { type: 'string', help: '65-byte personal_sign signature over `policy sign --print-message`' },
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const usage = policyAddSignature.usage
    const file = onePositional(positionals, usage, 'bundle')
    const signerText = requiredString(values.signer, '--signer', usage)
    const signatureText = requiredString(values.signature, '--signature', usage)
    if (!SafeTx.looksLikeAddress(signerText)) {
      throw new UsageError(`--signer ${signerText} is not an address.`, {
        hint: 'Pass the 0x-prefixed 20-byte address of the admin who signed.',
      })
    }
    const signer = SafeTx.parseAddress(signerText, '--signer')
    let signature: SafeTx.Hex
    try {
      signature = SafeTx.parseHex(signatureText, '--signature', { bytes: 65 })
    } catch {
      throw new UsageError('--signature is not a 65-byte hex signature.', {
        hint: 'Pass the 0x-prefixed 130-hex-character signature the wallet returned.',
      })
    }
    const bundle = readBundle(file)
    // Check now, not at install time: a wrong paste or a signature over another version is caught here.
    const recovered = await Bundle.signerOf(bundle, signature)
    if (recovered?.toLowerCase() !== signer.toLowerCase()) {
      throw new SignatureMismatchError(
        `The signature does not verify for ${signer} over bundle ${Bundle.hash(bundle)}.`,
        {
          hint: 'Have the admin sign exactly the text `airlock policy sign <bundle> --print-message` prints.',
          details: recovered ? `recovered ${recovered}` : 'the signature does not recover',
        },
      )
    }
    const updated = Bundle.addSignature(bundle, { signer, signature })
    writeBundle(file, updated)
    io.stdout(`Added the signature of ${signer} to ${file} (${updated.signatures.length} in all)\n`)
    return 0
  },
}

export const policyVerify: Command = {
  path: ['policy', 'verify'],
  summary: 'Verify a policy bundle: K-of-M admin signatures, no rollback, schema and policies valid.',
  usage: 'policy verify <bundle> [--installed FILE] [--json]',
  options: {
    installed: { type: 'string', help: 'the bundle the signer runs now (its admins must have signed)' },
    json: { type: 'boolean', help: 'print the verification as JSON' },
  },
  allowPositionals: true,
  run: async ({ values, positionals, io }) => {
    const file = onePositional(positionals, policyVerify.usage, 'bundle')
    const candidate = readJsonFile(file, 'policy bundle')
    const installed = typeof values.installed === 'string' ? readBundle(values.installed) : undefined
    const result = await Bundle.verify(candidate, { cedar, installed })
    if (values.json) {
      const { org: _org, ...rest } = result
      io.stdout(`${toJson({ ...rest, issues: result.issues.map(plainIssue) })}\n`)
    } else io.stdout(describeVerification(result, installed))
    if (!result.valid) {
      throw new BundleInvalidError(
        `The policy bundle ${file} is not valid: ${result.issues.length} issue(s).`,
        {
          hint: 'Do not install it; fix the issues listed.',
        },
      )
    }
    return 0
  },
}

export const policyExport: Command = {
  path: ['policy', 'export'],
  summary: 'Print a policy bundle as UR parts (one per line), to carry it to the signer by QR.',
  usage: 'policy export <bundle> --ur [--max-fragment N]',
  options: {
    ur: { type: 'boolean', help: 'print the airlock-policy-bundle UR parts, one per line' },
    'max-fragment': { type: 'string', help: 'largest fragment in bytes (smaller = simpler QR codes)' },
  },
  allowPositionals: true,
  run: ({ values, positionals, io }) => {
    const usage = policyExport.usage
    const file = onePositional(positionals, usage, 'bundle')
    if (!values.ur)
      throw new UsageError('Choose an export format: --ur.', { hint: `Usage: airlock ${usage}` })
    const bundle = readBundle(file)
    const maxFragmentLength =
      values['max-fragment'] === undefined
        ? undefined
        : positiveInteger(values['max-fragment'], '--max-fragment', usage)
    const encoder = Ur.encode({
      ...PolicyBundle.toUr({ version: bundle.version, document: bundleDocument(bundle) }),
      maxFragmentLength,
    })
    io.stdout(`${encoder.firstParts().join('\n')}\n`)
    return 0
  },
}

export const policyCommands: Command[] = [
  policyCheck,
  policyTest,
  policyBundle,
  policySign,
  policyAddSignature,
  policyVerify,
  policyExport,
]

/**
 * The bytes a PolicyBundle UR carries: the bundle (with signatures) as canonical JSON, so the same
 * bundle always yields the same QR codes. The signer decodes it with `Bundle.parse(JSON.parse(text))`.
 *
 * @example
 * PolicyBundle.toUr({ version: bundle.version, document: bundleDocument(bundle) })
 */
export function bundleDocument(bundle: Bundle.Bundle): Uint8Array {
  return Canonical.encodeBytes(bundle)
}

function describeVerification(result: BundleVerification, installed: Bundle.Bundle | undefined): string {
  const lines = [
    `Status      ${result.valid ? (result.sameAsInstalled ? 'valid (same as installed)' : 'valid') : 'INVALID'}`,
    `Hash        ${result.hash ?? '-'}`,
    `Version     ${result.version ?? '-'}`,
    `Authority   ${
      result.authority === 'genesis'
        ? "genesis: the bundle's own admins (confirm this hash out of band before the first install)"
        : `installed bundle version ${installed?.version} and its admins`
    }`,
    `Signers     ${result.signers.length === 0 ? 'none valid' : result.signers.map((s) => checksummed(s)).join(', ')}`,
  ]
  if (result.issues.length === 0) lines.push('Issues      none')
  else {
    lines.push('Issues')
    for (const issue of result.issues) {
      lines.push(`  ${issue.code}: ${issue.message}`)
      for (const d of issue.diagnostics ?? []) lines.push(`    ${Engine.formatDiagnostic(d)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

function plainIssue(issue: BundleVerification['issues'][number]) {
  return {
    code: issue.code,
    message: issue.message,
    ...(issue.signer ? { signer: issue.signer } : {}),
    ...(issue.diagnostics ? { diagnostics: issue.diagnostics.map(Engine.formatDiagnostic) } : {}),
  }
}

// An admin signs only a bundle the signer could install; signature issues are what signing fixes.
async function refuseBrokenBundle(bundle: Bundle.Bundle): Promise<void> {
  const { issues } = await Bundle.verify(bundle, { cedar })
  const blocking = issues.filter((i) => ['malformed', 'schema-invalid', 'policies-invalid'].includes(i.code))
  const first = blocking[0]
  if (first) {
    throw new BundleInvalidError(`Refusing to sign: ${first.message}`, {
      hint: 'Run `airlock policy verify` on the bundle and rebuild it from a valid policy set.',
      details: (first.diagnostics ?? []).map(Engine.formatDiagnostic).join('\n') || undefined,
    })
  }
}

function readBundle(file: string): Bundle.Bundle {
  return Bundle.parse(readJsonFile(file, 'policy bundle'))
}

function writeBundle(file: string, bundle: Bundle.Bundle): void {
  writeFileAtomic(file, `${JSON.stringify(bundle, null, 2)}\n`)
}

function parseTestFile(name: string, json: unknown): void {
  try {
    PolicyTest.parse(json)
  } catch (error) {
    if (error instanceof BaseError) {
      throw new PolicySetInvalidError(`tests/${name}: ${error.shortMessage}`, {
        hint: error.hint,
        cause: error,
      })
    }
    throw error
  }
}

function readSecretFile(path: string, what: string): string {
  let mode: number
  try {
    mode = statSync(path).mode
  } catch (cause) {
    throw new InputFileError(`Cannot read the ${what} file ${path}.`, { hint: 'Check the path.', cause })
  }
  // A key others can read is a key others may have: refuse rather than sign with it.
  if ((mode & 0o077) !== 0) {
    throw new AdminKeyError(`The ${what} file ${path} is readable by other users.`, {
      hint: `Run chmod 600 ${path}, and treat the key as exposed if others could read it.`,
    })
  }
  return new TextDecoder().decode(readInputFile(path, what)).trim()
}

// The admin key parsed by @airlock/policy; the error names the file it came from.
function fromFile(path: string, what: string, parse: (text: string) => AdminKey.Account): AdminKey.Account {
  const text = readSecretFile(path, what)
  try {
    return parse(text)
  } catch (error) {
    if (!(error instanceof InvalidAdminKeyError)) throw error
    throw new AdminKeyError(`${error.shortMessage.replace(/\.$/, '')} (${path}).`, {
      hint: error.hint ?? 'Use another key.',
      cause: error,
    })
  }
}

const accountFromKeyFile = (path: string) => fromFile(path, 'admin key', AdminKey.fromPrivateKey)
const accountFromMnemonicFile = (path: string, addressIndex: number) =>
  fromFile(path, 'mnemonic', (text) => AdminKey.fromMnemonic(text, { addressIndex }))

function onePositional(positionals: string[], usage: string, what: string): string {
  const [first, ...rest] = positionals
  if (first === undefined || rest.length > 0) {
    throw new UsageError(
      first === undefined ? `Missing the ${what} argument.` : `Unexpected argument: ${rest[0]}.`,
      { hint: `Usage: airlock ${usage}` },
    )
  }
  return first
}

function requiredString(value: unknown, flag: string, usage: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`Missing ${flag}.`, { hint: `Usage: airlock ${usage}` })
  }
  return value
}

function positiveInteger(value: unknown, flag: string, usage: string): number {
  const n = nonNegativeInteger(value, flag, usage)
  if (n === 0) throw new UsageError(`${flag} must be at least 1.`, { hint: `Usage: airlock ${usage}` })
  return n
}

function nonNegativeInteger(value: unknown, flag: string, usage: string): number {
  const text = requiredString(value, flag, usage)
  const n = Number(text)
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${flag} ${text} is not a whole number.`, { hint: `Usage: airlock ${usage}` })
  }
  return n
}
