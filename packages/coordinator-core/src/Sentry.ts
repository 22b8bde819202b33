import { SignRequest, type TypedUr } from '@airlock/transport'
import { type AbiFunction, type Address, erc20Abi, getAddress, type Hash, parseAbiItem } from 'viem'
import * as Action from './Action.ts'
import * as Build from './Build.ts'
import * as Chain from './Chain.ts'
import { type Client, readSafe, rpc, type SafeState } from './Chain.ts'
import type * as Config from './Config.ts'
import { InvalidSentryRuleError } from './errors.ts'

/** A number the sentry reads from the chain each block. */
export type Read =
  | { kind: 'erc20-balance'; token: Address; holder: Address }
  | { kind: 'native-balance'; address: Address }
  /** A view function returning one integer, e.g. `function totalAssets() view returns (uint256)` or `reserves()`. */
  | { kind: 'call'; address: Address; signature: string; args?: readonly unknown[] | undefined }

/** An invariant over read values. */
export type Rule =
  /** The value may not fall more than `maxDropBps` (basis points) below its highest value within the last `windowBlocks` blocks. */
  | {
      id: string
      kind: 'max-drop'
      read: Read
      maxDropBps: number
      windowBlocks: number
      label?: string | undefined
    }
  /** `left >= right` at every block (e.g. `balanceOf(pool) >= reserves()`). */
  | { id: string; kind: 'at-least'; left: Read; right: Read; label?: string | undefined }

/** Values read at one block, plus the guardian Safe as it stood then (to pre-build the pause). */
export type Observation = {
  blockNumber: bigint
  blockHash: Hash
  /** Unix seconds of the block. */
  timestamp: number
  /** By `Sentry.key(read)`. */
  values: ReadonlyMap<string, bigint>
  guardian: SafeState
}

export type Breach = {
  ruleId: string
  label: string
  blockNumber: bigint
  message: string
  /** The value read now, and what it was compared with (the window's peak, or the right-hand side). */
  value: bigint
  reference: bigint
}

/** A breach, with the guardian's pause ready to sign at once. */
export type Alert = {
  blockNumber: bigint
  breaches: Breach[]
  /** Rules that were not breached at the previous observation. */
  newlyBreached: string[]
  pause: Action.Prepared
  request: SignRequest.SignRequest
  ur: TypedUr
}

export type CheckResult = { blockNumber: bigint; breaches: Breach[]; alert: Alert | undefined }

/**
 * Stable key of a read (the same read in two rules is fetched once).
 *
 * @example
 * Sentry.key({ kind: 'native-balance', address }) // 'native-balance:0x…'
 */
export function key(read: Read): string {
  switch (read.kind) {
    case 'erc20-balance':
      return `erc20-balance:${getAddress(read.token)}:${getAddress(read.holder)}`
    case 'native-balance':
      return `native-balance:${getAddress(read.address)}`
    case 'call':
      return `call:${getAddress(read.address)}:${read.signature}:${JSON.stringify(read.args ?? [], (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`
  }
}

/**
 * The on-chain firewall: reads configured values each block, checks invariants, and on a breach
 * pre-builds the guardian Safe's Emergency pause (SafeTx and its sign-request UR) so one guardian
 * can sign it at once.
 *
 * @example
 * const sentry = new Sentry.Sentry({ config, rules: [{ id: 'vault', kind: 'max-drop', read, maxDropBps: 500, windowBlocks: 10 }] })
 * const { alert } = sentry.check(await sentry.fetch({ client }))
 */
export class Sentry {
  readonly config: Config.Config
  readonly rules: readonly Rule[]
  readonly pauseTargets: readonly Address[] | undefined
  readonly #history = new Map<string, { blockNumber: bigint; value: bigint }[]>()
  #breached = new Set<string>()

