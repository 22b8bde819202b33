import fc from 'fast-check'
import { type AbiParameter, bytesToHex, encodeAbiParameters, getAddress, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Abis from './Abis.ts'
import * as StrictAbi from './StrictAbi.ts'

const RUNS = 150

// An arbitrary value for an ABI parameter, in the shape viem's encoder takes.
function arbitrary(param: AbiParameter): fc.Arbitrary<unknown> {
  const array = /^(.*)\[(\d*)\]$/.exec(param.type)
  if (array) {
    const element = arbitrary({ ...param, type: array[1] ?? '' } as AbiParameter)
    return array[2] === ''
      ? fc.array(element, { maxLength: 4 })
      : fc.array(element, { minLength: Number(array[2]), maxLength: Number(array[2]) })
  }
  if (param.type === 'tuple') {
    const components = (param as { components: readonly AbiParameter[] }).components
    const named = components.every((c) => c.name)
    const values = fc.tuple(...components.map(arbitrary))
    return named ? values.map((v) => Object.fromEntries(components.map((c, i) => [c.name, v[i]]))) : values
  }
  if (param.type === 'address') {
    return fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)))
  }
  if (param.type === 'bool') return fc.boolean()
  if (param.type === 'bytes') return fc.uint8Array({ maxLength: 70 }).map((b) => bytesToHex(b))
  if (param.type === 'string') return fc.string({ maxLength: 40 })
  const fixed = /^bytes(\d+)$/.exec(param.type)
  if (fixed) {
    const n = Number(fixed[1])
    return fc.uint8Array({ minLength: n, maxLength: n }).map((b) => bytesToHex(b))
  }
  const int = /^(u?)int(\d*)$/.exec(param.type)
  if (int) {
    const bits = BigInt(int[2] || 256)
    const big =
      int[1] === 'u'
        ? fc.bigInt({ min: 0n, max: (1n << bits) - 1n })
        : fc.bigInt({ min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n })
    return bits <= 48n ? big.map(Number) : big
  }
  throw new Error(`no arbitrary for ${param.type}`)
}

// Every built-in function whose arguments decode without a container opening them.
const functions = [...Abis.defaultRegistry.builtin.values()].filter((entry) => entry.item.inputs.length > 0)
const call = fc
  .constantFrom(...functions)
  .chain((entry) => fc.tuple(fc.constant(entry), fc.tuple(...entry.item.inputs.map(arbitrary))))

describe('StrictAbi (property)', () => {
  it('decode → re-encode is the identity for random calls to the known ABIs', () => {
    fc.assert(
      fc.property(call, ([entry, values]) => {
        const data = encodeAbiParameters(entry.item.inputs, values as unknown[])
        const decoded = StrictAbi.decode({ params: entry.item.inputs, data })
        expect(decoded.ok).toBe(true)
        if (!decoded.ok) return
        expect(encodeAbiParameters(entry.item.inputs, decoded.values)).toBe(data)
        expect(decoded.values).toEqual(values)
      }),
      { numRuns: RUNS * 4 },
    )
  })

  it('any single-bit change decodes to a different call or is refused as non-canonical', () => {
    fc.assert(
      fc.property(call, fc.nat(), ([entry, values], bitSeed) => {
        const data = encodeAbiParameters(entry.item.inputs, values as unknown[])
        const bytes = (data.length - 2) / 2
        if (bytes === 0) return
        const bit = bitSeed % (bytes * 8)
        const byteIndex = Math.floor(bit / 8)
        const hex = data.slice(2)
        const flipped = (Number.parseInt(hex.slice(byteIndex * 2, byteIndex * 2 + 2), 16) ^ (1 << (bit % 8)))
          .toString(16)
          .padStart(2, '0')
        const mutated = `0x${hex.slice(0, byteIndex * 2)}${flipped}${hex.slice(byteIndex * 2 + 2)}` as Hex
        const decoded = StrictAbi.decode({ params: entry.item.inputs, data: mutated })
        if (!decoded.ok) return
        // Accepted: then it is the canonical encoding of the values shown, which differ from the original.
        expect(encodeAbiParameters(entry.item.inputs, decoded.values)).toBe(mutated)
        expect(decoded.values).not.toEqual(values)
      }),
      { numRuns: RUNS * 4 },
    )
  })

  it('refuses short data, trailing data, dirty words and aliasing offsets', () => {
    const params = [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes' }, { type: 'bytes' }] as const
    const data = encodeAbiParameters(params, [
      '0x00000000219ab540356cBB839Cbe05303d7705Fa',
      5n,
      '0x01',
      '0x02',
    ])
    expect(StrictAbi.decode({ params, data })).toMatchObject({ ok: true })
    expect(StrictAbi.decode({ params, data: data.slice(0, -2) as Hex })).toMatchObject({ ok: false })
    expect(StrictAbi.decode({ params, data: `${data}00` as Hex })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('trailing'),
    })
    expect(StrictAbi.decode({ params, data: `0x01${data.slice(4)}` as Hex })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('dirty high bits in address'),
    })
    // Point the 2nd bytes at the 1st: both read 0x01, and the 0x02 blob becomes unreachable.
    const aliased =
      `${data.slice(0, 2 + 64 * 3)}${(4 * 32).toString(16).padStart(64, '0')}${data.slice(2 + 64 * 4)}` as Hex
    expect(StrictAbi.decode({ params, data: aliased })).toMatchObject({
      ok: false,
      detail: expect.stringContaining('non-canonical offset'),
    })
    expect(
      StrictAbi.decode({ params: [{ type: 'bool' }], data: `0x${'2'.padStart(64, '0')}` }),
    ).toMatchObject({ ok: false, detail: expect.stringContaining('neither 0 nor 1') })
    // A length claiming more elements than bytes left is refused before anything is allocated.
    expect(
      StrictAbi.decode({
        params: [{ type: 'uint256[]' }],
        data: `0x${'20'.padStart(64, '0')}${'f'.repeat(8).padStart(64, '0')}`,
      }),
    ).toMatchObject({ ok: false, detail: expect.stringContaining('array length') })
  })
})
