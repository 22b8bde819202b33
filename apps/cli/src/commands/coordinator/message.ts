// `airlock service messages`, `airlock message qr|post`: Safe messages (EIP-1271) from the Transaction
// Service (or a file) to the signers as QR frames, and their signatures back to the service. Every
// hash is recomputed here from the message; the signers recompute and decode everything again.
import { resolve } from 'node:path'
import { Messages, TransactionService } from '@airlock/coordinator-core'
import { MessageEffects } from '@airlock/safe'
import { MessageRequest, MessageSignature, Ur } from '@airlock/transport'
import type { Command } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { toJson } from '../../io.ts'
import { readUrInput } from '../../urInput.ts'
import { forceOption, readInputFile } from '../atomicFile.ts'
import { densityStepOption, plan, writeFrames } from '../qr.ts'
import { withCoordinator } from './home.ts'
import { clientOf, safeContext, serviceOptions } from './service.ts'

type Hex = `0x${string}`

// `message qr` writes frames or UR parts: no JSON output.
const { json: _json, ...withoutJson } = serviceOptions

function summaryOf(decoded: MessageEffects.Decoded | undefined): string {
  if (!decoded) return 'unreadable'
  return decoded.kind === 'text'
    ? 'text (EIP-191)'
    : `typed data ${decoded.primaryType} on ${decoded.verifyingContract ?? 'no contract'}`
}

export const serviceMessages: Command = {
  path: ['service', 'messages'],
  summary:
    'List a Safe’s off-chain messages (EIP-1271) in the Transaction Service, each re-hashed and decoded here, problems flagged.',
  usage: 'service messages [--safe S] [--service-url URL] [--api-key-file F] [--json]',
  options: serviceOptions,
  run: ({ values, io }) =>
    withCoordinator(values, io.cwd, async (c) => {
      const client = clientOf(c, values, io.cwd)
      const { state, context } = await safeContext(c, values)
      const list = await TransactionService.messages({ client, context })
      if (values.json) {
        io.stdout(
          `${toJson({
            safe: context.safe,
            threshold: state.threshold,
            messages: list.map((m) => ({
              messageHash: m.messageHash,
              claimedMessageHash: m.claimedMessageHash,
              kind: m.decoded?.kind,
              primaryType: m.decoded?.primaryType,
              ledger: m.decoded ? MessageEffects.ledger(m.decoded) : undefined,
              effect: m.decoded?.effect.kind,
              flows: m.decoded?.flows,
              deadlines: m.decoded?.deadlines,
              confirmations: m.confirmations.map((x) => x.owner),
              problems: Messages.problems(m),
            })),
          })}\n`,
        )
        return list.some((m) => m.problems.length > 0) ? 1 : 0
      }
      io.stdout(
        `Transaction Service: ${list.length} message(s) for ${context.safe} (threshold ${state.threshold})\n`,
      )
      for (const m of list) {
        io.stdout(
          `  ${m.messageHash}  ${summaryOf(m.decoded)}, ${m.confirmations.length} verified confirmation(s)\n`,
        )
        if (m.decoded) {
          const ledger = MessageEffects.ledger(m.decoded)
          io.stdout(`    Domain hash ${ledger.domainHash}  Message hash ${ledger.messageHash}\n`)
          for (const line of MessageEffects.describe(m.decoded, { org: c.config.decoder }))
            io.stdout(`    ${line}\n`)
        }
        for (const problem of Messages.problems(m)) io.stdout(`    ! ${problem}\n`)
      }
      if (list.length > 0)
        io.stdout('Next: airlock message qr MESSAGE_HASH --out DIR (the hash is recomputed first).\n')
      return list.some((m) => m.problems.length > 0) ? 1 : 0
    }),
}

