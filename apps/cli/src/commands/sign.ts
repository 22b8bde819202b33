// `airlock sign …`: the headless offline signer. Requests come in as UR text (one frame per line,
// single- or multi-part) or raw CBOR; responses go out as a single-part UR. The state directory
// (log, log key, installed bundle, optional software key) is `--state`, $AIRLOCK_SIGNER_HOME or
// ~/.airlock/signer.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { LedgerDevice } from '@airlock/devices'
import { isBaseError } from '@airlock/errors'
import { cedar } from '@airlock/policy/node'
import { SafeTx } from '@airlock/safe'
import {
  type Identity,
  KeyNotWiredError,
  type KeySource,
  NoPolicyInstalledError,
  type Review,
  reviewText,
} from '@airlock/signer-core'
import { openStateDir, resolveStateDir, type StateDir } from '@airlock/signer-core/node'
import { SignatureResponse, SignRequest, Ur, UrDecoder } from '@airlock/transport'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Command } from '../command.ts'
import { InputFileError, UsageError } from '../errors.ts'
import { readJsonFile, toJson } from '../io.ts'

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
} as const

export const signInit: Command = {
  path: ['sign', 'init'],
  summary: 'Install a signed policy bundle into a signer state directory (and optionally a dev key).',
  usage: 'sign init --bundle FILE [--state DIR] [--dev-key HEX]',
  options: {
    state: common.state,
    bundle: { type: 'string', help: 'policy bundle JSON signed by the policy admins' },
    'dev-key': {
      type: 'string',
      help: 'a software owner key (tests and the demo; the bundle must allow it)',
    },
  },
  run: async ({ values, io }) => {
    if (typeof values.bundle !== 'string') {
      throw new UsageError('sign init needs --bundle FILE.', { hint: `Usage: airlock ${signInit.usage}` })
    }
    const bundle = readJsonFile(resolve(io.cwd, values.bundle), 'policy bundle')
    const devKey = values['dev-key']
    if (devKey !== undefined) SafeTx.parseHex(devKey, '--dev-key', { bytes: 32 })
    return withState(values, io.cwd, async (state) => {
      const verification = await state.installBundle(bundle)
      if (typeof devKey === 'string' && (await state.devKey()) === undefined)
        await state.saveDevKey(devKey as Hex)
      io.stdout(
        `${verification.sameAsInstalled ? 'Already installed' : 'Installed'}: policy bundle version ${verification.version} ${verification.hash}\n` +
          `Signed by: ${verification.signers.join(', ')}\nState: ${state.dir}\n`,
      )
      return 0
    })
  },
}

