// Gaussian elimination over GF(2) for UR fountain parts.
//
// Every part of a multipart UR is the XOR of some fragments of the message; which ones is fixed by its
// sequence number and the message checksum, through `Fountain.chooseFragments` (a port of bc-ur's), so
// the wire format and the fragment selection stay exactly bc-ur's. bc-ur's decoder only "peels" (it subtracts
// known fragments from a mixed part until one fragment is left) and so stalls on systems that are
// solvable. Here each part is a row of a linear system kept in reduced row echelon form as it arrives:
// every row owns a pivot fragment that no other row contains. A new part then costs at most one pass
// over the rows (reduce it by the rows whose pivots it contains, then clear its pivot from the others),
// the message is known as soon as the parts span every fragment, and a fragment is solved exactly when
// its row holds that fragment alone.
import * as Crc32 from './Crc32.ts'
import { MalformedUrError } from './errors.ts'
import { chooseFragments } from './Fountain.ts'

/** What every part of one message declares in its header. */
export type Header = {
  /** Number of fragments (the UR `seqLen`). */
  seqLength: number
  /** Length of the message in bytes (the last fragment is zero-padded). */
  messageLength: number
  /** CRC-32 of the whole message: seeds the fragment chooser and checks the result. */
  checksum: number
  /** Bytes in every fragment. */
  fragmentLength: number
}

export type AddResult =
  /** The part carried new information: the rank grew, and `newFragments` fragments became known. */
  | { status: 'independent'; newFragments: number }
  /** The part is a combination of parts already held (a repeat, or redundant): nothing learnt. */
  | { status: 'dependent' }
  /** The parts span every fragment and the message matches its checksum. */
  | { status: 'complete'; message: Uint8Array }
  /** The parts span every fragment but the message fails its checksum: some part was forged or corrupt. */
  | { status: 'checksum-mismatch'; expected: number; actual: number }

export type Solver = {
  readonly header: Header
  /** Independent parts held: the number of dimensions of the message known so far (0..seqLength). */
  readonly rank: number
  /** Fragments whose bytes are determined by the parts held. */
  readonly solvedFragments: number
  /** True once the message is rebuilt and its checksum matched. */
  readonly isComplete: boolean
  /** Adds the part with sequence number `seqNum` (1-based) carrying `fragment`. */
  add(part: { seqNum: number; fragment: Uint8Array }): AddResult
  /** The message once complete (a copy), else undefined. */
  message(): Uint8Array | undefined
  /** The bytes of fragment `index` (0-based, zero padding included) once solved, else undefined. */
  fragment(index: number): Uint8Array | undefined
  /**
   * The fragment indexes (0-based) part `seqNum` mixes, as the library chooses them.
   */
  fragmentIndexes(seqNum: number): number[]
}

/**
 * Makes an incremental GF(2) solver for the parts of one multipart UR message.
 *
 * @example
 * const solver = FountainSolver.create({ seqLength: 9, messageLength: 256, checksum, fragmentLength: 30 })
 * const step = solver.add({ seqNum: 12, fragment })
 * if (step.status === 'complete') use(step.message)
 */
