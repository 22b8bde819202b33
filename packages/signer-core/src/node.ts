// Node-only entry (`@airlock/signer-core/node`): the signer's state directory on disk.
export type { RecoverParameters, StateDir } from './stateDir.node.ts'
export { files, openStateDir, resolveStateDir } from './stateDir.node.ts'
