// Node-only: the `nodejs` build of Cedar reads its .wasm with fs at import time (synchronously).
import * as CedarNode from '@cedar-policy/cedar-wasm/nodejs'
import type { CedarApi } from './Cedar.ts'

/**
 * Cedar, loaded synchronously in Node from the package's own .wasm file (no network).
 *
 * @example
 * import { cedar } from '@airlock/policy/node'
 * Engine.create({ cedar, bundle })
 */
export const cedar: CedarApi = {
  validate: CedarNode.validate,
  isAuthorized: CedarNode.isAuthorized,
  statefulIsAuthorized: CedarNode.statefulIsAuthorized,
  preparseSchema: CedarNode.preparseSchema,
  preparsePolicySet: CedarNode.preparsePolicySet,
  checkParseSchema: CedarNode.checkParseSchema,
  checkParsePolicySet: CedarNode.checkParsePolicySet,
  policySetTextToParts: CedarNode.policySetTextToParts,
  policyToJson: CedarNode.policyToJson,
  schemaToJson: CedarNode.schemaToJson,
  getCedarVersion: CedarNode.getCedarVersion,
}
