// The renderer has no global Buffer. Load the UR modules with none present and check that they work and
// that our API hands out plain Uint8Arrays. (This file imports them dynamically, after removing Buffer.)
import { afterAll, beforeAll, expect, it } from 'vitest'

const scope = globalThis as { Buffer?: unknown }
const saved = scope.Buffer

beforeAll(() => {
  delete scope.Buffer
})
afterAll(() => {
  scope.Buffer = saved
})

it('encodes and decodes multipart URs when no global Buffer exists at load time', async () => {
  expect(scope.Buffer).toBeUndefined()
  const Ur = await import('./Ur.ts')
  const { UrDecoder } = await import('./UrDecoder.ts')
  const payload = Uint8Array.from({ length: 2000 }, (_, i) => (i * 31) & 0xff)
  const encoder = Ur.encode({ type: 'airlock-sign-request', payload, maxFragmentLength: 150 })
  const decoder = new UrDecoder()
  for (const part of encoder.firstParts()) decoder.receive(part)
  const result = decoder.result()
  expect(result?.payload).toEqual(payload)
  expect(result?.payload.constructor).toBe(Uint8Array)
  // Single-part path, too.
  const single = new UrDecoder().receive(Ur.encodeSingle({ type: 'bytes', payload: payload.subarray(0, 50) }))
  expect(single.status === 'complete' && single.result.payload.constructor).toBe(Uint8Array)
})
