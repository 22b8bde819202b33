import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isBaseError } from './BaseError.ts'
import * as Json from './Json.ts'

const deep = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`

describe('Json.parse', () => {
  it('parses ordinary JSON like JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
        const text = JSON.stringify(value)
        expect(Json.parse(text)).toEqual(JSON.parse(text))
        expect(Json.parse(new TextEncoder().encode(text))).toEqual(JSON.parse(text))
      }),
      { seed: 10, numRuns: 200 },
    )
  })

  it('refuses 10,000-deep nesting before parsing, with a typed error', () => {
    for (const text of [deep(10_000), '{"a":'.repeat(10_000), '['.repeat(100_000)]) {
      expect(() => Json.parse(text, { what: 'policy bundle' })).toThrowError(Json.JsonTooDeepError)
    }
    expect(() => Json.parse(deep(65))).toThrowError(/more than 64 levels deep/)
    expect(Json.parse(deep(64))).toBeDefined()
    expect(Json.parse(deep(3), { maxDepth: 3 })).toEqual([[[1]]])
    expect(() => Json.parse(deep(4), { maxDepth: 3 })).toThrowError(Json.JsonTooDeepError)
  })

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[" now', c: ['\\'] })
    expect(Json.parse(text, { maxDepth: 2 })).toEqual(JSON.parse(text))
  })

  it('refuses oversized input and broken syntax or UTF-8 with typed errors', () => {
    expect(() => Json.parse('"aaaaaaaaaa"', { maxBytes: 8 })).toThrowError(Json.JsonTooLargeError)
    expect(() => Json.parse('"ééééé"', { maxBytes: 8 })).toThrowError(Json.JsonTooLargeError)
    expect(() => Json.parse('"éé"', { maxBytes: 8 })).not.toThrow()
    expect(() => Json.parse(new Uint8Array(9), { maxBytes: 8 })).toThrowError(Json.JsonTooLargeError)
    expect(() => Json.parse('{"a":1,}', { what: 'ABI file' })).toThrowError('The ABI file is not valid JSON.')
    expect(() => Json.parse(new Uint8Array([0x22, 0xff, 0x22]))).toThrowError(Json.InvalidJsonError)
    expect(() => Json.parse(42 as unknown as string)).toThrowError(Json.InvalidJsonError)
    const error = (() => {
      try {
        Json.parse(deep(10_000))
      } catch (e) {
        return e
      }
    })()
    expect(isBaseError(error) && error.name).toBe('Json.TooDeepError')
  })

  it('never throws anything but its typed errors on mutated JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat(), fc.string({ maxLength: 4 }), (v, at, insert) => {
        const text = JSON.stringify(v)
        const i = at % (text.length + 1)
        try {
          Json.parse(text.slice(0, i) + insert + text.slice(i + 1), { maxDepth: 8 })
        } catch (error) {
          expect(isBaseError(error)).toBe(true)
        }
      }),
      { seed: 11, numRuns: 500 },
    )
  })
})

describe('Json.assertDepth', () => {
  it('bounds values that arrive already parsed, iteratively', () => {
    let value: unknown = 1
    for (let i = 0; i < 100_000; i++) value = { a: [value] }
    expect(() => Json.assertDepth(value, { what: 'policy bundle' })).toThrowError(Json.JsonTooDeepError)
    expect(() => Json.assertDepth({ a: [{ b: 1 }] }, { maxDepth: 3 })).not.toThrow()
    expect(() => Json.assertDepth({ a: [{ b: {} }] }, { maxDepth: 3 })).toThrowError(Json.JsonTooDeepError)
    const shared = { x: 1 }
    const cyclic: Record<string, unknown> = { shared, again: shared }
    cyclic.self = cyclic
    expect(() => Json.assertDepth(cyclic)).not.toThrow()
  })
})
