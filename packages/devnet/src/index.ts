export type { Anvil, StartAnvilParameters } from './anvil.ts'
export { ANVIL_MNEMONIC, anvilAccounts, anvilBinary, startAnvil } from './anvil.ts'
export type { Artifact } from './contracts.ts'
export { deploy, SOLC_VERSION, testContracts, timelockArtifact, write } from './contracts.ts'
export type { LocalEns } from './ens.ts'
export { deployEns, ensArtifacts, setEnsName } from './ens.ts'
export type { OrgDevnet } from './orgDevnet.ts'
export { startOrgDevnet } from './orgDevnet.ts'
export type {
  CreateSafeParameters,
  DeployableVersion,
  ExecParameters,
  SafeDeployment,
  SimulatedExec,
} from './safeDeploy.ts'
export {
  artifact,
  createSafe,
  deploySafeContracts,
  execTransaction,
  readSafe,
  safeAbi,
  simulateExec,
} from './safeDeploy.ts'
export type { SimulatedTime } from './simulatedTime.ts'
export { simulatedTime } from './simulatedTime.ts'
