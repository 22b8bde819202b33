import { Chain } from '@airlock/coordinator-core'
import { isBaseError } from '@airlock/errors'
import { type Action, ownerVerifier, type SignatureKind, StateMachine } from '@airlock/queue'
import { Signature } from '@airlock/safe'
import { Attestation } from '@airlock/signer-core'
import { EthSignature, SignatureResponse, type UrResult } from '@airlock/transport'
import { type Address, getAddress, type Hex } from 'viem'
import type { Command } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { type Io, toJson } from '../../io.ts'
import { readUrInput } from '../../urInput.ts'
import { SignatureRefusedError } from './errors.ts'
import { type Coordinator, homeOption, withCoordinator } from './home.ts'
import { actionText, actionView } from './view.ts'

const accepted = [SignatureResponse.urType, EthSignature.urType]

function readUr(inputs: string[], io: Io): Promise<UrResult> {
  return readUrInput({ inputs, io, expectedTypes: accepted, what: 'signature response' })
}

type Incoming = { action: Action; signer: Address; signature: Hex; kind: SignatureKind; source: string }

async function fromSignatureResponse(
  c: Coordinator,
  ur: UrResult,
  actionId: string | undefined,
): Promise<Incoming> {
  const response = SignatureResponse.fromUr(ur)
  const store = await c.store()
  let action: Action
  if (actionId !== undefined) {
    action = await store.getAction(actionId)
  } else {
    const live = await store.listActions({ live: true })
    const match = live.find((a) => a.safeTxHash.toLowerCase() === response.safeTxHash.toLowerCase())
    if (!match) {
      throw new SignatureRefusedError(`No queued action has safeTxHash ${response.safeTxHash}.`, {
        hint: 'The signature is for another transaction (or its action was cancelled or executed); check airlock action list.',
      })
    }
    action = match
  }
  if (response.safeTxHash.toLowerCase() !== action.safeTxHash.toLowerCase()) {
    throw new SignatureRefusedError(
      `The signature is for safeTxHash ${response.safeTxHash}, but action ${action.id} has ${action.safeTxHash}.`,
      { hint: 'It was made for another transaction; ask the owner to sign this action’s request.' },
    )
  }
  return {
    action,
    signer: getAddress(response.signer),
    signature: response.signature,
    kind: response.kind,
    source: 'airlock-signature',
  }
}

async function fromKeystone(c: Coordinator, ur: UrResult, actionId: string | undefined): Promise<Incoming> {
  if (actionId === undefined) {
    throw new UsageError(
      'A Keystone eth-signature carries only its request id: name the action with --action ID.',
      {
        hint: 'airlock sig add FILE --action ID',
      },
    )
  }
  const action = await (await c.store()).getAction(actionId)
  const decoded = EthSignature.decode(ur.payload)
  const signature = EthSignature.normalize({ signature: decoded.signature, chainId: action.safe.chainId })
  const recovered = Signature.recover({
    signature: Signature.fromEcdsa(signature),
    safeTxHash: action.safeTxHash,
  })
  if (recovered === undefined) {
    throw new SignatureRefusedError('No signer can be recovered from the Keystone signature.', {
      hint: 'Sign the request on the Keystone again.',
    })
  }
  return {
    action,
    signer: recovered,
    signature,
    kind: 'safe-signature',
    source: `eth-signature${decoded.origin ? ` (${decoded.origin})` : ''}`,
  }
}

/** Who an attestation for this action recovers to (it binds Safe, chain, safeTxHash and the tier). */
async function attestationSigner(action: Action, signature: Hex): Promise<Address | undefined> {
  if (!Attestation.isAttestedTier(action.tier)) return undefined
  try {
    return await Attestation.recover(
      {
        safe: action.safe.address,
        chainId: action.safe.chainId,
        safeTxHash: action.safeTxHash,
        tier: action.tier,
      },
      signature,
    )
  } catch {
    return undefined
  }
}