  constructor({
    config,
    rules,
    pauseTargets,
  }: {
    config: Config.Config
    rules: readonly Rule[]
    /** What to pause on a breach; every pausable contract in the org config when absent. */
    pauseTargets?: readonly Address[] | undefined
  }) {
    if (config.guardian === undefined) {
      throw new InvalidSentryRuleError(`The org config has no guardian Safe on chain ${config.chainId}.`, {
        hint: 'Set "guardian" in the org config: the sentry pre-builds its pause.',
      })
    }
    const ids = new Set<string>()
    for (const rule of rules) {
      if (ids.has(rule.id)) {
        throw new InvalidSentryRuleError(`Two sentry rules have the id "${rule.id}".`, {
          hint: 'Give each rule its own id.',
        })
      }
      ids.add(rule.id)
      if (rule.kind === 'max-drop') {
        if (!Number.isInteger(rule.maxDropBps) || rule.maxDropBps < 0 || rule.maxDropBps > 10_000) {
          throw new InvalidSentryRuleError(`Rule ${rule.id}: maxDropBps must be 0 to 10000.`, {
            hint: '500 means the value may drop at most 5%.',
          })
        }
        if (!Number.isInteger(rule.windowBlocks) || rule.windowBlocks < 1) {
          throw new InvalidSentryRuleError(`Rule ${rule.id}: windowBlocks must be a positive integer.`, {
            hint: 'Give the number of blocks the drop is measured over.',
          })
        }
      }
      for (const read of rule.kind === 'max-drop' ? [rule.read] : [rule.left, rule.right]) {
        if (read.kind === 'call') callAbi(read, rule.id)
      }
    }
    // Fail now, not at the first breach, when the pause targets are not Emergency-pausable.
    Build.pause({ config, contracts: pauseTargets })
    this.config = config
    this.rules = rules
    this.pauseTargets = pauseTargets
  }

  /** Every distinct read of the rules. */
  reads(): Read[] {
    const byKey = new Map<string, Read>()
    for (const rule of this.rules) {
      for (const read of rule.kind === 'max-drop' ? [rule.read] : [rule.left, rule.right])
        byKey.set(key(read), read)
    }
    return [...byKey.values()]
  }

  /**
   * Reads every value and the guardian Safe at one block (the latest by default).
   *
   * @example
   * const observation = await sentry.fetch({ client })
   */
  async fetch({
    client,
    blockNumber,
  }: {
    client: Client
    blockNumber?: bigint | undefined
  }): Promise<Observation> {
    const block = await Chain.block({ client, blockNumber, what: 'the block to watch' })
    const at = block.number
    if (at === null || block.hash === null) {
      throw new InvalidSentryRuleError('The node returned a pending block.', {
        hint: 'Watch mined blocks only.',
      })
    }
    const reads = this.reads()
    const values = await rpc(
      () =>
        Promise.all(
          reads.map(async (read): Promise<[string, bigint]> => {
            if (read.kind === 'native-balance') {
              return [key(read), await client.getBalance({ address: read.address, blockNumber: at })]
            }
            if (read.kind === 'erc20-balance') {
              const value = await client.readContract({
                address: read.token,
                abi: erc20Abi,
                functionName: 'balanceOf',
                args: [read.holder],
                blockNumber: at,
              })
              return [key(read), value]
            }
            const fn = callAbi(read, key(read))
            const value = await client.readContract({
              address: read.address,
              abi: [fn],
              functionName: fn.name,
              args: read.args ?? [],
              blockNumber: at,
            } as Parameters<Client['readContract']>[0])
            return [key(read), BigInt(value as bigint)]
          }),
        ),
      { what: 'the sentry’s values' },
    )
    const guardian = await readSafe({
      client,
      safe: this.config.guardian!.address,
      chainId: this.config.chainId,
      blockNumber: at,
    })
    return {
      blockNumber: at,
      blockHash: block.hash,
      timestamp: Number(block.timestamp),
      values: new Map(values),
      guardian,
    }
  }

