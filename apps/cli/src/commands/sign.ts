// `airlock sign …`: the headless offline signer. Requests come in as PNG frames from the camera, UR
// text (one part per line) or raw CBOR; responses go out as a single-part UR. The state directory
// (log, log key, installed bundle, optional software key) is `--state`, $AIRLOCK_SIGNER_HOME or
// ~/.airlock/signer.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Failure, type LedgerDevice, PrivateKey } from '@airlock/devices'
import { type BaseError, isBaseError, Json } from '@airlock/errors'
import { cedar } from '@airlock/policy/node'
import type { SafeTx } from '@airlock/safe'
import {
  type ApproveResult,
  type KeySource,
  Keys,
  Keystone,
  KeystoneSession,
  NoPolicyInstalledError,
  type Review,
  reviewText,
} from '@airlock/signer-core'
import {
  openStateDir,
  type RecoverParameters,
  resolveStateDir,
  type StateDir,
} from '@airlock/signer-core/node'
import {
  EthSignature,
  MessageRequest,
  PolicyBundle,
  SignatureResponse,
  SignRequest,
  Ur,
  type UrResult,
} from '@airlock/transport'
import type { Command } from '../command.ts'
import { InputFileError, UsageError } from '../errors.ts'
import { type Io, readJsonFile, toJson } from '../io.ts'
import { hex } from '../print.ts'
import { readUrInput } from '../urInput.ts'
import { densityStepOption, plan, writeFrames } from './qr.ts'
import { approveMessage, refuseKeystone, reviewMessage } from './signMessage.ts'

type Address = SafeTx.Address
type Hex = SafeTx.Hex

const DEFAULT_PATH = "m/44'/60'/0'/0/0"

const common = {
  state: {
    type: 'string',
    help: 'signer state directory (default $AIRLOCK_SIGNER_HOME or ~/.airlock/signer)',
  },
  device: {
    type: 'string',
    help: 'dev (the software key in the state dir), ledger or keystone; default dev',
  },
  path: { type: 'string', help: `BIP-44 path of the owner key on the device (default ${DEFAULT_PATH})` },
  'keystone-address': {
    type: 'string',
    help: 'the Keystone owner address (from its sync QR; default: the one stored in the state dir)',
  },
  'keystone-fingerprint': {
    type: 'string',
    help: 'the Keystone master fingerprint, 8 hex digits (default: the one stored in the state dir)',
  },
} as const

export const signInit: Command = {
  path: ['sign', 'init'],
  summary: 'Install a signed policy bundle into a signer state directory (and optionally a dev key).',
  usage:
    'sign init --bundle FILE [--state DIR] [--new-audit-key] [--dev-key-file FILE|-] [--keystone-address ADDR --keystone-fingerprint HEX [--path P]]',
  options: {
    state: common.state,
    'keystone-address': common['keystone-address'],
    'keystone-fingerprint': common['keystone-fingerprint'],
    path: common.path,
    bundle: {
      type: 'string',
      help: 'the signed policy bundle: its JSON file, or its QR code (a file of UR parts or a directory of PNG frames)',
    },
    'dev-key-file': {
      type: 'string',
      help: 'a file holding a software owner key as hex, or - for standard input (tests and the demo; the bundle must allow it). Never on the command line, where other users and the shell history see it',
    },
    'new-audit-key': {
      type: 'boolean',
      help: 'the audit key is lost: keep the old log aside and start a new one with a new key (the policy admins must enrol it)',
    },
  },
  run: async ({ values, io }) => {
    if (typeof values.bundle !== 'string') {
      throw new UsageError('sign init needs --bundle FILE.', { hint: `Usage: airlock ${signInit.usage}` })
    }
    const bundle = await readBundle(values.bundle, io)
    // A key, not just 32 bytes of hex: non-zero and below the curve order.
    const devKey =
      values['dev-key-file'] === undefined
        ? undefined
        : PrivateKey.parse(await readSecret(values['dev-key-file'], io), {
            what: 'the key in --dev-key-file',
          })
    const keystone = keystoneFlags(values)
    // The same bundle restores a lost bundle file; --new-audit-key replaces a lost key (both logged).
    const recover = { restoreBundle: bundle, newAuditKey: values['new-audit-key'] === true }
    return withState(values, io.cwd, recover, async (state) => {
      const verification = await state.installBundle(bundle)
      if (typeof devKey === 'string' && (await state.devKey()) === undefined) await state.saveDevKey(devKey)
      if (keystone) await state.saveKeystoneAccount(keystone)
      io.stdout(
        `${verification.sameAsInstalled ? 'Already installed' : 'Installed'}: policy bundle version ${verification.version} ${verification.hash}\n` +
          `Signed by: ${verification.signers.join(', ')}\nState: ${state.dir}\n`,
      )
      if (recover.newAuditKey) {
        io.stdout(
          `New audit key ${hex(state.log.publicKey)}: the policy admins must enrol it; the old log is kept in ${state.dir}.\n`,
        )
      }
      return 0
    })
  },
}