/** Says precisely why a signature is refused before the queue (which only says yes or no) sees it. */
async function check(incoming: Incoming, owners: readonly Address[]): Promise<void> {
  const { action, signer, signature, kind } = incoming
  let recovered: Address | undefined
  if (kind === 'approval-attestation') {
    if (!Attestation.isAttestedTier(action.tier)) {
      throw new SignatureRefusedError(
        `Action ${action.id} is ${action.tier}: it takes no approval attestations.`,
        {
          hint: 'Scan the Safe signature the signer releases instead.',
        },
      )
    }
    recovered = await attestationSigner(action, signature)
  } else {
    try {
      const parsed = Signature.parse(signature, { threshold: 1 })
      const entry = parsed.length === 1 ? parsed[0] : undefined
      if (entry?.type === 'ecdsa' || entry?.type === 'eth_sign') {
        recovered = Signature.recover({ signature: entry, safeTxHash: action.safeTxHash })
      } else {
        throw new SignatureRefusedError(`The signature from ${signer} is not one owner’s ECDSA signature.`, {
          hint: 'Scan the response the signer shows after signing; contract and approved-hash entries are not ingested here.',
        })
      }
    } catch (error) {
      if (error instanceof SignatureRefusedError) throw error
      throw new SignatureRefusedError(`The signature from ${signer} is malformed.`, {
        hint: 'Scan the signer’s response again; it may have been truncated.',
        details: isBaseError(error) ? error.shortMessage : String(error),
        cause: error,
      })
    }
  }
  if (recovered === undefined || recovered.toLowerCase() !== signer.toLowerCase()) {
    throw new SignatureRefusedError(
      `The ${kind === 'approval-attestation' ? 'attestation' : 'signature'} claimed by ${signer} does not recover to it over action ${action.id}'s hash${recovered ? ` (it recovers to ${recovered})` : ''}.`,
      {
        hint: 'It was made over another hash (another nonce, Safe, chain or transaction) or by another key: ask the owner to sign this action’s request again.',
        details: `safeTxHash ${action.safeTxHash}`,
      },
    )
  }
  if (!owners.some((o) => o.toLowerCase() === signer.toLowerCase())) {
    throw new SignatureRefusedError(`${signer} signed, but is not an owner of ${action.safe.address}.`, {
      hint: `Only current owners count: ${owners.join(', ')}.`,
    })
  }
}

export const sigAdd: Command = {
  path: ['sig', 'add'],
  summary: 'Add a signer’s response (airlock-signature UR text or PNG frames, or a Keystone eth-signature).',
  usage: 'sig add <ur-file | images… | frames-dir> [--action ID] [--json]',
  allowPositionals: true,
  options: {
    ...homeOption,
    action: { type: 'string', help: 'the action it answers (required for a Keystone eth-signature)' },
  },
  run: async ({ values, positionals, io }) => {
    if (positionals.length === 0) {
      throw new UsageError('Give the response: a UR text file, PNG frames or a directory of them.', {
        hint: `Usage: airlock ${sigAdd.usage}`,
      })
    }
    const actionId = typeof values.action === 'string' ? values.action : undefined
    const ur = await readUr(positionals, io)
    return withCoordinator(values, io.cwd, async (c) => {
      const incoming =
        ur.type === EthSignature.urType
          ? await fromKeystone(c, ur, actionId)
          : await fromSignatureResponse(c, ur, actionId)
      const { action } = incoming
      if (StateMachine.terminal.includes(action.state)) {
        throw new SignatureRefusedError(
          `Action ${action.id} is ${action.state}: it takes no more signatures.`,
          {
            hint: 'Check airlock action show for what replaced it.',
          },
        )
      }
      const state = await Chain.readSafe({
        client: c.client,
        safe: action.safe.address,
        chainId: c.config.chainId,
      })
      await check(incoming, state.owners)
      const store = await c.store()
      await store.advance(action.id, { actor: c.actor })
      const result = await store.addSignature(
        action.id,
        { signer: incoming.signer, signature: incoming.signature, kind: incoming.kind },
        {
          actor: c.actor,
          // The queue checks again, against the same owners, before it stores anything.
          verify: ownerVerifier({
            owners: state.owners,
            recoverAttestation: ({ action: a, signature }) => attestationSigner(a, signature),
          }),
        },
      )
      const view = actionView(c, result.action, await store.signatures(action.id))
      if (values.json) {
        io.stdout(
          `${toJson({ status: result.status, signer: incoming.signer, kind: incoming.kind, source: incoming.source, signature: incoming.signature, action: view })}\n`,
        )
      } else {
        io.stdout(
          `${result.status === 'added' ? 'Added' : 'Already had'} ${incoming.kind === 'approval-attestation' ? 'the attestation' : 'the signature'} of ${incoming.signer} (${incoming.source}).\n${actionText(view)}`,
        )
      }
      return 0
    })
  },
}