export const signReview: Command = {
  path: ['sign', 'review'],
  summary:
    'Review a signing request offline: hashes, calls, findings, tier, policy verdict (logged as reviewed).',
  usage: 'sign review <request file: UR text or CBOR> [--state DIR] [--device dev|ledger] [--json]',
  allowPositionals: true,
  options: { ...common, json: { type: 'boolean', help: 'print the review as JSON' } },
  run: async ({ values, positionals, io }) => {
    const request = readRequest(positionals, io.cwd)
    return withState(values, io.cwd, async (state) => {
      const key = await openKey(values, state)
      try {
        const identity = await identityOf(key)
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
    'sign approve <request file: UR text or CBOR> [--device dev|ledger] [--state DIR] [--path P] [--ack-replacement] [--json]',
  allowPositionals: true,
  options: {
    ...common,
    'ack-replacement': {
      type: 'boolean',
      help: 'confirm that replacing a transaction this signer already signed for the same nonce is intended',
    },
    json: { type: 'boolean', help: 'print the outcome as JSON' },
  },
  run: async ({ values, positionals, io }) => {
    const request = readRequest(positionals, io.cwd)
    return withState(values, io.cwd, async (state) => {
      if (!state.signer.installed) {
        throw new NoPolicyInstalledError('No policy bundle is installed in this signer state directory.', {
          hint: `Install one with 'airlock sign init --bundle FILE --state ${state.dir}'.`,
        })
      }
      const key = await openKey(values, state)
      try {
        const result = await state.signer.approve(request, {
          key,
          acknowledgeReplacement: values['ack-replacement'] === true,
        })
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
        if (result.status === 'device-error') {
          if (values.json) io.stdout(`${toJson({ status: 'device-error', failure: result.failure })}\n`)
          io.stderr(
            `airlock: device error (${result.failure.code}): ${result.failure.userMessage} ${result.failure.hint}\n`,
          )
          return 1
        }
        if (values.json) io.stdout(`${toJson({ status: 'refused', refusals: result.refusals })}\n`)
        io.stderr(
          `airlock: refused (${result.refusals.length} reason${result.refusals.length === 1 ? '' : 's'}):\n${result.refusals
            .map((r) => `  ${r.code}: ${r.message}\n`)
            .join('')}`,
        )
        return 1
      } finally {
        await closeKey(key)
      }
    })
  },
}

async function withState(
  values: Record<string, unknown>,
  cwd: string,
  run: (state: StateDir) => Promise<number>,
): Promise<number> {
  const dir = resolve(cwd, resolveStateDir(typeof values.state === 'string' ? values.state : undefined))
  const state = await openStateDir({ dir, cedar })
  try {
    return await run(state)
  } finally {
    await state.close()
  }
}

// A request file: UR frames (one per line, any order, single- or multi-part), or the CBOR bytes.
function readRequest(positionals: string[], cwd: string): SignRequest.SignRequest {
  if (positionals.length !== 1) {
    throw new UsageError('Give exactly one request file.', {
      hint: 'The file holds the airlock-sign-request UR text or its CBOR.',
    })
  }
  const path = resolve(cwd, positionals[0]!)
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(readFileSync(path))
  } catch (cause) {
    throw new InputFileError(`Cannot read the request file ${path}.`, { hint: 'Check the path.', cause })
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).trim()
  if (!/^ur:/i.test(text)) return SignRequest.decode(bytes)
  const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
  for (const line of text.split(/\s+/)) {
    const status = decoder.receive(line)
    if (status.status === 'complete') return SignRequest.fromUr(status.result)
    if ('error' in status && status.error && isBaseError(status.error)) throw status.error
  }
  throw new InputFileError(`The request file ${path} holds an incomplete UR sequence.`, {
    hint: 'Scan more frames of the animated QR code into the file, one per line.',
  })
}

async function openKey(values: Record<string, unknown>, state: StateDir): Promise<KeySource> {
  const device = typeof values.device === 'string' ? values.device : 'dev'
  const path = typeof values.path === 'string' ? values.path : DEFAULT_PATH
  if (device === 'dev') {
    const privateKey = await state.devKey()
    if (!privateKey) {
      throw new UsageError('This state directory has no dev key.', {
        hint: "Add one with 'airlock sign init --dev-key HEX', or use --device ledger.",
      })
    }
    return { kind: 'software', privateKey }
  }
  if (device === 'ledger') {
    // Loaded only when asked for: node-hid is a native module.
    const { openLedgerHid } = await import('@airlock/devices/node')
    return { kind: 'ledger', device: await openLedgerHid(), path }
  }
  if (device === 'keystone') {
    throw new KeyNotWiredError('Keystone signing is not wired into the headless CLI yet.', {
      hint: 'Use --device ledger, or the signer app for Keystone QR signing.',
    })
  }
  throw new UsageError(`Unknown device "${device}".`, { hint: 'Use --device dev, ledger or keystone.' })
}

async function identityOf(key: KeySource) {
  if (key.kind === 'software') {
    return { address: privateKeyToAccount(key.privateKey).address, keyKind: 'software' } satisfies Identity
  }
  if (!('signSafeTx' in key.device)) return key.device
  const address = await key.device.getAddress({ path: key.path })
  if (!address.ok) return address
  return { address: address.address, keyKind: 'ledger' } satisfies Identity
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
