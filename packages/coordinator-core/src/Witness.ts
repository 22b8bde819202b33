/**
 * The coordinator as a witness of the signers' logs: it keeps the latest signed tree head of each
 * signer, checks every response's new head against it (signature by the enrolled audit key, and an
 * RFC 9162 consistency proof that the new log extends the old one), and raises an alert on a
 * rollback (the log was cut) or a fork (an entry was edited, removed or replaced). Requests carry
 * the kept heads so each signer proves consistency from what the coordinator saw, and checks its peers.
 */
import { BaseError } from '@airlock/errors'
import type { OrgConfig } from '@airlock/policy'
import { SignerSet } from '@airlock/signer-core'
import type { SignatureResponse } from '@airlock/transport'
import { type Address, isAddressEqual } from 'viem'

/** The latest head witnessed of each signer, by owner address (lowercase). */
export type Heads = Readonly<Record<string, SignatureResponse.WireHead>>

/** What a witness alerts on. */
export type AlertCode =
  | 'log-rollback'
  | 'log-fork'
  | 'bad-head-signature'
  | 'head-missing'
  | 'receipt-invalid'

/** An alert about one signer's log. */
export type Alert = {
  code: AlertCode
  owner: Address
  previous: SignatureResponse.WireHead | undefined
  next: SignatureResponse.WireHead | undefined
  message: string
}

/** A signer's log is not consistent with what the coordinator witnessed before (thrown by `assertConsistent`). */
export class SignerLogAlertError extends BaseError {
  override name = 'Coordinator.SignerLogAlertError'
  readonly alert: Alert
  constructor(alert: Alert) {
    super(alert.message, {
      hint: 'Stop using this signer: keep its laptop and log for investigation, and compare its log with `airlock audit verify --heads`.',
    })
    this.alert = alert
  }
}

/**
 * Checks a response's head against the one kept for its signer and returns the heads to keep next
 * (unchanged on an alert, so one bad response cannot replace the evidence).
 *
 * @example
 * const { heads: next, alert } = Witness.witness({ heads, response, org })
 * if (alert) raise(alert)
 */
export function witness({
  heads,
  response,
  org,
}: {
  heads: Heads
  response: SignatureResponse.SignatureResponse
  org: OrgConfig.OrgConfig
}): { heads: Heads; alert: Alert | undefined } {
  const enrolled = org.signers?.find((s) => isAddressEqual(s.owner, response.signer))
  if (!enrolled) return { heads, alert: undefined }
  const owner = response.signer.toLowerCase()
  const previous = heads[owner]
  const next = response.head
  const alert = (code: AlertCode, message: string): { heads: Heads; alert: Alert } => ({
    heads,
    alert: { code, owner: response.signer, previous, next, message },
  })
  if (!next) return alert('head-missing', `The signer of ${response.signer} answered without its log head.`)
  const problem = SignerSet.checkHeadUpdate({
    previous,
    next,
    consistency: response.consistency,
    auditKey: enrolled.auditKey,
  })
  switch (problem) {
    case undefined:
      return { heads: { ...heads, [owner]: next }, alert: undefined }
    case 'bad-signature':
      return alert(
        'bad-head-signature',
        `The log head from ${response.signer} is not signed by its enrolled audit key.`,
      )
    case 'rollback':
      return alert(
        'log-rollback',
        `The log of ${response.signer} rolled back: ${next.size} entries, after ${previous?.size} were witnessed (entries were cut).`,
      )
    case 'fork':
    case 'proof-mismatch':
      return alert(
        'log-fork',
        `The log of ${response.signer} forked: its head at ${next.size} entries does not extend the one witnessed at ${previous?.size} (an entry was edited, removed or replaced).`,
      )
    default: {
      const never: never = problem
      throw new Error(`unknown head problem ${String(never)}`)
    }
  }
}

/**
 * Like `witness`, but throws `SignerLogAlertError` on an alert.
 *
 * @example
 * heads = Witness.assertConsistent({ heads, response, org })
 */
export function assertConsistent(parameters: Parameters<typeof witness>[0]): Heads {
  const { heads, alert } = witness(parameters)
  if (alert) throw new SignerLogAlertError(alert)
  return heads
}

/**
 * The heads to attach to the next request (`SignRequest.heads`).
 *
 * @example
 * const request = { ...request, heads: Witness.forRequest(heads) }
 */
export function forRequest(heads: Heads): SignatureResponse.WireHead[] {
  return Object.values(heads)
}

/** The witnessed-heads file (kept in the coordinator home) cannot be read. */
export class InvalidWitnessedHeadsError extends BaseError {
  override name = 'Coordinator.InvalidWitnessedHeadsError'
}

/**
 * The kept heads as the JSON file the coordinator stores (owner → head), one canonical form.
 *
 * @example
 * writeFileSync(join(home, 'witnessed-heads.json'), Witness.toJson(heads))
 */
export function toJson(heads: Heads): string {
  const sorted = Object.keys(heads)
    .sort()
    .map((owner) => [owner, heads[owner]])
  return `${JSON.stringify(Object.fromEntries(sorted), null, 2)}\n`
}

/**
 * Reads the witnessed-heads file strictly; throws `Coordinator.InvalidWitnessedHeadsError`.
 *
 * @example
 * const heads = Witness.fromJson(readFileSync(join(home, 'witnessed-heads.json'), 'utf8'))
 */
export function fromJson(text: string): Heads {
  const bad = (why: string) =>
    new InvalidWitnessedHeadsError(`The witnessed-heads file is damaged: ${why}.`, {
      hint: 'Restore it from a backup; without it the next response of each signer starts a new witness.',
    })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw bad('it is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('it is not an object')
  const heads: Record<string, SignatureResponse.WireHead> = {}
  for (const [owner, head] of Object.entries(value)) {
    if (!/^0x[0-9a-f]{40}$/.test(owner))
      throw bad(`${JSON.stringify(owner)} is not a lowercase owner address`)
    const h = head as Record<string, unknown>
    if (
      typeof h !== 'object' ||
      h === null ||
      Object.keys(h).sort().join(',') !== 'keyId,root,sig,size,time' ||
      typeof h.size !== 'number' ||
      !Number.isSafeInteger(h.size) ||
      h.size < 0 ||
      typeof h.root !== 'string' ||
      !/^0x[0-9a-f]{64}$/.test(h.root) ||
      typeof h.sig !== 'string' ||
      !/^0x[0-9a-f]{128}$/.test(h.sig) ||
      typeof h.keyId !== 'string' ||
      !/^[0-9a-f]{16}$/.test(h.keyId) ||
      typeof h.time !== 'string' ||
      Number.isNaN(Date.parse(h.time))
    )
      throw bad(`the head of ${owner} is malformed`)
    heads[owner] = h as SignatureResponse.WireHead
  }
  return heads
}

/**
 * One signer's kept head as the JSON Lines `airlock audit verify --heads FILE` reads.
 *
 * @example
 * writeFileSync('heads.jsonl', Witness.headsFile(heads, owner))
 */
export function headsFile(heads: Heads, owner: Address): string {
  const head = heads[owner.toLowerCase()]
  return head ? `${JSON.stringify(SignerSet.heads.fromWire(head))}\n` : ''
}
