import { join } from 'node:path'
import { Config as CoordinatorConfig, Sentry } from '@airlock/coordinator-core'
import {
  type Anvil,
  anvilAccounts,
  createSafe,
  deploy,
  deploySafeContracts,
  execTransaction,
  type SafeDeployment,
  safeAbi,
  simulatedTime,
  startAnvil,
  testContracts,
} from '@airlock/devnet'
import { Bundle, OrgConfig } from '@airlock/policy'
import { cedar, loadPolicyDir } from '@airlock/policy/node'
import { SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { approvedBy, maliciousFixtures } from '@airlock/safe/fixtures/malicious'
import { Attestation, DecisionLog, Signer } from '@airlock/signer-core'
import { SignatureResponse, SignRequest } from '@airlock/transport'
import { QrDensity } from '@airlock/transport/images'
import {
  type Address,
  bytesToHex,
  encodeFunctionData,
  formatEther,
  type HDAccount,
  type Hex,
  parseAbi,
  parseEther,
  toHex,
  zeroAddress,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

const CHAIN_ID = 31337
const ADMIN_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow'

/** Every kind of attempt the attacker makes. */
export const attemptKinds = [
  'bybit-delegatecall',
  'owner-takeover',
  'drain-to-attacker',
  'small-transfer-to-attacker',
  'tier-and-label-lie',
  'forged-attestations',
  'nested-safe-drain',
  'unknown-function',
  'guardian-abuse',
  'resubmission',
  'replay-executed',
  'forged-policy-bundle',
  'stolen-key-drain',
  'red-team-suite',
  'rotation-drain',
] as const
export type AttemptKind = (typeof attemptKinds)[number]

export type Phase = 'coordinator' | 'coordinator+inputs' | 'coordinator+inputs+key'

export type Attempt = {
  hour: number
  phase: Phase
  kind: AttemptKind
  /** Which owners' signers were asked (1-based). */
  asked: number[]
  /** `refused`: no Safe signature released; `attestation-only`: round-1 attestations, no signature;
   * `short`: signatures released but fewer than the threshold; `executed` / `blocked` (reverted). */
  outcome: 'refused' | 'attestation-only' | 'short' | 'executed' | 'blocked'
  reasons: string[]
  lostWei: bigint
}

export type DrillReport = {
  hours: number
  tvlWei: bigint
  /** One signer's velocity allowance for the asset (the policy's epoch cap). */
  velocityCapWei: bigint
  lostWei: bigint
  /** Lost from actions the signers classify Critical or Existential. */
  lostCriticalWei: bigint
  attempts: Attempt[]
  pause:
    | {
        alertBlock: bigint
        pauseBlock: bigint
        blocks: bigint
        /** Simulated seconds from the alert to the executed pause. */
        seconds: number
        /** How those seconds are made up. */
        breakdown: {
          qrRequestSeconds: number
          humanSeconds: number
          qrAnswerSeconds: number
          engineSeconds: number
        }
      }
    | undefined
}

export type DrillParameters = {
  hours?: number | undefined
  /** Attack requests per simulated hour. */
  perHour?: number | undefined
  /** The sentry's drop threshold on the treasury balance, basis points. */
  sentryDropBps?: number | undefined
  /** Seconds a person needs to react to an alert and approve the pause (on top of the QR transfers). */
  humanSeconds?: number | undefined
  /**
   * Limits for the whole signer set: the bundle enrolls the signers' audit keys and the treasury's
   * start nonce, so every signer demands proof of each executed nonce (charging it to its velocity)
   * and signs receipts. Off (default): each signer knows only its own log.
   */
  signerSet?: boolean | undefined
  onProgress?: ((line: string) => void) | undefined
}

const drainAbi = parseAbi([
  'function transfer(address to, uint256 amount) returns (bool)',
  'function addOwnerWithThreshold(address owner, uint256 threshold)',
  'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)',
  'function setGuard(address guard)',
  'function sweep(address to)',
  'function unpause()',
])

type Ten = [
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
]

type World = {
  anvil: Anvil
  deployment: SafeDeployment
  treasury: Address
  guardian: Address
  guard: Address
  owners: HDAccount[]
  executor: HDAccount
  attacker: HDAccount
  marketMaker: HDAccount
  signers: Signer[]
  bundle: Bundle.Bundle
  config: CoordinatorConfig.Config
  now: () => number
  advance: (seconds: number) => Promise<void>
}

/**
 * Runs the drill and returns what happened; nothing is printed except through `onProgress`.
 *
 * @example
 * const report = await Drill.run({ onProgress: console.log })
 * report.lostWei <= report.velocityCapWei
 */
export async function run({
  hours = 24,
  perHour = 4,
  sentryDropBps = 50,
  humanSeconds = 45,
  signerSet = false,
  onProgress = () => {},
}: DrillParameters = {}): Promise<DrillReport> {
  const world = await setUp({ onProgress, signerSet })
  try {
    return await attack(world, { hours, perHour, sentryDropBps, humanSeconds, signerSet, onProgress })
  } finally {
    await world.anvil.stop()
  }
}

const TVL = parseEther('100')
const CAP = parseEther('1')
const SLICE = parseEther('0.2')

async function setUp({
  onProgress,
  signerSet,
}: {
  onProgress: (line: string) => void
  signerSet: boolean
}): Promise<World> {
  const [deployer, o1, o2, o3, o4, o5, executor, attacker, marketMaker, payroll] = anvilAccounts(10) as Ten
  const owners = [o1, o2, o3, o4, o5]
  const admins = [0, 1, 2].map((addressIndex) => mnemonicToAccount(ADMIN_MNEMONIC, { addressIndex }))
  const anvil = await startAnvil({ chainId: CHAIN_ID })
  const deployment = await deploySafeContracts({ anvil, deployer: deployer, version: '1.4.1' })
  const treasury = await createSafe({
    anvil,
    deployment,
    deployer: deployer,
    owners: owners.map((o) => o.address),
    threshold: 3,
    balance: TVL,
  })
  const guardian = await createSafe({
    anvil,
    deployment,
    deployer: deployer,
    owners: owners.map((o) => o.address),
    threshold: 1,
    saltNonce: 1n,
  })
  const guard = await deploy({
    anvil,
    deployer: deployer,
    artifact: testContracts().PauseGuard,
    args: [guardian, treasury],
  })
  // Installing the guard is part of the trusted setup (the owners sign it directly).
  const setGuard = SafeTx.from({
    to: treasury,
    data: encodeFunctionData({ abi: drainAbi, functionName: 'setGuard', args: [guard] }),
    nonce: 0n,
  })
  await execute({ anvil, safe: treasury, tx: setGuard, by: owners.slice(0, 3), executor: executor })
  onProgress(
    `treasury ${treasury}: Safe 1.4.1, 3-of-5, ${TVL / 10n ** 18n} ETH, guarded by PauseGuard ${guard}`,
  )
  onProgress(`guardian ${guardian}: Safe 1.4.1, 1-of-5, may pause the guard`)

  // The simulated clock. The velocity day starts with the drill, so its 24 hours are one epoch.
  const { now, advance } = await simulatedTime(anvil)
  // Each signer's audit (log) key; with the set's limits on, the bundle enrolls the public halves.
  const auditKeys = owners.map(() => globalThis.crypto.getRandomValues(new Uint8Array(32)))
  const auditPublic = auditKeys.map((privateKey) => bytesToHex(DecisionLog.memory({ privateKey }).publicKey))
  const base = {
    name: 'Drill treasury',
    safes: [
      {
        name: 'treasury',
        address: treasury,
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: owners.map((o) => o.address.toLowerCase()),
        threshold: 3,
        // The guard was installed at nonce 0, before the bundle.
        ...(signerSet ? { startNonce: '1' } : {}),
      },
      {
        name: 'guardian',
        address: guardian,
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: owners.map((o) => o.address.toLowerCase()),
        threshold: 1,
      },
    ],
    guardian: { address: guardian, chainId: CHAIN_ID },
    pausable: [{ name: 'Treasury pause guard', address: guard, chainId: CHAIN_ID }],
    trustedDelegatecall: [{ name: 'MultiSendCallOnly 1.4.1 (local)', address: deployment.multiSendCallOnly }],
    recipients: [
      { name: 'Payroll', address: payroll.address, chainId: CHAIN_ID },
      // A market maker's hot wallet, allow-listed; the attacker has compromised it.
      { name: 'Market maker', address: marketMaker.address, chainId: CHAIN_ID },
    ],
    assets: [
      {
        id: 'ETH',
        chainId: CHAIN_ID,
        address: 'native',
        decimals: 18,
        policyDecimals: 3,
        treasury: TVL.toString(),
        large: parseEther('5').toString(),
        epoch: { seconds: 86400, cap: CAP.toString(), origin: now() },
      },
    ],
    admins: { addresses: admins.map((a) => a.address), threshold: 2 },
    allowSoftwareKeys: true,
    ...(signerSet
      ? { signers: owners.map((o, i) => ({ owner: o.address, auditKey: auditPublic[i]! })) }
      : {}),
  }
  const policyDir = join(import.meta.dirname, '..', '..', '..', 'policies', 'treasury-default')
  const treasuryDefault = loadPolicyDir(policyDir)
  const defaults = treasuryDefault.orgJson as Record<string, unknown>
  const orgJson = { ...defaults, ...base }
  const policies = treasuryDefault.policies
  let bundle = Bundle.create({ version: 1, policies, org: orgJson as Bundle.Json })
  for (const admin of admins.slice(0, 2)) bundle = await Bundle.sign(bundle, admin)
  onProgress(
    `policy bundle v1 signed by 2 of 3 admins: ETH velocity ${CAP / 10n ** 18n} ETH per day per signer`,
  )

  const signers: Signer[] = []
  for (const privateKey of auditKeys) {
    const clock = () => new Date(now() * 1000)
    const log = DecisionLog.memory({ clock, privateKey })
    const signer = await Signer.create({ cedar, log, clock, ...(signerSet ? { auditKey: log.signer } : {}) })
    await signer.installBundle(bundle)
    signers.push(signer)
  }
  const config = CoordinatorConfig.create({
    org: OrgConfig.parse(orgJson),
    chainId: CHAIN_ID,
    treasury,
    multiSendCallOnly: new Map([[CHAIN_ID, deployment.multiSendCallOnly]]),
  })
  return {
    anvil,
    deployment,
    treasury,
    guardian,
    guard,
    owners,
    executor: executor,
    attacker: attacker,
    marketMaker: marketMaker,
    signers,
    bundle,
    config,
    now,
    advance,
  }
}

async function execute({
  anvil,
  safe,
  tx,
  by,
  executor,
  signatures,
}: {
  anvil: Anvil
  safe: Address
  tx: SafeTx.SafeTx
  by?: HDAccount[] | undefined
  executor: HDAccount
  signatures?: Hex | undefined
}): Promise<boolean> {
  let blob = signatures
  if (blob === undefined) {
    const safeTxHash = SafeTxHash.compute({
      tx,
      context: SafeTx.context({ chainId: CHAIN_ID, safe, version: '1.4.1' }),
    }).safeTxHash
    const entries = []
    for (const owner of by ?? []) entries.push(Signature.parse(await owner.sign({ hash: safeTxHash }))[0]!)
    blob = Signature.build({ signatures: entries, safeTxHash })
  }
  try {
    return (await execTransaction({ anvil, version: '1.4.1', safe, tx, signatures: blob, sender: executor }))
      .success
  } catch {
    // Reverted in gas estimation: the guard refused, or the signatures do not verify.
    return false
  }
}

async function attack(
  world: World,
  {
    hours,
    perHour,
    sentryDropBps,
    humanSeconds,
    signerSet,
    onProgress,
  }: {
    hours: number
    perHour: number
    sentryDropBps: number
    humanSeconds: number
    signerSet: boolean
    onProgress: (line: string) => void
  },
): Promise<DrillReport> {
  const { anvil, treasury, owners, signers } = world
  const client = anvil.publicClient
  const sentry = new Sentry.Sentry({
    config: world.config,
    rules: [
      {
        id: 'treasury-eth',
        kind: 'max-drop',
        label: 'treasury ETH balance',
        read: { kind: 'native-balance', address: treasury },
        maxDropBps: sentryDropBps,
        windowBlocks: 100_000,
      },
    ],
  })
  sentry.check(await sentry.fetch({ client }))
  const attempts: Attempt[] = []
  let pause: DrillReport['pause']
  let lostWei = 0n
  let lostCriticalWei = 0n
  let rotation = 0
  let requestCounter = 0
  const executed: { safe: Address; tx: SafeTx.SafeTx; signatures: Hex }[] = []
  const stolenKey = owners[4]!

  /** Sends one request to `asked` signers; the attacker executes whatever reaches the threshold. */
  const send = async (
    hour: number,
    phase: Phase,
    kind: AttemptKind,
    tx: SafeTx.SafeTx,
    {
      asked,
      safe = treasury,
      claimedTier,
      title = 'Treasury operations',
      attestations = [],
      extraSignatures = [],
      critical = false,
    }: {
      asked: number[]
      safe?: Address | undefined
      claimedTier?: string | undefined
      title?: string | undefined
      attestations?: SignRequest.CollectedAttestation[] | undefined
      extraSignatures?: { signer: Address; signature: Hex }[] | undefined
      critical?: boolean | undefined
    },
  ): Promise<Attempt> => {
    requestCounter += 1
    const context = SafeTx.context({ chainId: CHAIN_ID, safe, version: '1.4.1' })
    const request: SignRequest.SignRequest = {
      requestId: toHex(requestCounter, { size: 16 }),
      createdAt: world.now(),
      context,
      tx,
      signatures: [],
      attestations,
      title,
      description: 'Prepared by the coordinator.',
      ...(claimedTier ? { claimedTier } : {}),
      // With the set's limits on, a request must prove every executed nonce, so the attacker has to
      // attach them; it keeps the receipts of what is still pending to itself (its best play).
      ...(signerSet
        ? {
            history: executed
              .filter((e) => e.safe === safe)
              .map(({ tx: proven, signatures }) => ({ tx: proven, signatures })),
          }
        : {}),
    }
    const released = [...extraSignatures]
    const reasons = new Set<string>()
    let attested = false
    for (const index of asked) {
      const result = await signers[index - 1]!.approve(request, {
        key: { kind: 'software', privateKey: toHex(owners[index - 1]!.getHdKey().privateKey!) },
      })
      if (result.status === 'released') {
        if (result.kind === 'safe-signature')
          released.push({ signer: result.response.signer, signature: result.response.signature })
        else attested = true
      } else if (result.status === 'refused') {
        for (const refusal of result.refusals) reasons.add(refusal.code)
      } else reasons.add(`device-error:${result.failure.code}`)
    }
    const threshold = safe === treasury ? 3 : 1
    let outcome: Attempt['outcome'] =
      attested && released.length === 0 ? 'attestation-only' : released.length === 0 ? 'refused' : 'short'
    let lost = 0n
    if (released.length >= threshold) {
      const safeTxHash = SafeTxHash.compute({ tx, context }).safeTxHash
      const signatures = Signature.build({
        signatures: released.map((r) => Signature.parse(r.signature)[0]!),
        safeTxHash,
      })
      const before = await client.getBalance({ address: treasury })
      const ok = await execute({ anvil, safe, tx, executor: world.executor, signatures })
      outcome = ok ? 'executed' : 'blocked'
      if (ok) {
        executed.push({ safe, tx, signatures })
        lost = before - (await client.getBalance({ address: treasury }))
        if (lost < 0n) lost = 0n
        lostWei += lost
        if (critical) lostCriticalWei += lost
      }
    }
    const attempt: Attempt = {
      hour,
      phase,
      kind,
      asked,
      outcome,
      reasons: [...reasons].sort(),
      lostWei: lost,
    }
    attempts.push(attempt)
    if (outcome === 'executed' && pause === undefined) await watch(hour)
    return attempt
  }

  /** After each executed drain, the sentry looks; on an alert, the guardian pauses the treasury. */
  const watch = async (hour: number) => {
    const { alert } = sentry.check(await sentry.fetch({ client }))
    if (!alert) return
    onProgress(
      `hour ${hour}: sentry alert at block ${alert.blockNumber}: ${alert.breaches[0]?.message ?? ''}`,
    )
    const alertTime = world.now()
    const started = performance.now()
    // One guardian owner scans the pause request, approves it (Emergency: one signature), answers by QR.
    const request = alert.request
    const result = await signers[0]!.approve(request, {
      key: { kind: 'software', privateKey: toHex(owners[0]!.getHdKey().privateKey!) },
    })
    const engineSeconds = (performance.now() - started) / 1000
    if (result.status !== 'released' || result.kind !== 'safe-signature') {
      onProgress(`hour ${hour}: the guardian's signer did not release the pause (${result.status})`)
      return
    }
    // The transport's own estimate of the seconds to completion at its expected loss.
    const qr = (bytes: number, type: string) =>
      Math.ceil(QrDensity.tune({ messageBytes: bytes, type }).expectedSeconds)
    const qrRequestSeconds = qr(SignRequest.toUr(request).payload.length, 'airlock-sign-request')
    const qrAnswerSeconds = qr(SignatureResponse.toUr(result.response).payload.length, 'airlock-signature')
    const seconds = Math.ceil(qrRequestSeconds + humanSeconds + qrAnswerSeconds + engineSeconds)
    await world.advance(seconds)
    const ok = await execute({
      anvil,
      safe: world.guardian,
      tx: request.tx,
      executor: world.executor,
      signatures: Signature.build({
        signatures: [Signature.parse(result.response.signature)[0]!],
        safeTxHash: result.response.safeTxHash,
      }),
    })
    if (!ok) {
      onProgress(`hour ${hour}: the pause transaction failed`)
      return
    }
    const pauseBlock = await client.getBlockNumber()
    pause = {
      alertBlock: alert.blockNumber,
      pauseBlock,
      blocks: pauseBlock - alert.blockNumber,
      seconds: world.now() - alertTime,
      breakdown: {
        qrRequestSeconds,
        humanSeconds,
        qrAnswerSeconds,
        engineSeconds: Math.round(engineSeconds * 1000) / 1000,
      },
    }
    onProgress(
      `hour ${hour}: treasury paused by the guardian in ${pause.seconds} s (${pause.blocks} blocks after the alert)`,
    )
  }

  const nextNonce = async () =>
    (await client.readContract({ address: treasury, abi: safeAbi('1.4.1'), functionName: 'nonce' })) as bigint
  const rotate = (n = 3) => {
    const subset = Array.from({ length: n }, (_, i) => ((rotation + i) % 5) + 1)
    rotation += 1
    return subset
  }
  const transfer = async (to: Address, amount: bigint) =>
    SafeTx.from({ to, value: amount, nonce: await nextNonce() })

  // The attacker plays its best game: first the quiet drain that the policy allows (routine slices to
  // the compromised allow-listed recipient, rotating owners), with only attempts that move nothing;
  // then, with the laptops' inputs, every drain class; then also with one owner's key.
  const quiet: readonly AttemptKind[] = [
    'bybit-delegatecall',
    'owner-takeover',
    'unknown-function',
    'guardian-abuse',
    'forged-policy-bundle',
    'replay-executed',
  ]
  const loud = attemptKinds.filter((kind) => kind !== 'rotation-drain')
  let next = 0
  let redTeam = 0
  for (let hour = 0; hour < hours; hour++) {
    const phase: Phase =
      hour < hours / 3
        ? 'coordinator'
        : hour < (2 * hours) / 3
          ? 'coordinator+inputs'
          : 'coordinator+inputs+key'
    const kinds: AttemptKind[] = ['rotation-drain']
    for (let i = 0; i < perHour; i++) {
      const pool = phase === 'coordinator' ? quiet : loud
      kinds.push(pool[next++ % pool.length]!)
    }
    const step = Math.floor(3600 / (kinds.length + 1))
    for (const kind of kinds) {
      await world.advance(step)
      await tryKind(hour, phase, kind)
    }
    await world.advance(3600 - step * kinds.length)
    if (hour % 4 === 3)
      onProgress(`hour ${hour + 1} (${phase}): ${attempts.length} attempts, ${formatEther(lostWei)} ETH lost`)
  }

  async function tryKind(hour: number, phase: Phase, kind: AttemptKind): Promise<void> {
    const attacker = world.attacker.address
    const nonce = await nextNonce()
    // In later phases the attacker also controls what M−1 laptops see, and then one owner's key.
    const keyStolen = phase === 'coordinator+inputs+key'
    const asked = keyStolen ? rotate(2).map((i) => (i === 5 ? 4 : i)) : rotate()
    const stolen = async (tx: SafeTx.SafeTx, safe = treasury) => {
      if (!keyStolen) return []
      const hash = SafeTxHash.compute({
        tx,
        context: SafeTx.context({ chainId: CHAIN_ID, safe, version: '1.4.1' }),
      }).safeTxHash
      return [{ signer: stolenKey.address, signature: await stolenKey.sign({ hash }) }]
    }
    switch (kind) {
      case 'bybit-delegatecall': {
        const tx = SafeTx.from({
          to: attacker,
          operation: 1,
          data: encodeFunctionData({ abi: drainAbi, functionName: 'sweep', args: [attacker] }),
          nonce,
        })
        await send(hour, phase, kind, tx, {
          asked,
          claimedTier: 'routine',
          title: 'Routine: update proxy',
          critical: true,
          extraSignatures: await stolen(tx),
        })
        return
      }
      case 'owner-takeover': {
        const tx = SafeTx.from({
          to: treasury,
          data: encodeFunctionData({
            abi: drainAbi,
            functionName: 'addOwnerWithThreshold',
            args: [attacker, 1n],
          }),
          nonce,
        })
        await send(hour, phase, kind, tx, { asked, critical: true, extraSignatures: await stolen(tx) })
        return
      }
      case 'drain-to-attacker': {
        const tx = await transfer(attacker, parseEther('90'))
        await send(hour, phase, kind, tx, { asked, critical: true, extraSignatures: await stolen(tx) })
        return
      }
      case 'small-transfer-to-attacker': {
        const tx = await transfer(attacker, parseEther('0.05'))
        await send(hour, phase, kind, tx, { asked, extraSignatures: await stolen(tx) })
        return
      }
      case 'tier-and-label-lie': {
        const tx = await transfer(attacker, parseEther('20'))
        await send(hour, phase, kind, tx, {
          asked,
          claimedTier: 'routine',
          title: 'Monthly payroll (routine)',
          critical: true,
          extraSignatures: await stolen(tx),
        })
        return
      }
      case 'forged-attestations': {
        const tx = await transfer(world.marketMaker.address, parseEther('20'))
        const safeTxHash = SafeTxHash.compute({
          tx,
          context: SafeTx.context({ chainId: CHAIN_ID, safe: treasury, version: '1.4.1' }),
        }).safeTxHash
        // Attestations "from the owners", signed by keys the attacker holds (plus the stolen one later).
        const forgers = keyStolen
          ? [stolenKey, world.attacker, world.executor]
          : [world.attacker, world.executor, world.marketMaker]
        const attestations: SignRequest.CollectedAttestation[] = []
        for (const [i, forger] of forgers.entries()) {
          const signature = await Attestation.sign(
            Attestation.forRequest({
              context: SafeTx.context({ chainId: CHAIN_ID, safe: treasury, version: '1.4.1' }),
              safeTxHash,
              tier: 'critical',
            }),
            forger,
          )
          attestations.push({ signer: owners[i]!.address, signature, tier: 'critical' })
        }
        await send(hour, phase, kind, tx, {
          asked,
          attestations,
          critical: true,
          extraSignatures: await stolen(tx),
        })
        return
      }
      case 'nested-safe-drain': {
        // The treasury executes a transaction of the guardian Safe (v=1: approved by msg.sender).
        const inner = encodeFunctionData({
          abi: drainAbi,
          functionName: 'execTransaction',
          args: [attacker, 0n, '0x', 0, 0n, 0n, 0n, zeroAddress, zeroAddress, approvedBy(treasury)],
        })
        const tx = SafeTx.from({ to: world.guardian, value: parseEther('5'), data: inner, nonce })
        await send(hour, phase, kind, tx, { asked, critical: true, extraSignatures: await stolen(tx) })
        return
      }
      case 'unknown-function': {
        const tx = SafeTx.from({
          to: world.marketMaker.address,
          data: '0xdeadbeef0000000000000000000000000000000000000000000000000000000000000001',
          nonce,
        })
        await send(hour, phase, kind, tx, { asked, extraSignatures: await stolen(tx) })
        return
      }
      case 'guardian-abuse': {
        // Through the 1-of-N guardian: lift its own pause of the treasury, claiming an emergency.
        const guardianNonce = (await client.readContract({
          address: world.guardian,
          abi: safeAbi('1.4.1'),
          functionName: 'nonce',
        })) as bigint
        const tx = SafeTx.from({
          to: world.guard,
          data: encodeFunctionData({ abi: drainAbi, functionName: 'unpause' }),
          nonce: guardianNonce,
        })
        await send(hour, phase, kind, tx, {
          asked: [asked[0]!],
          safe: world.guardian,
          claimedTier: 'emergency',
          title: 'Emergency: unpause',
          critical: true,
        })
        return
      }
      case 'resubmission': {
        // A routine payroll at this nonce first, then another payload at the same nonce.
        const honest = await transfer(world.config.org.recipients[0]!.address, parseEther('0.01'))
        await send(hour, phase, 'resubmission', honest, { asked: [asked[0]!] })
        attempts.pop()
        const tx = await transfer(world.marketMaker.address, parseEther('0.5'))
        await send(hour, phase, kind, tx, { asked: [asked[0]!], extraSignatures: await stolen(tx) })
        return
      }
      case 'replay-executed': {
        const old = executed[0]
        if (!old) {
          attempts.push({
            hour,
            phase,
            kind,
            asked: [],
            outcome: 'refused',
            reasons: ['nothing executed yet to replay'],
            lostWei: 0n,
          })
          return
        }
        const before = await client.getBalance({ address: treasury })
        const ok = await execute({
          anvil,
          safe: treasury,
          tx: old.tx,
          executor: world.executor,
          signatures: old.signatures,
        })
        const lost = ok ? before - (await client.getBalance({ address: treasury })) : 0n
        lostWei += lost
        attempts.push({
          hour,
          phase,
          kind,
          asked: [],
          outcome: ok ? 'executed' : 'blocked',
          reasons: ok ? [] : ['the Safe nonce moved on'],
          lostWei: lost,
        })
        return
      }
      case 'forged-policy-bundle': {
        // A bundle that raises the velocity cap, signed by keys that are not the admins'.
        let forged = Bundle.create({
          version: 2,
          policies: world.bundle.policies,
          org: {
            ...(world.bundle.org as Record<string, unknown>),
            name: 'Drill treasury (raised caps)',
          } as Bundle.Json,
        })
        forged = await Bundle.sign(forged, world.attacker)
        forged = await Bundle.sign(forged, world.executor)
        const reasons: string[] = []
        for (const index of asked.slice(0, 2)) {
          try {
            await signers[index - 1]!.installBundle(forged)
            reasons.push('installed')
          } catch (error) {
            reasons.push(error instanceof Error ? error.name : 'refused')
          }
        }
        attempts.push({
          hour,
          phase,
          kind,
          asked: asked.slice(0, 2),
          outcome: reasons.includes('installed') ? 'executed' : 'refused',
          reasons: [...new Set(reasons)],
          lostWei: 0n,
        })
        return
      }
      case 'stolen-key-drain': {
        const tx = await transfer(attacker, parseEther('100'))
        await send(hour, phase, kind, tx, {
          asked: asked.slice(0, 2),
          critical: true,
          extraSignatures: await stolen(tx),
        })
        return
      }
      case 'red-team-suite': {
        // The public red-team suite's requests, replayed at the treasury's next nonce, a batch each time.
        for (let k = 0; k < 8; k++) {
          const fixture = maliciousFixtures[redTeam++ % maliciousFixtures.length]!
          let tx: SafeTx.SafeTx
          try {
            tx = { ...SafeTx.from(fixture.tx as SafeTx.SafeTxInput), nonce }
          } catch {
            continue
          }
          await send(hour, phase, kind, tx, {
            asked,
            title: fixture.description.slice(0, 120),
            claimedTier: 'routine',
            critical: true,
            extraSignatures: await stolen(tx),
          })
        }
        return
      }
      case 'rotation-drain': {
        // The attacker's real lever: a compromised allow-listed recipient, drained in routine slices,
        // asking a different subset of owners each time so each signer's own allowance is used.
        for (let k = 0; k < 3; k++) {
          const tx = await transfer(world.marketMaker.address, SLICE)
          await send(hour, phase, kind, tx, {
            asked: keyStolen ? rotate(2).map((i) => (i === 5 ? 4 : i)) : rotate(),
            extraSignatures: await stolen(tx),
          })
        }
        return
      }
      default: {
        const never: never = kind
        throw new Error(`unknown attempt ${String(never)}`)
      }
    }
  }

  return { hours, tvlWei: TVL, velocityCapWei: CAP, lostWei, lostCriticalWei, attempts, pause }
}