  /**
   * Checks one observation against every rule (no I/O: the same observations in the same order give
   * the same result). Keeps each value's recent history for drop rules; observations must come in
   * block order (observing a block again replaces what came from it and later, as after a reorg). On any breach, returns the
   * guardian's pause, built against the guardian Safe as observed in the same block.
   *
   * @example
   * const { breaches, alert } = sentry.check(observation)
   */
  check(observation: Observation): CheckResult {
    const { blockNumber, values } = observation
    const breaches: Breach[] = []
    const value = (read: Read, ruleId: string) => {
      const found = values.get(key(read))
      if (found === undefined) {
        throw new InvalidSentryRuleError(`Rule ${ruleId}: the observation lacks ${key(read)}.`, {
          hint: 'Fetch observations with sentry.fetch().',
        })
      }
      return found
    }
    for (const rule of this.rules) {
      const label = rule.label ?? rule.id
      if (rule.kind === 'at-least') {
        const left = value(rule.left, rule.id)
        const right = value(rule.right, rule.id)
        if (left < right) {
          breaches.push({
            ruleId: rule.id,
            label,
            blockNumber,
            value: left,
            reference: right,
            message: `${label}: ${left} is below ${right} at block ${blockNumber}.`,
          })
        }
        continue
      }
      const current = value(rule.read, rule.id)
      const id = key(rule.read)
      const earlier = (this.#history.get(`${rule.id}|${id}`) ?? []).filter(
        (entry) =>
          entry.blockNumber < blockNumber && entry.blockNumber >= blockNumber - BigInt(rule.windowBlocks),
      )
      let peak = current
      for (const entry of earlier) if (entry.value > peak) peak = entry.value
      // drop/peak > bps/10000, in integers.
      if (peak > 0n && (peak - current) * 10_000n > BigInt(rule.maxDropBps) * peak) {
        const bps = ((peak - current) * 10_000n) / peak
        breaches.push({
          ruleId: rule.id,
          label,
          blockNumber,
          value: current,
          reference: peak,
          message: `${label} fell ${formatBps(bps)} (from ${peak} to ${current}) within ${rule.windowBlocks} block(s), more than the allowed ${formatBps(BigInt(rule.maxDropBps))}.`,
        })
      }
      this.#history.set(`${rule.id}|${id}`, [...earlier, { blockNumber, value: current }])
    }
    const newlyBreached = breaches.map((b) => b.ruleId).filter((id) => !this.#breached.has(id))
    this.#breached = new Set(breaches.map((b) => b.ruleId))
    if (breaches.length === 0) return { blockNumber, breaches, alert: undefined }
    const pause = Action.prepare({
      config: this.config,
      state: observation.guardian,
      calls: Build.pause({ config: this.config, contracts: this.pauseTargets }),
      title: `Emergency pause: ${breaches[0]!.label}`.slice(0, SignRequest.limits.titleChars),
      description: breaches.map((b) => b.message).join('\n'),
    })
    const request = Action.signRequest(pause, { createdAt: observation.timestamp })
    return {
      blockNumber,
      breaches,
      alert: { blockNumber, breaches, newlyBreached, pause, request, ur: SignRequest.toUr(request) },
    }
  }

  /**
   * Polls for new blocks and checks each (bounded: stops after `maxPolls` polls or when `signal`
   * aborts). Calls `onAlert` when a rule becomes breached; RPC errors go to `onError` and the loop goes on.
   *
   * @example
   * await sentry.watch({ client, intervalMs: 2000, signal, onAlert: (alert) => showQr(alert.ur) })
   */
  async watch({
    client,
    intervalMs = 1000,
    maxPolls = Number.POSITIVE_INFINITY,
    signal,
    onAlert,
    onCheck,
    onError,
  }: {
    client: Client
    intervalMs?: number | undefined
    maxPolls?: number | undefined
    signal?: AbortSignal | undefined
    onAlert: (alert: Alert) => void | Promise<void>
    onCheck?: ((result: CheckResult) => void) | undefined
    onError?: ((error: unknown) => void) | undefined
  }): Promise<void> {
    let last: bigint | undefined
    for (let poll = 0; poll < maxPolls && !signal?.aborted; poll++) {
      try {
        const head = await rpc(() => client.getBlockNumber({ cacheTime: 0 }), { what: 'the block number' })
        // Check every block since the last one (at most 64), so a drop in a skipped block is seen;
        // a lower head means a reorg: check the new head again.
        const from = last === undefined || head < last ? head : head - last > 64n ? head - 63n : last + 1n
        for (let blockNumber = from; blockNumber <= head; blockNumber++) {
          const result = this.check(await this.fetch({ client, blockNumber }))
          onCheck?.(result)
          if (result.alert && result.alert.newlyBreached.length > 0) await onAlert(result.alert)
        }
        last = head
      } catch (error) {
        if (!onError) throw error
        onError(error)
      }
      if (poll + 1 < maxPolls && !signal?.aborted) await sleep(intervalMs, signal)
    }
  }
}

function callAbi(read: Extract<Read, { kind: 'call' }>, ruleId: string): AbiFunction {
  const text = read.signature.trim()
  const withKeyword = text.startsWith('function ') ? text : `function ${text}`
  const full = /\breturns\b/.test(withKeyword) ? withKeyword : `${withKeyword} view returns (uint256)`
  let item: unknown
  try {
    item = parseAbiItem(full)
  } catch (cause) {
    throw new InvalidSentryRuleError(`Rule ${ruleId}: "${read.signature}" is not a function signature.`, {
      hint: 'Write it like reserves() or function totalAssets() view returns (uint256).',
      cause,
    })
  }
  const fn = item as AbiFunction
  if (fn.type !== 'function' || fn.outputs.length !== 1 || !/^u?int\d*$/.test(fn.outputs[0]?.type ?? '')) {
    throw new InvalidSentryRuleError(`Rule ${ruleId}: "${read.signature}" must return one integer.`, {
      hint: 'Watch a getter that returns a uint256 (a balance, reserves, total assets).',
    })
  }
  return fn
}

function formatBps(bps: bigint): string {
  return `${bps / 100n}.${(bps % 100n).toString().padStart(2, '0')}%`
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
