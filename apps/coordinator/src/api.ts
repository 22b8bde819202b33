// The contract between the coordinator window and main: one channel per operation, plain JSON view
// models (amounts as decimal strings in units, addresses checksummed). Process-free: the preload,
// main's IPC registration, the handlers and the renderer all import it.

import type { NonceComparison } from '@airlock/coordinator-core'

/** Every IPC channel, in one list: main registers exactly these and checks the sender of each. */
export const channels = [
  'status',
  'safes',
  'compose',
  'queue',
  'qrFrames',
  'scanPart',
  'scanReset',
  'execute',
  'confirm',
  'cancel',
  'sentryRules',
  'saveSentryRules',
  'sentryCheck',
  'pauseFromAlert',
  'serviceConfig',
  'serviceConfigure',
  'servicePending',
  'serviceImport',
  'serviceConfirm',
  'servicePull',
  'executionCheck',
] as const

export type Channel = (typeof channels)[number]

/** A failure the window shows: the engine's typed error, never a stack. */
export type ErrorView = { name: string; message: string; hint: string | undefined }

/** Either the value or the typed error (exceptions never cross IPC). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorView }

export type StatusView = {
  chainId: number
  rpcOrigin: string
  blockNumber: string
  /** Unix seconds of the latest block: delays count by this clock. */
  chainTime: number
  operator: string
  /** `postgres` in team mode (DATABASE_URL), `pglite` for one operator. */
  queue: 'pglite' | 'postgres'
  bundle: { version: number; hash: string }
  /** The org's asset ids on this chain (amounts are given in their units). */
  assets: string[]
  /** Bumped by every change of the queue (this operator's or a teammate's). */
  revision: number
}

export type SafeView = {
  name: string
  role: 'treasury' | 'guardian' | 'other'
  address: string
  version: string
  threshold: number
  nonce: string
  owners: { address: string; label: string | undefined }[]
  modules: string[]
  guard: string
  fallbackHandler: string
  balances: { asset: string; amount: string }[]
  /** Where the chain disagrees with the org config (owners, threshold, version, modules, guard). */
  drift: string[]
}

export type TransferLine = { asset: string; to: string; amount: string }

/** What the operator fills in, one variant per builder. */
export type ComposeForm =
  | { builder: 'transfer'; transfer: TransferLine }
  | { builder: 'batch'; transfers: TransferLine[] }
  | { builder: 'contract-call'; to: string; abi: string; method: string; args: string[]; value: string }
  | {
      builder: 'safe-admin'
      operation: 'add-owner' | 'remove-owner' | 'change-threshold'
      owner: string
      threshold: string
    }
  | {
      builder: 'timelock'
      operation: 'schedule' | 'execute' | 'cancel'
      target: string
      value: string
      data: string
      delay: string
      salt: string
      id: string
    }
  | { builder: 'pause'; targets: string[] }
  | { builder: 'transaction-builder'; json: string }

export type ComposeInput = {
  form: ComposeForm
  /** The Safe that executes (the treasury when absent; the guardian for a pause). */
  safe?: string | undefined
  title: string
  /** False: show the foresight only. True: queue it if the signers are predicted to accept it. */
  queue: boolean
}

export type PredictionView = {
  verdict: 'sign' | 'attest' | 'refuse'
  allowing: number
  needed: number
  refusals: { code: string; message: string }[]
  owners: { owner: string; label: string | undefined; verdict: 'sign' | 'attest' | 'refuse' }[]
  bundleVersion: number
}

export type SimulationView =
  | {
      status: 'ok' | 'reverted'
      /** `eth_call` when the RPC lacks eth_simulateV1: no balance changes then. */
      method: 'eth_simulateV1' | 'eth_call'
      blockNumber: string
      /** The revert of execTransaction (GS013 …) and the inner call's own reason. */
      revert: string | undefined
      failedCall: { path: string; to: string; reason: string } | undefined
      balanceChanges: { asset: string; before: string; after: string; delta: string }[]
    }
  | { status: 'error'; error: ErrorView }

