// The signer app's operations for a Safe message request (EIP-1271) scanned by QR: review it and
// sign it with the same state directory, log, policy and devices as a transaction (signer-core's
// Signer.reviewMessage/approveMessage), and show the answer as an animated QR. Keystone has no Safe
// message flow yet: the window offers the Ledger and the software test key.
import type { Failure, LedgerDevice } from '@airlock/devices'
import type { KeySource, MessageSigner } from '@airlock/signer-core'
import type { StateDir } from '@airlock/signer-core/node'
import { type MessageRequest, MessageSignature } from '@airlock/transport'
import { privateKeyToAccount } from 'viem/accounts'
import type { AirGapView, AnswerView, Density, DeviceChoice, DeviceOutcomeView } from './api.ts'
import { failureView, noSoftwareKey, outcomeView } from './deviceOutcome.ts'
import { NoRequestError, NothingToAnswerError } from './errors.ts'
import type { answerView, logAirGapOverride } from './handlers.ts'
import { type MessageReviewResult, type MessageSignView, messageReviewView } from './messageView.ts'

/** The message methods of the app's API. */
export type MessageApi = {
  /** Whether the last completed scan carried a Safe message request (the window shows the message review). */
  messagePending(): Promise<boolean>
  /** Reviews the scanned Safe message request with this device's owner (logged as reviewed). */
  messageReview(parameters: { device: DeviceChoice }): Promise<MessageReviewResult>
  /** Decides the scanned Safe message request and signs it if allowed (logged). */
  messageSign(parameters: { device: DeviceChoice }): Promise<MessageSignView>
  /** The message signature as an animated QR for the coordinator. */
  messageAnswer(parameters: { density: Density }): Promise<AnswerView>
}

const keystoneNotYet = failureView(
  'keystone-messages',
  'A Keystone cannot sign a Safe message here yet.',
  'Use the Ledger (it shows the Safe message’s domain and message hashes).',
)

/**
 * The message handlers over an open state directory; `current` is the Safe message request the last
 * scan completed (undefined when the scan carried a transaction).
 *
 * @example
 * const api = { ...createHandlers(…), ...createMessageHandlers({ state, current: () => scanned, … }) }
 */
export function createMessageHandlers({
  state,
  current,
  openLedger,
  ledgerPath,
  airGap,
  clock,
  answer,
  logOverride,
}: {
  state: StateDir
  current: () => MessageRequest.MessageRequest | undefined
  openLedger: () => Promise<LedgerDevice | Failure>
  ledgerPath: string
  airGap: () => AirGapView
  clock: () => Date
  /** handlers.ts's `answerView` and `logAirGapOverride` (passed in: handlers.ts composes this module). */
  answer: typeof answerView
  logOverride: typeof logAirGapOverride
}): MessageApi {
  let released: Extract<MessageSigner.MessageApproveResult, { status: 'released' }> | undefined

  function request(): MessageRequest.MessageRequest {
    const scanned = current()
    if (!scanned)
      throw new NoRequestError('There is no Safe message request to review.', {
        hint: 'Scan the message request shown by the coordinator (airlock message qr) first.',
      })
    return scanned
  }
  const now = () => Math.floor(state.signer.state({ address: zero, keyKind: 'other' }).nowMs / 1000)

  // The key for a device, or why there is none; `run` gets it and the Ledger is closed after.
  async function withKey<T>(
    device: DeviceChoice,
    run: (key: KeySource) => Promise<T>,
  ): Promise<T | { status: 'device-error'; outcome: DeviceOutcomeView }> {
    switch (device) {
      case 'software': {
        const privateKey = await state.devKey()
        if (!privateKey) return { status: 'device-error', outcome: noSoftwareKey() }
        return run({ kind: 'software', privateKey })
      }
      case 'ledger': {
        const ledger = await openLedger()
        try {
          return await run({ kind: 'ledger', device: ledger, path: ledgerPath })
        } finally {
          if (!('ok' in ledger)) await ledger.close()
        }
      }
      case 'keystone':
        return { status: 'device-error', outcome: keystoneNotYet }
      default: {
        const never: never = device
        return never
      }
    }
  }

  return {
    async messagePending() {
      return current() !== undefined
    },

    async messageReview({ device }) {
      const scanned = request()
      return withKey(device, async (key) => {
        let identity: { address: `0x${string}`; keyKind: 'software' | 'ledger' }
        if (key.kind === 'software') {
          identity = { address: privateKeyToAccount(key.privateKey).address, keyKind: 'software' }
        } else {
          if ('ok' in key.device) return { status: 'device-error' as const, outcome: outcomeView(key.device) }
          const address = await key.device.getAddress({ path: key.path })
          if (!address.ok) return { status: 'device-error' as const, outcome: outcomeView(address) }
          identity = { address: address.address, keyKind: 'ledger' }
        }
        const review = await state.signer.reviewMessage(scanned, { identity })
        return { status: 'reviewed' as const, review: messageReviewView({ review, now: now() }) }
      })
    },

    async messageSign({ device }) {
      const scanned = request()
      const gap = airGap()
      if (!gap.maySign)
        return {
          status: 'air-gap',
          message: `Network interfaces are up (${gap.up.join(', ')}): disconnect them before signing.`,
        }
      return withKey(device, async (key): Promise<MessageSignView> => {
        const result = await state.signer.approveMessage(scanned, { key })
        switch (result.status) {
          case 'released':
            released = result
            // Released while a network was up (the explicit override): the log says so.
            if (!gap.isolated)
              await logOverride({
                log: state.log,
                clock,
                decision: 'signed-networked',
                up: gap.up,
                kind: 'safe-message',
              })
            return {
              status: 'released',
              signer: result.response.signer,
              safeMessageHash: result.response.messageHash,
            }
          case 'refused':
            return {
              status: 'refused',
              refusals: result.refusals.map((r) => ({ code: r.code, message: r.message })),
              review: result.review && messageReviewView({ review: result.review, now: now() }),
            }
          case 'device-error':
            return { status: 'device-error', outcome: outcomeView(result.failure) }
          default: {
            const never: never = result
            return never
          }
        }
      })
    },

    async messageAnswer({ density }) {
      if (!released)
        throw new NothingToAnswerError('No Safe message was signed in this session.', {
          hint: 'Review and sign a message request first.',
        })
      return answer({ ur: MessageSignature.toUr(released.response), density, kind: 'safe-message' })
    },
  }
}

const zero = '0x0000000000000000000000000000000000000000' as const
