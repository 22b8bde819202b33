import fc from 'fast-check'
import { expect, test } from 'vitest'
import * as StateMachine from './StateMachine.ts'
import type { ActionState } from './types.ts'

const state = fc.constantFrom(...StateMachine.states)

test('the table: forward only, terminal states are final, failed may be retried', () => {
  expect(StateMachine.transitions).toMatchInlineSnapshot(`
    {
      "cancelled": [],
      "collecting-attestations": [
        "delay-running",
        "collecting-signatures",
        "cancelled",
        "superseded",
      ],
      "collecting-signatures": [
        "ready",
        "cancelled",
        "superseded",
      ],
      "delay-running": [
        "collecting-signatures",
        "cancelled",
        "superseded",
      ],
      "draft": [
        "collecting-attestations",
        "cancelled",
        "superseded",
      ],
      "executed": [],
      "failed": [
        "ready",
        "cancelled",
        "superseded",
      ],
      "ready": [
        "executed",
        "failed",
        "cancelled",
        "superseded",
      ],
      "superseded": [],
    }
  `)
})

test('assertTransition throws exactly for the pairs the table forbids', () => {
  fc.assert(
    fc.property(state, state, (from, to) => {
      const allowed = StateMachine.canTransition(from, to)
      if (allowed) expect(() => StateMachine.assertTransition(from, to)).not.toThrow()
      else
        expect(() => StateMachine.assertTransition(from, to)).toThrow(
          expect.objectContaining({ name: 'Queue.InvalidTransitionError', from, to }),
        )
    }),
  )
})

test('from every state a terminal state is reachable, and every walk ends there', () => {
  const reach = (from: ActionState, seen = new Set<ActionState>()): Set<ActionState> => {
    for (const next of StateMachine.transitions[from]) {
      if (!seen.has(next)) {
        seen.add(next)
        reach(next, seen)
      }
    }
    return seen
  }
  for (const from of StateMachine.live) {
    expect([...reach(from)].some((s) => StateMachine.terminal.includes(s))).toBe(true)
    expect(StateMachine.transitions[from]).toContain('cancelled')
  }
  for (const end of StateMachine.terminal) expect(StateMachine.transitions[end]).toEqual([])
  // Only failed → ready goes backwards; everything else follows life order.
  const order = (s: ActionState) => StateMachine.states.indexOf(s)
  for (const from of StateMachine.states) {
    for (const to of StateMachine.transitions[from]) {
      if (!(from === 'failed' && to === 'ready')) expect(order(to)).toBeGreaterThan(order(from))
    }
  }
  expect(StateMachine.isState('ready')).toBe(true)
  expect(StateMachine.isState('READY')).toBe(false)
})

test('a reorg is the one move outside the table: executed → ready, only from executed', () => {
  expect(StateMachine.reorg).toEqual({ from: 'executed', to: 'ready' })
  // transition() goes by the table, which still refuses it.
  expect(StateMachine.canTransition('executed', 'ready')).toBe(false)
  expect(StateMachine.terminal).toContain('executed')
  expect(StateMachine.live).not.toContain('executed')
  expect(StateMachine.live).toContain('ready')
  fc.assert(
    fc.property(state, (from) => {
      if (from === 'executed') expect(() => StateMachine.assertReorg(from)).not.toThrow()
      else
        expect(() => StateMachine.assertReorg(from)).toThrow(
          expect.objectContaining({ name: 'Queue.InvalidTransitionError', from, to: 'ready' }),
        )
    }),
  )
})