export type ComposeView = {
  title: string
  safe: string
  /**
   * ENS names the form gave, with the checksummed address each resolved to on the coordinator (at the
   * block the Safe was read at). Only the addresses are in the request: the signers never see a name.
   */
  names: { name: string; address: string; blockNumber: string }[]
  nonce: string
  safeTxHash: string
  tier: string
  tierReasons: string[]
  findings: { severity: string; code: string; reason: string }[]
  calls: string[]
  needs: { signatures: number; approvals: number; attestations: number; delaySeconds: number }
  drift: string[]
  prediction: PredictionView
  simulation: SimulationView
  /** Set when it was queued. */
  actionId: string | undefined
  /** Why it was not queued although asked. */
  blocked: string | undefined
}

export type ActionView = {
  id: string
  title: string
  safe: string
  nonce: string
  safeTxHash: string
  tier: string
  state: string
  /** What it still needs, one sentence each (signatures, attestations, the delay by chain time). */
  missing: string[]
  signatures: { signer: string; label: string | undefined; kind: string }[]
  /** Unix seconds (chain time) when the tier's delay ends; undefined when there is none. */
  delayEndsAt: number | undefined
  conflict: boolean
  supersededBy: string | undefined
  supersedes: string | undefined
  execution: { txHash: string; blockNumber: string; status: string } | undefined
  history: { at: string; actor: string; from: string | undefined; to: string; reason: string }[]
  /** Alerts about a signer's log or receipt raised while taking this action's answers (rollback, fork…). */
  signerAlerts: { signer: string; label: string | undefined; code: string; message: string }[]
}

export type QueueView = { chainTime: number; actions: ActionView[] }

export type QrInput = { actionId: string; fragmentBytes?: number | undefined; fps?: number | undefined }

export type QrView = {
  actionId: string
  /** SVG data URLs, shown in a loop. */
  frames: string[]
  fps: number
  fragmentCount: number
  fragmentBytes: number
  version: number
  ecLevel: string
  /** The auto-tuned values, for the "auto" button. */
  auto: { fragmentBytes: number; fps: number }
  expectedSeconds: number
}

export type ScanView =
  | { status: 'progress'; percent: number; parts: number }
  | {
      status: 'added' | 'duplicate'
      actionId: string
      signer: string
      label: string | undefined
      kind: string
      /** Alerts about the signer's log or receipt this answer raised (kept with the action). */
      alerts?: { code: string; message: string }[] | undefined
    }
  | { status: 'rejected'; error: ErrorView }

export type ExecuteView = {
  simulation: SimulationView
  status: 'executed' | 'confirmed' | 'reorged' | 'not-ready' | 'simulation-reverted' | 'reverted' | 'failed'
  message: string
  txHash: string | undefined
  blockNumber: string | undefined
  /** keccak256 of the execTransaction calldata sent (as the Check showed it before). */
  calldataHash: string | undefined
}

/** The executor's check: what Execute will send, for a second machine to compare; nothing sent. */
export type ExecutionCheckView = {
  safeTxHash: string
  /** The executor account. */
  from: string
  /** The Safe. */
  to: string
  /** Wei, as a decimal string. */
  value: string
  gas: string | undefined
  /** keccak256 of `calldata`: equal to the keccak256 of the mined transaction's input. */
  calldataHash: string
  calldata: string
  /** Why the simulation on these bytes reverts, if it does. */
  revert: string | undefined
}

export type ConfirmView = {
  status: 'confirmed' | 'pending' | 'reorged'
  confirmations: string
  message: string
}

export type AlertView = {
  id: string
  blockNumber: string
  breaches: { ruleId: string; label: string; message: string }[]
  pauseTitle: string
}

export type SentryView = { rules: string; alerts: AlertView[] }

/** The Transaction Service the coordinator reads from and posts to (none until configured). */
export type ServiceConfigView = {
  url: string | undefined
  /** The origin the window's network allow-list admits for it. */
  origin: string | undefined
  /** Whether an API key (read from a file by main, never shown) is in use. */
  apiKey: boolean
}

