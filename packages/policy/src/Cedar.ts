import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs'
import * as CedarWeb from '@cedar-policy/cedar-wasm/web'
import { initSync } from '@cedar-policy/cedar-wasm/web'
import { CedarLoadError } from './errors.ts'

/**
 * The slice of Cedar's WebAssembly API the engine uses. Both builds of `@cedar-policy/cedar-wasm`
 * provide it: `cedar.node.ts` loads the `nodejs` build synchronously (it reads its .wasm next to
 * itself), `fromWasm` initialises the `web` build from bytes the caller already holds.
 */
export type CedarApi = Pick<
  typeof CedarWasm,
  | 'validate'
  | 'isAuthorized'
  | 'statefulIsAuthorized'
  | 'preparseSchema'
  | 'preparsePolicySet'
  | 'checkParseSchema'
  | 'checkParsePolicySet'
  | 'policySetTextToParts'
  | 'policyToJson'
  | 'schemaToJson'
  | 'getCedarVersion'
>

export type DetailedError = CedarWasm.DetailedError
export type ValidationAnswer = CedarWasm.ValidationAnswer

/**
 * Initialises Cedar's `web` build from the .wasm bytes (or a compiled module) and returns its API.
 * It never fetches: the signer ships `cedar_wasm_bg.wasm` inside the app and reads it locally
 * (e.g. a bundler `?url` asset read through the app's own protocol, or bytes handed over by main).
 *
 * @example
 * const cedar = Cedar.fromWasm({ wasm: bytesOfCedarWasmBg })
 * cedar.getCedarVersion() // '4.13.0'
 */
export function fromWasm({ wasm }: { wasm: Uint8Array | WebAssembly.Module }): CedarApi {
  // The web build keeps one instance per page: initSync ignores later calls, so check the bytes here.
  if (wasm instanceof Uint8Array && !WebAssembly.validate(wasm as BufferSource)) {
    throw new CedarLoadError('The bytes given are not a WebAssembly module.', {
      hint: 'Pass the bytes of @cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm shipped with the app.',
    })
  }
  try {
    initSync({ module: wasm as BufferSource | WebAssembly.Module })
    // Touch it once so a wrong binary fails here, not in the middle of a signing decision.
    CedarWeb.getCedarVersion()
  } catch (cause) {
    throw new CedarLoadError('The Cedar WebAssembly module could not be initialised.', {
      hint: 'Pass the bytes of @cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm shipped with the app.',
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
  return {
    validate: CedarWeb.validate,
    isAuthorized: CedarWeb.isAuthorized,
    statefulIsAuthorized: CedarWeb.statefulIsAuthorized,
    preparseSchema: CedarWeb.preparseSchema,
    preparsePolicySet: CedarWeb.preparsePolicySet,
    checkParseSchema: CedarWeb.checkParseSchema,
    checkParsePolicySet: CedarWeb.checkParsePolicySet,
    policySetTextToParts: CedarWeb.policySetTextToParts,
    policyToJson: CedarWeb.policyToJson,
    schemaToJson: CedarWeb.schemaToJson,
    getCedarVersion: CedarWeb.getCedarVersion,
  }
}
