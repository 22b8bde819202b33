import { describe, expect, it } from 'vitest'
import { BaseError, isBaseError } from './BaseError.ts'

class ExampleError extends BaseError {
  override name = 'Example.ExampleError'
}

describe('BaseError', () => {
  it('keeps the user message, the hint and the developer detail apart', () => {
    const error = new ExampleError('data is not hex', { hint: 'Pass 0x-prefixed hex.', details: 'at 3' })
    expect(error.shortMessage).toBe('data is not hex')
    expect(error.hint).toBe('Pass 0x-prefixed hex.')
    expect(error.oneLine).toBe('data is not hex Pass 0x-prefixed hex.')
    expect(error.message).toMatchInlineSnapshot(`
      "data is not hex
      Pass 0x-prefixed hex.
      Details: at 3"
    `)
    expect(error.name).toBe('Example.ExampleError')
    expect(isBaseError(error)).toBe(true)
    expect(isBaseError(new Error('x'))).toBe(false)
  })

  it('carries its cause', () => {
    const cause = new Error('inner')
    expect(new ExampleError('outer', { cause }).cause).toBe(cause)
  })
})
