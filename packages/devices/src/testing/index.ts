export type {
  Apdu,
  EthAppSimulatorOptions,
  SignedRecord,
  SimulatedTypedData,
} from './EthAppSimulator.ts'
export { EthAppSimulator, TEST_MNEMONIC } from './EthAppSimulator.ts'
