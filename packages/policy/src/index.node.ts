// Node-only entry (`@airlock/policy/node`): Cedar loaded synchronously, and policy directories on disk.
export { cedar } from './cedar.node.ts'
export { loadPolicyDir, type PolicyDir, runPolicyTests } from './policyDir.node.ts'