/** One pending service transaction after the coordinator's own checks (hash recomputed here). */
export type ServiceTxView = {
  /** Computed here from the raw fields. */
  safeTxHash: string
  /** The hash the service files it under (what an import asks the service for). */
  claimedSafeTxHash: string
  nonce: string
  to: string
  toLabel: string | undefined
  /** Wei, as a decimal string. */
  value: string
  /** Owners whose confirmations recover over the recomputed hash. */
  confirmations: string[]
  /** What the checks found wrong, in words (`TransactionService.describe`). */
  problems: string[]
  /** The queued action with the same hash, when there is one. */
  actionId: string | undefined
}

/** One nonce, service and queue side by side (`TransactionService.compare`). */
export type ServiceNonceView = {
  nonce: string
  service: { safeTxHash: string; problems: string[] }[]
  queue: { id: string; safeTxHash: string; title: string; signatures: number }[]
  /** As `TransactionService.compare` flags them. */
  flags: NonceComparison['flags']
}

export type ServiceView = {
  url: string
  safe: string
  onchainNonce: string
  transactions: ServiceTxView[]
  nonces: ServiceNonceView[]
}

export type ServiceImportView = {
  actionId: string
  nonce: string
  tier: string
  /** Verified owner confirmations taken over from the service. */
  signatures: number
  problems: string[]
  /** Confirmations by addresses that are not owners now: not imported. */
  skipped: string[]
}

export type ServiceConfirmView = { safeTxHash: string; posted: string[] }

/** Confirmations pulled from the service into the queue (verified over our own hash; owners only). */
export type ServicePullView = {
  safeTxHash: string
  added: string[]
  duplicate: string[]
  /** Verified, but not owners now: not stored. */
  skipped: string[]
  /** Confirmations that do not verify, in words. */
  problems: string[]
}

export type Api = {
  status(): Promise<Result<StatusView>>
  safes(): Promise<Result<SafeView[]>>
  compose(input: ComposeInput): Promise<Result<ComposeView>>
  queue(): Promise<Result<QueueView>>
  qrFrames(input: QrInput): Promise<Result<QrView>>
  /** `actionId`: the action the answers are for (needed for a Keystone eth-signature only). */
  scanPart(input: { part: string; actionId?: string | undefined }): Promise<Result<ScanView>>
  scanReset(): Promise<Result<null>>
  execute(input: { actionId: string }): Promise<Result<ExecuteView>>
  /** The executor's check: the exact execTransaction bytes Execute would send and their hash; sends nothing. */
  executionCheck(input: { actionId: string }): Promise<Result<ExecutionCheckView>>
  /** Re-checks an executed action: confirmations, or a reorg that puts it back to ready. */
  confirm(input: { actionId: string }): Promise<Result<ConfirmView>>
  cancel(input: { actionId: string; reason: string }): Promise<Result<null>>
  sentryRules(): Promise<Result<SentryView>>
  saveSentryRules(input: { rules: string }): Promise<Result<SentryView>>
  sentryCheck(): Promise<Result<SentryView>>
  pauseFromAlert(input: { alertId: string }): Promise<Result<ComposeView>>
  serviceConfig(): Promise<Result<ServiceConfigView>>
  /** `apiKeyFile`: a file main reads the key from (the key never passes through the window). */
  serviceConfigure(input: {
    url: string
    apiKeyFile?: string | undefined
  }): Promise<Result<ServiceConfigView>>
  /** The Safe's (default: the treasury) pending service transactions beside the queue. */
  servicePending(input?: { safe?: string | undefined } | undefined): Promise<Result<ServiceView>>
  serviceImport(input: { safeTxHash: string; safe?: string | undefined }): Promise<Result<ServiceImportView>>
  /** Posts the queue's collected owner signatures of an action as service confirmations. */
  serviceConfirm(input: { actionId: string }): Promise<Result<ServiceConfirmView>>
  /** Pulls the confirmations others made on the service into the queued action (verified, owners only). */
  servicePull(input: { actionId: string }): Promise<Result<ServicePullView>>
}

// Compile-time: the channel list and the API name the same operations.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export const channelsMatchApi: Same<Channel, keyof Api> = true