/** A policy bundle from its JSON file or from its QR code (airlock-policy-bundle UR: parts or frames). */
async function readBundle(input: string, io: Io): Promise<unknown> {
  const path = resolve(io.cwd, input)
  let isJson = false
  try {
    // Any JSON value (a list, null, a 10,000-deep nest) goes to the JSON reader, which names what is wrong.
    isJson =
      statSync(path).isFile() &&
      /^(?:[[{"]|null|true|false|-?\d)/.test(readFileSync(path, 'utf8').trimStart())
  } catch {
    // Not a readable file: readUrInput reports it (or decodes a directory of frames).
  }
  if (isJson) return readJsonFile(path, 'policy bundle')
  const ur = await readUrInput({
    inputs: [input],
    io,
    expectedTypes: [PolicyBundle.urType],
    what: 'policy bundle',
  })
  const { document } = PolicyBundle.fromUr(ur)
  try {
    return Json.parse(document, { what: 'policy bundle in the QR code' })
  } catch (cause) {
    throw new InputFileError((cause as BaseError).shortMessage, {
      hint: "Export it again with 'airlock policy export <bundle> --ur'.",
      cause,
    })
  }
}

export const signReview: Command = {
  path: ['sign', 'review'],
  summary:
    'Review a signing request offline: hashes, calls, findings, tier, policy verdict (logged as reviewed).',
  usage:
    'sign review <request: UR text, PNG frames or CBOR; a transaction or a Safe message request> [--state DIR] [--device dev|ledger|keystone] [--json]',
  allowPositionals: true,
  options: { ...common, json: { type: 'boolean', help: 'print the review as JSON' } },
  run: async ({ values, positionals, io }) => {
    const read = await readRequest(positionals, io)
    if ('message' in read) {
      refuseKeystone(values)
      return withState(values, io.cwd, {}, async (state) => {
        const key = await openKey(values, state, io)
        try {
          const identity = await Keys.identityOf(key)
          if ('ok' in identity) return deviceFailure(identity, values, io)
          return await reviewMessage({
            request: read.message,
            state,
            identity,
            json: values.json === true,
            io,
          })
        } finally {
          await closeKey(key)
        }
      })
    }
    const request = read
    return withState(values, io.cwd, {}, async (state) => {
      if (values.device === 'keystone') {
        const account = await KeystoneSession.accountOf({ store: state, ...keystoneGiven(values) })
        const review = await state.signer.review(request, {
          identity: { address: account.address, keyKind: 'keystone' },
        })
        io.stdout(values.json ? `${toJson(reviewJson(review))}\n` : reviewText(review))
        return 0
      }
      const key = await openKey(values, state, io)
      try {
        const identity = await Keys.identityOf(key)
        if ('ok' in identity) {
          io.stderr(`airlock: ${identity.userMessage} ${identity.hint}\n`)
          return 1
        }
        const review = await state.signer.review(request, { identity })
        io.stdout(values.json ? `${toJson(reviewJson(review))}\n` : reviewText(review))
        return 0
      } finally {
        await closeKey(key)
      }
    })
  },
}

export const signApprove: Command = {
  path: ['sign', 'approve'],
  summary: 'Decide a signing request and print the signature response UR, or the refusal with its reasons.',
  usage:
    'sign approve <request file: UR text or CBOR; a transaction or a Safe message request> [--device dev|ledger|keystone] [--state DIR] [--path P] [--ack-replacement] [--out DIR] [--json]\n' +
    '       sign approve <request> --device keystone --out DIR [--density-step N] [--keystone-address A --keystone-fingerprint F]\n' +
    '       sign approve <request> --device keystone --keystone-signature <parts file|images...>',
  allowPositionals: true,
  options: {
    ...common,
    'ack-replacement': {
      type: 'boolean',
      help: 'confirm that replacing a transaction this signer already signed for the same nonce is intended',
    },
    json: { type: 'boolean', help: 'print the outcome as JSON' },
    out: {
      type: 'string',
      help: 'directory for QR frames (PNG, preview.html, parts.txt): the signature response, or with keystone (first step) the eth-sign-request',
    },
    'density-step': densityStepOption(),
    'keystone-signature': {
      type: 'string',
      multiple: true,
      help: 'keystone, second step: the eth-signature scanned back (a parts file, or PNG frames / a directory; repeatable)',
    },
  },
  run: async ({ values, positionals, io }) => {
    const keystone = values.device === 'keystone'
    const answers = (values['keystone-signature'] as string[] | undefined) ?? []
    // With --keystone-signature, further positionals are more signature images (shell globs).
    const [requestFile, ...extra] = positionals
    if (keystone && answers.length > 0) answers.push(...extra)
    else if (extra.length > 0) {
      throw new UsageError('Give exactly one request file.', { hint: `Usage: airlock ${signApprove.usage}` })
    }
    const read = await readRequest(requestFile === undefined ? [] : [requestFile], io)
    if ('message' in read) {
      // A Safe message: same state, log, policy and devices; no rounds, no replacements.
      refuseKeystone(values)
      if (typeof values.out === 'string' && !isEmptyOrMissing(resolve(io.cwd, values.out))) {
        throw new UsageError(`${values.out} exists and is not empty.`, {
          hint: 'Choose a new directory for the response frames.',
        })
      }
      return withState(values, io.cwd, {}, async (state) => {
        if (!state.signer.installed) {
          throw new NoPolicyInstalledError('No policy bundle is installed in this signer state directory.', {
            hint: `Install one with 'airlock sign init --bundle FILE --state ${state.dir}'.`,
          })
        }
        const key = await openKey(values, state, io)
        try {
          return await approveMessage({ request: read.message, state, key, values, io, deviceFailure })
        } finally {
          await closeKey(key)
        }
      })
    }
    const request = read
    if (!keystone && answers.length > 0) {
      throw new UsageError('--keystone-signature is for --device keystone.', {
        hint: `Usage: airlock ${signApprove.usage}`,
      })
    }
    if (keystone && answers.length > 0 === (typeof values.out === 'string')) {
      throw new UsageError(
        'Keystone signing takes two steps: give either --out DIR or --keystone-signature.',
        {
          hint: 'First --out DIR (show the frames to the Keystone), then --keystone-signature with what it shows back.',
        },
      )
    }
    // Check the output directory before anything is decided and logged.
    if (typeof values.out === 'string' && !isEmptyOrMissing(resolve(io.cwd, values.out))) {
      throw new UsageError(`${values.out} exists and is not empty.`, {
        hint: 'Choose a new directory for the Keystone frames.',
      })
    }
    const answer = answers.length > 0 ? await readEthSignature(answers, io) : undefined
    return withState(values, io.cwd, {}, async (state) => {
      if (!state.signer.installed) {
        throw new NoPolicyInstalledError('No policy bundle is installed in this signer state directory.', {
          hint: `Install one with 'airlock sign init --bundle FILE --state ${state.dir}'.`,
        })
      }
      const acknowledgeReplacement = values['ack-replacement'] === true
      if (keystone) {
        const given = {
          signer: state.signer,
          store: state,
          request,
          acknowledgeReplacement,
          ...keystoneGiven(values),
        }
        if (answer) return report(await KeystoneSession.complete({ ...given, answer }), values, io)
        const asked = await KeystoneSession.request(given)
        if (asked.status !== 'keystone-requested') return report(asked, values, io)
        const density = await plan(values, asked.ur.payload, asked.ur.type)
        const encoder = Ur.encode({ ...asked.ur, maxFragmentLength: density.maxFragmentLength })
        const parts = encoder.firstParts(encoder.isSinglePart ? 1 : 2 * encoder.fragmentCount)
        await writeFrames({ out: values.out as string, parts, density, io })
        const what =
          asked.pending.kind === 'approval-attestation'
            ? `the round-1 approval attestation (${asked.pending.tier}; not a Safe signature)`
            : 'the Safe transaction'
        if (values.json) {
          io.stdout(
            `${toJson({ status: 'keystone-requested', pending: Keystone.pendingToJson(asked.pending), out: values.out, parts })}\n`,
          )
        } else {
          io.stdout(`${asked.pending.requestId}\n`)
          io.stderr(
            `Keystone request ${asked.pending.requestId}: sign ${what} with ${asked.pending.expectedOwner} at ${asked.pending.path}.\n` +
              `Show ${values.out}/preview.html (or the frame PNGs) to the Keystone, then scan its signature and run:\n` +
              `  airlock sign approve ${requestFile} --device keystone --keystone-signature <parts file|images>\n`,
          )
        }
        return 0
      }
      const key = await openKey(values, state, io)
      try {
        const result = await state.signer.approve(request, { key, acknowledgeReplacement })
        // The response as QR frames for the coordinator's camera (`airlock sig add DIR` reads them).
        if (result.status === 'released' && typeof values.out === 'string') {
          const ur = SignatureResponse.toUr(result.response)
          const density = await plan(values, ur.payload, ur.type)
          const encoder = Ur.encode({ ...ur, maxFragmentLength: density.maxFragmentLength })
          const parts = encoder.firstParts(encoder.isSinglePart ? 1 : 2 * encoder.fragmentCount)
          await writeFrames({ out: values.out, parts, density, io })
          io.stderr(
            `Response frames in ${values.out} (open preview.html to show them; airlock sig add reads the directory).\n`,
          )
        }
        return report(result, values, io)
      } finally {
        await closeKey(key)
      }
    })
  },
}

export const signAddress: Command = {
  path: ['sign', 'address'],
  summary:
    "Show the owner address of this signer's key, confirmed on the Ledger's screen, and the Safes it owns.",
  usage: 'sign address [--device ledger|dev] [--path P] [--skip-confirm] [--state DIR] [--json]',
  options: {
    state: common.state,
    device: { type: 'string', help: 'ledger (default) or dev (the software key in the state dir)' },
    path: common.path,
    'skip-confirm': {
      type: 'boolean',
      help: 'only read the address; do not ask the Ledger to show it for confirmation',
    },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  run: async ({ values, io }) => {
    const device = typeof values.device === 'string' ? values.device : 'ledger'
    if (device !== 'ledger' && device !== 'dev') {
      throw new UsageError(`sign address reads a Ledger or the dev key, not "${device}".`, {
        hint: "A Keystone's address comes from its sync QR: give it to 'airlock sign init --keystone-address'.",
      })
    }
    const path = typeof values.path === 'string' ? values.path : DEFAULT_PATH
    const confirm = device === 'ledger' && values['skip-confirm'] !== true
    return withState(values, io.cwd, {}, async (state) => {
      let address: Address
      if (device === 'dev') {
        const identity = await Keys.identityOf({ kind: 'software', privateKey: await devKey(state) })
        if ('ok' in identity) return deviceFailure(identity, values, io)
        address = identity.address
      } else {
        const ledger = await openLedger(io)
        if ('ok' in ledger) return deviceFailure(ledger, values, io)
        try {
          if (confirm) io.stderr(`Check the address on the Ledger's screen and approve it (${path}).\n`)
          const outcome = await ledger.getAddress({ path, confirm })
          if (!outcome.ok) return deviceFailure(outcome, values, io)
          address = outcome.address
        } finally {
          await ledger.close()
        }
      }
      const owns = Keys.ownedSafes(state.signer.installed, address)
      if (values.json) {
        io.stdout(`${toJson({ address, path, device, confirmedOnDevice: confirm, owns })}\n`)
      } else {
        io.stdout(`${address}\n`)
        io.stderr(
          `${device === 'ledger' ? `Ledger ${path}` : 'dev key'}: ${address}${confirm ? ' (confirmed on the device)' : ''}\n`,
        )
        if (!state.signer.installed) io.stderr('No policy bundle is installed: Safe ownership not checked.\n')
        else if (owns.length === 0)
          io.stderr('warning: this address owns none of the Safes in the installed policy.\n')
        for (const safe of owns)
          io.stderr(`  owner of ${safe.name} ${safe.address} (chain ${safe.chainId})\n`)
      }
      return 0
    })
  },
}

function deviceFailure(failure: Failure, values: Record<string, unknown>, io: Io): number {
  if (values.json) io.stdout(`${toJson({ status: 'device-error', failure })}\n`)
  io.stderr(`airlock: device error (${failure.code}): ${failure.userMessage} ${failure.hint}\n`)
  return 1
}

function isEmptyOrMissing(path: string): boolean {
  try {
    return statSync(path).isDirectory() && readdirSync(path).length === 0
  } catch {
    return true
  }
}

// The outcome of a decision: the response UR on stdout, or why not on stderr.
function report(result: ApproveResult, values: Record<string, unknown>, io: Io): number {
  if (result.status === 'released') {
    const ur = Ur.encodeSingle(SignatureResponse.toUr(result.response))
    if (values.json)
      io.stdout(`${toJson({ status: 'released', kind: result.kind, response: result.response, ur })}\n`)
    else {
      io.stdout(`${ur}\n`)
      io.stderr(
        result.kind === 'approval-attestation'
          ? `Round 1 (${result.review.tier}): approval attestation by ${result.response.signer}. Not a Safe signature; sign again after the delay with the other owners' attestations.\n`
          : `Safe signature by ${result.response.signer} over ${result.response.safeTxHash}.\n`,
      )
    }
    return 0
  }
  if (result.status === 'device-error') return deviceFailure(result.failure, values, io)
  if (values.json) io.stdout(`${toJson({ status: 'refused', refusals: result.refusals })}\n`)
  io.stderr(
    `airlock: refused (${result.refusals.length} reason${result.refusals.length === 1 ? '' : 's'}):\n${result.refusals
      .map((r) => `  ${r.code}: ${r.message}\n`)
      .join('')}`,
  )
  return 1
}

// --keystone-address and --keystone-fingerprint (with --path), both or neither.
function keystoneFlags(values: Record<string, unknown>): Keystone.Account | undefined {
  const address = values['keystone-address']
  const fingerprint = values['keystone-fingerprint']
  if (address === undefined && fingerprint === undefined) return undefined
  if (typeof address !== 'string' || typeof fingerprint !== 'string') {
    throw new UsageError('Give --keystone-address and --keystone-fingerprint together.', {
      hint: 'Both come from the Keystone sync QR (the owner address and the master fingerprint).',
    })
  }
  const path = typeof values.path === 'string' ? values.path : DEFAULT_PATH
  return Keystone.account({ address: address as Hex, sourceFingerprint: fingerprint, path })
}

// The Keystone account and path given on the command line (the session falls back to the stored ones).
function keystoneGiven(values: Record<string, unknown>): {
  account: Keystone.Account | undefined
  path: string | undefined
} {
  return { account: keystoneFlags(values), path: typeof values.path === 'string' ? values.path : undefined }
}

// A secret from a file (its first line) or from standard input (`-`), never from argv.
async function readSecret(source: unknown, io: Io): Promise<string> {
  if (typeof source !== 'string' || source === '') {
    throw new UsageError('--dev-key-file needs a file name, or - for standard input.', {
      hint: 'Example: airlock sign init --bundle bundle.json --dev-key-file owner.key',
    })
  }
  let text: string
  try {
    text =
      source === '-'
        ? new TextDecoder().decode(await io.readStdin())
        : readFileSync(resolve(io.cwd, source), 'utf8')
  } catch (cause) {
    throw new InputFileError(`Cannot read the key file ${source}.`, {
      hint: 'Check the path and the file permissions.',
      details: (cause as Error).message,
      cause,
    })
  }
  return text.trim()
}

// The Keystone's eth-signature: UR parts (one per line) in a text file, or PNG frames.
async function readEthSignature(inputs: string[], io: Io): Promise<UrResult> {
  return readUrInput({ inputs, io, expectedTypes: [EthSignature.urType], what: 'Keystone signature' })
}

async function withState(
  values: Record<string, unknown>,
  cwd: string,
  recover: RecoverParameters,
  run: (state: StateDir) => Promise<number>,
): Promise<number> {
  const dir = resolve(cwd, resolveStateDir(typeof values.state === 'string' ? values.state : undefined))
  const state = await openState(dir, recover)
  try {
    return await run(state)
  } finally {
    await state.close()
  }
}

/** Opens the state directory, checked up front: a path that is a file, or unusable, is an InputFileError. */
async function openState(dir: string, recover: RecoverParameters): Promise<StateDir> {
  let stat: ReturnType<typeof statSync> | undefined
  try {
    stat = statSync(dir)
  } catch {
    // Missing: openStateDir creates it (its parents' problems are reported below).
  }
  if (stat && !stat.isDirectory()) {
    throw new InputFileError(`The signer state directory ${dir} is not a directory.`, {
      hint: 'Give --state (or $AIRLOCK_SIGNER_HOME) a directory; a missing one is created.',
    })
  }
  try {
    return await openStateDir({ dir, cedar, ...recover })
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code
    if (isBaseError(cause) || typeof code !== 'string') throw cause
    // A file system refusal (a parent that is a file, a file inside that is a directory, permissions).
    throw new InputFileError(`Cannot open the signer state directory ${dir} (${code}).`, {
      hint: 'Check the path and its permissions; every part of it must be a directory you can write.',
      details: (cause as Error).message,
      cause,
    })
  }
}

// A request file: UR frames (one per line, any order, single- or multi-part), or the CBOR bytes; a
// transaction's sign request or a Safe message request.
async function readRequest(
  positionals: string[],
  io: Io,
): Promise<SignRequest.SignRequest | { message: MessageRequest.MessageRequest }> {
  if (positionals.length !== 1) {
    throw new UsageError('Give exactly one request: a file of UR parts, PNG frames (a directory) or CBOR.', {
      hint: 'Scan the coordinator’s animated QR code into a directory of frames, or save its UR parts.',
    })
  }
  const ur = await readUrInput({
    inputs: positionals,
    io,
    expectedTypes: [SignRequest.urType, MessageRequest.urType],
    what: 'request',
    cborType: SignRequest.urType,
  })
  return ur.type === MessageRequest.urType ? { message: MessageRequest.fromUr(ur) } : SignRequest.fromUr(ur)
}

async function openKey(values: Record<string, unknown>, state: StateDir, io: Io): Promise<KeySource> {
  const device = typeof values.device === 'string' ? values.device : 'dev'
  const path = typeof values.path === 'string' ? values.path : DEFAULT_PATH
  if (device === 'dev') return { kind: 'software', privateKey: await devKey(state) }
  if (device === 'ledger') {
    return { kind: 'ledger', device: await openLedger(io), path }
  }
  if (device === 'keystone') {
    throw new UsageError('Keystone signing takes two steps, through `sign approve`.', {
      hint: 'Run `airlock sign approve <request> --device keystone --out DIR`, then with --keystone-signature.',
    })
  }
  throw new UsageError(`Unknown device "${device}".`, { hint: 'Use --device dev, ledger or keystone.' })
}

async function devKey(state: StateDir): Promise<Hex> {
  const privateKey = await state.devKey()
  if (!privateKey) {
    throw new UsageError('This state directory has no dev key.', {
      hint: "Add one with 'airlock sign init --bundle FILE --dev-key-file KEYFILE', or use --device ledger.",
    })
  }
  return privateKey
}

async function openLedger(io: Io): Promise<LedgerDevice | Failure> {
  if (io.openLedger) return io.openLedger()
  // Loaded only when asked for: node-hid is a native module.
  const { openLedgerHid } = await import('@airlock/devices/node')
  return openLedgerHid()
}

async function closeKey(key: KeySource): Promise<void> {
  if (key.kind === 'ledger' && 'close' in key.device) await (key.device as LedgerDevice).close()
}

function reviewJson(review: Review) {
  return {
    allowed: review.allowed,
    stage: review.stage,
    tier: review.tier,
    refusals: review.refusals,
    safe: review.context.safe,
    chainId: review.context.chainId,
    safeVersion: review.context.version,
    nonce: review.tx.nonce,
    hashes: review.hashes,
    ledger: review.ledger,
    findings: review.findings,
    tierReasons: review.analysis?.tierReasons,
    outflows: review.outflows,
    signatures: review.signatures,
    attestations: review.attestations,
    approvals: review.approvals,
    firstSeenAt: review.firstSeenAt,
    ageSeconds: review.ageSeconds,
    requiredDelaySeconds: review.requiredDelaySeconds,
    prior: review.prior,
    replacement: review.replacement,
    policy: review.policy && { decision: review.policy.decision, reasons: review.policy.reasons },
    untrusted: review.untrusted,
    bundle: review.bundle,
    signer: review.signer,
  }
}
