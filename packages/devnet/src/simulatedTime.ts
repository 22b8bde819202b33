import type { Anvil } from './anvil.ts'

/** One clock for a local chain and the engines beside it (signers, the drill), moved together. */
export type SimulatedTime = {
  /** Unix seconds: the chain's time at the start plus everything advanced since. */
  now(): number
  /** Moves the clock on and mines a block at the new time, so delays pass for the chain too. */
  advance(seconds: number): Promise<void>
}

/**
 * Starts a simulated clock at the chain's latest block time. Give `() => new Date(time.now() * 1000)`
 * to the signers so a 48 h delay passes for them and for the contracts alike.
 *
 * @example
 * const time = await simulatedTime(anvil)
 * await time.advance(48 * 3600)
 */
export async function simulatedTime(anvil: Anvil): Promise<SimulatedTime> {
  const start = Number((await anvil.publicClient.getBlock()).timestamp)
  let offset = 0
  const now = () => start + offset
  return {
    now,
    advance: async (seconds) => {
      offset += seconds
      await anvil.testClient.setNextBlockTimestamp({ timestamp: BigInt(now()) })
      await anvil.testClient.mine({ blocks: 1 })
    },
  }
}
