import { chooseFragments as libraryChooseFragments } from '@ngraveio/bc-ur/dist/fountainUtils.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Fountain from './Fountain.ts'

describe('Fountain.chooseFragments (a Buffer-free port of bc-ur)', () => {
  it('picks exactly the fragments bc-ur picks, for any part, fragment count and checksum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (seqNum, seqLength, checksum) => {
          expect(Fountain.chooseFragments(seqNum, seqLength, checksum)).toEqual(
            libraryChooseFragments(seqNum, seqLength, checksum),
          )
        },
      ),
      { numRuns: 400 },
    )
  })

  it('agrees on a long run of consecutive mixed parts', () => {
    for (let seqNum = 1; seqNum <= 600; seqNum++) {
      expect(Fountain.chooseFragments(seqNum, 17, 0xdeadbeef)).toEqual(
        libraryChooseFragments(seqNum, 17, 0xdeadbeef),
      )
    }
  })
})