export function create(header: Header): Solver {
  const { seqLength, messageLength, checksum, fragmentLength } = header
  if (
    !isUint32(seqLength) ||
    !isUint32(messageLength) ||
    !isUint32(checksum) ||
    !isUint32(fragmentLength) ||
    seqLength < 1 ||
    fragmentLength < 1 ||
    seqLength !== Math.ceil(messageLength / fragmentLength)
  ) {
    throw malformed(
      `header seqLen ${seqLength}, messageLen ${messageLength}, fragmentLen ${fragmentLength}, checksum ${checksum}`,
    )
  }
  const bitWords = Math.ceil(seqLength / 32)
  const dataWords = Math.ceil(fragmentLength / 4)
  // Row i: fragment set rowBits[i], XOR of those fragments rowData[i] (padded to whole words so XOR
  // runs 4 bytes at a time), pivot fragment rowPivot[i]. pivotRow[f] is the row owning fragment f, or -1.
  const rowBits: Uint32Array[] = []
  const rowData: Uint32Array[] = []
  const rowPivot: number[] = []
  const rowSingle: boolean[] = []
  const pivotRow = new Int32Array(seqLength).fill(-1)
  let solved = 0
  let result: Uint8Array | undefined
  let failed = false

  const add = ({ seqNum, fragment }: { seqNum: number; fragment: Uint8Array }): AddResult => {
    if (!Number.isSafeInteger(seqNum) || seqNum < 1 || seqNum > 0xffffffff) {
      throw malformed(`seqNum ${String(seqNum)}`)
    }
    if (!(fragment instanceof Uint8Array) || fragment.length !== fragmentLength) {
      throw malformed(`fragment of ${String(fragment?.length)} bytes, expected ${fragmentLength}`)
    }
    if (result !== undefined || failed) return { status: 'dependent' }

    const bits = new Uint32Array(bitWords)
    for (const index of chooseFragments(seqNum, seqLength, checksum)) {
      bits[index >>> 5]! ^= 1 << (index & 31)
    }
    // Reduce by the rows whose pivots the part contains. A row holds no pivot but its own, so XORing it
    // in only clears that pivot and toggles free fragments: one pass over the part's bits suffices.
    const used: number[] = []
    for (let w = 0; w < bitWords; w++) {
      let word = bits[w]!
      while (word !== 0) {
        const low = word & -word
        word ^= low
        const row = pivotRow[w * 32 + (31 - Math.clz32(low))]!
        if (row >= 0) {
          xorInto(bits, rowBits[row]!)
          used.push(row)
        }
      }
    }
    const pivot = firstBit(bits)
    if (pivot < 0) return { status: 'dependent' }

    // Only an independent part pays for its data.
    const data = new Uint32Array(dataWords)
    new Uint8Array(data.buffer).set(fragment)
    for (const row of used) xorInto(data, rowData[row]!)

    const solvedBefore = solved
    const newRow = rowBits.length
    rowBits.push(bits)
    rowData.push(data)
    rowPivot.push(pivot)
    rowSingle.push(isSingle(bits))
    if (rowSingle[newRow]) solved += 1
    pivotRow[pivot] = newRow
    // Clear the new pivot from every other row, keeping the form reduced.
    const pw = pivot >>> 5
    const pm = 1 << (pivot & 31)
    for (let row = 0; row < newRow; row++) {
      const other = rowBits[row]!
      if ((other[pw]! & pm) === 0) continue
      xorInto(other, bits)
      xorInto(rowData[row]!, data)
      if (!rowSingle[row] && isSingle(other)) {
        rowSingle[row] = true
        solved += 1
      }
    }

    if (newRow + 1 < seqLength) return { status: 'independent', newFragments: solved - solvedBefore }
    // Full rank: the reduced form is a permutation of the identity, so every row is one fragment.
    const message = new Uint8Array(seqLength * fragmentLength)
    for (let row = 0; row < seqLength; row++) {
      const bytes = new Uint8Array(rowData[row]!.buffer, 0, fragmentLength)
      message.set(bytes, rowPivot[row]! * fragmentLength)
    }
    const joined = message.slice(0, messageLength)
    const actual = Crc32.checksum(joined)
    if (actual !== checksum) {
      failed = true
      return { status: 'checksum-mismatch', expected: checksum, actual }
    }
    result = joined
    return { status: 'complete', message: joined.slice() }
  }

  return {
    header: { seqLength, messageLength, checksum, fragmentLength },
    get rank() {
      return rowBits.length
    },
    get solvedFragments() {
      return solved
    },
    get isComplete() {
      return result !== undefined
    },
    add,
    message: () => result?.slice(),
    fragment(index) {
      const row = index >= 0 && index < seqLength ? pivotRow[index]! : -1
      if (row < 0 || !rowSingle[row]) return undefined
      return new Uint8Array(rowData[row]!.buffer, 0, fragmentLength).slice()
    },
    fragmentIndexes(seqNum) {
      if (!Number.isSafeInteger(seqNum) || seqNum < 1 || seqNum > 0xffffffff) {
        throw malformed(`seqNum ${String(seqNum)}`)
      }
      return chooseFragments(seqNum, seqLength, checksum)
    },
  }
}

function xorInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= source[i]!
}

function firstBit(bits: Uint32Array): number {
  for (let w = 0; w < bits.length; w++) {
    const word = bits[w]!
    if (word !== 0) return w * 32 + (31 - Math.clz32(word & -word))
  }
  return -1
}

function isSingle(bits: Uint32Array): boolean {
  let seen = false
  for (let w = 0; w < bits.length; w++) {
    const word = bits[w]!
    if (word === 0) continue
    if (seen || (word & (word - 1)) !== 0) return false
    seen = true
  }
  return seen
}

function isUint32(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= 0xffffffff
}

function malformed(details: string): MalformedUrError {
  return new MalformedUrError('This QR frame does not fit the message being assembled.', {
    hint: 'Scan the code again; if it keeps failing, regenerate it on the sending device.',
    details,
  })
}