export const messageQr: Command = {
  path: ['message', 'qr'],
  summary:
    'A Safe message for the signers as an airlock-message-request: from the Transaction Service by its hash (recomputed; a mismatch is refused), or from a file.',
  usage:
    'message qr (<messageHash> | --typed-data FILE | --text FILE) (--out DIR [--force] | --parts) [--title T] [--description D] [--safe S] [--service-url URL]',
  allowPositionals: true,
  options: {
    ...withoutJson,
    'typed-data': { type: 'string', help: 'EIP-712 typed data as a JSON file, instead of the service' },
    text: { type: 'string', help: 'a text message (UTF-8 file, signed as is), instead of the service' },
    title: { type: 'string', help: 'the title the signers will see (untrusted)' },
    description: { type: 'string', help: 'a description the signers will see (untrusted)' },
    out: {
      type: 'string',
      help: 'directory for frame-0001.png …, preview.html and parts.txt (created; never emptied)',
    },
    ...forceOption,
    parts: { type: 'boolean', help: 'print the UR parts, one per line' },
    fragment: { type: 'string', help: 'fragment size in bytes (default: auto-tuned for a ~2 s scan)' },
    fps: { type: 'string', help: 'frames per second (default: auto-tuned)' },
    'density-step': densityStepOption(),
  },
  run: async ({ values, positionals, io }) => {
    const sources = [positionals.length > 0, values['typed-data'] !== undefined, values.text !== undefined]
    if (sources.filter(Boolean).length !== 1 || positionals.length > 1) {
      throw new UsageError(
        'Give one message: a messageHash from the service, --typed-data FILE or --text FILE.',
        {
          hint: `Usage: airlock ${messageQr.usage}`,
        },
      )
    }
    const hash = positionals[0]
    if (hash !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(hash)) {
      throw new UsageError('A messageHash is 0x and 64 hex characters.', {
        hint: 'airlock service messages lists them.',
      })
    }
    if (typeof values.out !== 'string' && values.parts !== true) {
      throw new UsageError('Give --out DIR for QR frames or --parts for the UR text.', {
        hint: `Usage: airlock ${messageQr.usage}`,
      })
    }
    return withCoordinator(values, io.cwd, async (c) => {
      const { context } = await safeContext(c, values)
      let message: string | Record<string, unknown>
      let checked: TransactionService.CheckedMessage | undefined
      if (hash !== undefined) {
        const client = clientOf(c, values, io.cwd)
        checked = await TransactionService.message({ client, context, messageHash: hash as Hex })
        message = checked.message
      } else if (typeof values['typed-data'] === 'string') {
        const file = values['typed-data']
        message = MessageEffects.parseTypedData(readInputFile(resolve(io.cwd, file), 'typed data'))
      } else {
        const bytes = readInputFile(resolve(io.cwd, values.text as string), 'text message')
        message = new TextDecoder().decode(bytes)
      }
      const request = Messages.request({
        message,
        context,
        checked,
        title: typeof values.title === 'string' ? values.title : undefined,
        description: typeof values.description === 'string' ? values.description : undefined,
        now: Math.floor(Date.now() / 1000),
      })
      const { hashes } = MessageEffects.decode({ message, context })
      const ur = MessageRequest.toUr(request)
      const density = await plan(values, ur.payload, ur.type)
      const encoder = Ur.encode({ ...ur, maxFragmentLength: density.maxFragmentLength })
      const fragments = encoder.isSinglePart ? 1 : encoder.fragmentCount
      if (values.parts === true) for (const part of encoder.firstParts(fragments)) io.stdout(`${part}\n`)
      if (typeof values.out === 'string') {
        const parts = encoder.firstParts(encoder.isSinglePart ? 1 : 2 * fragments)
        await writeFrames({ out: values.out, parts, density, io, force: values.force === true })
        io.stderr(
          `Message request ${request.requestId} (Safe message hash ${hashes.messageHash}): ${parts.length} frames in ${values.out}, ${density.fps} fps.\n` +
            'Signers: airlock sign review DIR, then airlock sign approve DIR --out BACK; here: airlock message post BACK.\n',
        )
      }
      return 0
    })
  },
}

export const messagePost: Command = {
  path: ['message', 'post'],
  summary:
    'Post a signer’s message signature (airlock-message-signature UR text or PNG frames) to the Transaction Service, after checking it recovers to an owner over the hash computed here.',
  usage:
    'message post <ur-file | images… | frames-dir> [--request FILE] [--safe S] [--service-url URL] [--api-key-file F] [--json]',
  allowPositionals: true,
  options: {
    ...serviceOptions,
    request: {
      type: 'string',
      help: 'the message request it answers (UR parts or frames): needed when the service does not hold the message yet',
    },
  },
  run: async ({ values, positionals, io }) => {
    if (positionals.length === 0) {
      throw new UsageError('Give the message signature: a UR text file, PNG frames or a directory of them.', {
        hint: `Usage: airlock ${messagePost.usage}`,
      })
    }
    const response = MessageSignature.fromUr(
      await readUrInput({
        inputs: positionals,
        io,
        expectedTypes: [MessageSignature.urType],
        what: 'message signature',
      }),
    )
    const asked =
      typeof values.request === 'string'
        ? MessageRequest.fromUr(
            await readUrInput({
              inputs: [values.request],
              io,
              expectedTypes: [MessageRequest.urType],
              what: 'message request',
              cborType: MessageRequest.urType,
            }),
          )
        : undefined
    if (asked && asked.requestId !== response.requestId) {
      throw new UsageError(`The signature answers request ${response.requestId}, not ${asked.requestId}.`, {
        hint: 'Give the request this signature answers, or leave out --request.',
      })
    }
    return withCoordinator(values, io.cwd, async (c) => {
      const client = clientOf(c, values, io.cwd)
      const { state, context } = await safeContext(c, values)
      const message =
        asked?.message ??
        (await TransactionService.message({ client, context, messageHash: response.messageHash })).message
      const posted = await Messages.post({ client, response, message, context, owners: state.owners })
      const after = await TransactionService.message({ client, context, messageHash: posted.messageHash })
      const count = after.confirmations.length
      if (values.json) {
        io.stdout(
          `${toJson({ ...posted, confirmations: after.confirmations.map((x) => x.owner), threshold: state.threshold, problems: Messages.problems(after) })}\n`,
        )
      } else {
        io.stdout(
          `Posted ${posted.posted === 'message' ? 'the message with ' : ''}${posted.signer}'s signature of ${posted.messageHash}: ${count} of ${state.threshold} verified confirmation(s).\n`,
        )
        for (const problem of Messages.problems(after)) io.stdout(`  ! ${problem}\n`)
        if (BigInt(count) >= state.threshold)
          io.stdout(
            `The Safe now signs this message: isValidSignature(digest ${after.decoded?.hashes.digest}, ${TransactionService.preparedMessageSignature(after)})\n`,
          )
      }
      return 0
    })
  },
}

export const messageCommands: Command[] = [serviceMessages, messageQr, messagePost]
