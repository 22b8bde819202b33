/**
 * The ceremony `npm run demo` runs: one action of every tier through the real coordinator and signer
 * engines on a local chain, every request and answer carried across a simulated air gap as QR images
 * that zxing reads back; then the attacks the signers refuse; then the security leads' check of the
 * signers' logs against the tree heads witnessed for them, and the HTML report.
 *
 * Five owners (3-of-5 treasury, 1-of-5 guardian), a TimelockController owning a pausable vault, a test
 * token, and a policy bundle signed by 2 of 3 admins. Simulated time moves the chain and the signers'
 * clocks together, so the 48 h and 72 h delays really pass for both.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AuditKey, TreeHead, verify as verifyLog } from '@airlock/audit-log'
import { loadKey, nodeEd25519 } from '@airlock/audit-log/node'
import {
  Action,
  Build,
  Chain,
  type Client,
  type CollectedSignature,
  Config,
  Execution,
  type PreparedAction,
} from '@airlock/coordinator-core'
import {
  anvilAccounts,
  createSafe,
  deploy,
  deploySafeContracts,
  simulatedTime,
  startAnvil,
  testContracts,
  timelockArtifact,
} from '@airlock/devnet'
import { Bundle, OrgConfig } from '@airlock/policy'
import { cedar, loadPolicyDir } from '@airlock/policy/node'
import { Report } from '@airlock/report'
import { chartJsSource } from '@airlock/report/node'
import { approvedBy } from '@airlock/safe/fixtures/malicious'
import type { AttestedTier } from '@airlock/signer-core'
import { openStateDir, type StateDir } from '@airlock/signer-core/node'
import { SignatureResponse, SignRequest, type TypedUr, Ur, UrDecoder } from '@airlock/transport'
import { Degrade, loadZxingReaderWasm, QrCode, QrDensity, QrReader } from '@airlock/transport/images'
import { encodeFunctionData, erc20Abi, formatEther, parseAbi, parseEther, toHex, zeroAddress } from 'viem'
import { type HDAccount, mnemonicToAccount } from 'viem/accounts'

const CHAIN_ID = 31337
const ADMIN_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin'] as const

export type CeremonyResult = {
  /** Where the signers' state directories and the report are. */
  dir: string
  reportPath: string
  tiers: { tier: string; title: string; executed: boolean; block: bigint | undefined }[]
  attacks: { name: string; refused: boolean; codes: string[] }[]
  logs: { name: string; entries: number; verified: boolean; headsMatch: boolean }[]
  /** QR frames shown across the air gap, in total. */
  frames: number
  seconds: number
}

type Owner = { name: string; account: HDAccount; state: StateDir; audit: AuditKey.Signer }

/**
 * Runs the ceremony in `dir`, telling each step through `say`.
 *
 * @example
 * const result = await Ceremony.run({ dir: mkdtempSync(join(tmpdir(), 'airlock-demo-')), say: console.log })
 */
export async function run({
  dir,
  say,
}: {
  dir: string
  say: (line: string) => void
}): Promise<CeremonyResult> {
  const started = performance.now()
  const accounts = anvilAccounts(13)
  const [executorAccount, vendor, attacker, newcomer, c1, c2, c3] = accounts.slice(6) as [
    HDAccount,
    HDAccount,
    HDAccount,
    HDAccount,
    HDAccount,
    HDAccount,
    HDAccount,
  ]
  const ownerAccounts = accounts.slice(1, 6)
  const admins = [0, 1, 2].map((addressIndex) => mnemonicToAccount(ADMIN_MNEMONIC, { addressIndex }))
  const anvil = await startAnvil({ chainId: CHAIN_ID })
  const owners: Owner[] = []
  let frames = 0
  try {
    say('1. The chain (online side): anvil with the official Safe 1.4.1 contracts')
    const deployerAccount = accounts[0]!
    const deployment = await deploySafeContracts({ anvil, deployer: deployerAccount, version: '1.4.1' })
    const ownerAddresses = ownerAccounts.map((o) => o.address)
    const treasury = await createSafe({
      anvil,
      deployment,
      deployer: deployerAccount,
      owners: ownerAddresses,
      threshold: 3,
      balance: parseEther('2000'),
    })
    const guardian = await createSafe({
      anvil,
      deployment,
      deployer: deployerAccount,
      owners: ownerAddresses,
      threshold: 1,
      saltNonce: 1n,
    })
    const { TestToken, TestVault } = testContracts()
    const token = await deploy({
      anvil,
      deployer: deployerAccount,
      artifact: TestToken,
      args: [treasury, parseEther('1000000')],
    })
    const timelock = await deploy({
      anvil,
      deployer: deployerAccount,
      artifact: timelockArtifact(),
      args: [48n * 3600n, [treasury], [zeroAddress], zeroAddress],
    })
    const vault = await deploy({
      anvil,
      deployer: deployerAccount,
      artifact: TestVault,
      args: [token, timelock, guardian],
    })
    say(`   treasury ${treasury}: 3-of-5 (${NAMES.join(', ')}), 2,000 ETH and 1,000,000 TUSD`)
    say(`   guardian ${guardian}: 1-of-5, may pause the vault ${vault} (owned by the timelock ${timelock})`)

    say('2. The security leads sign the policy bundle (2 of 3 admin signatures)')
    const policyDir = join(import.meta.dirname, '..', '..', '..', 'policies', 'treasury-default')
    const treasuryDefault = loadPolicyDir(policyDir)
    const base = treasuryDefault.orgJson as Record<string, unknown>
    const eth = (base.assets as Record<string, unknown>[]).find((asset) => asset.address === 'native')
    const org = {
      ...base,
      name: 'Demo DAO treasury (local chain)',
      safes: [
        {
          name: 'treasury',
          address: treasury,
          chainId: CHAIN_ID,
          version: '1.4.1',
          owners: ownerAddresses,
          threshold: 3,
        },
        {
          name: 'guardian',
          address: guardian,
          chainId: CHAIN_ID,
          version: '1.4.1',
          owners: ownerAddresses,
          threshold: 1,
        },
      ],
      guardian: { address: guardian, chainId: CHAIN_ID },
      pausable: [{ name: 'Vault', address: vault, chainId: CHAIN_ID }],
      trustedDelegatecall: [
        { name: 'MultiSendCallOnly 1.4.1 (local)', address: deployment.multiSendCallOnly },
      ],
      recipients: [
        { name: 'Vendor', address: vendor.address, chainId: CHAIN_ID },
        ...[c1, c2, c3].map((c, i) => ({
          name: `Contributor ${i + 1}`,
          address: c.address,
          chainId: CHAIN_ID,
        })),
      ],
      assets: [
        {
          ...eth,
          chainId: CHAIN_ID,
          treasury: parseEther('2000').toString(),
          large: parseEther('50').toString(),
        },
        {
          id: 'TUSD',
          chainId: CHAIN_ID,
          address: token.toLowerCase(),
          decimals: 18,
          policyDecimals: 0,
          treasury: parseEther('1000000').toString(),
          large: parseEther('50000').toString(),
          epoch: { seconds: 86400, cap: parseEther('100000').toString() },
        },
      ],
      admins: { addresses: admins.map((a) => a.address), threshold: 2 },
      // A software key stands in for the hardware wallets here only; real bundles leave this off.
      allowSoftwareKeys: true,
    }
    const policies = treasuryDefault.policies
    let bundle = Bundle.create({ version: 1, policies, org: org as Bundle.Json })
    for (const admin of admins.slice(0, 2)) bundle = await Bundle.sign(bundle, admin)
    say(`   policies/treasury-default, version 1, hash ${Bundle.hash(bundle)}`)

    // One clock for the chain and the signers: the delays must pass for both.
    const { now, advance } = await simulatedTime(anvil)
    for (const [i, account] of ownerAccounts.entries()) {
      const state = await openStateDir({
        dir: join(dir, `signer-${NAMES[i]!.toLowerCase()}`),
        cedar,
        clock: () => new Date(now() * 1000),
      })
      await state.installBundle(bundle)
      const audit = AuditKey.signer(await loadKey({ path: join(state.dir, 'audit.key') }), {
        ed25519: nodeEd25519,
      })
      owners.push({ name: NAMES[i]!, account, state, audit })
    }
    say(`   installed on five offline signers (each verifies the admins' signatures itself)`)

    const config = Config.create({
      org: OrgConfig.parse(org),
      chainId: CHAIN_ID,
      treasury,
      timelock,
      multiSendCallOnly: new Map([[CHAIN_ID, deployment.multiSendCallOnly]]),
    })
    const client: Client = Chain.client({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID, pollingIntervalMs: 50 })
    const executor = anvil.walletFor(executorAccount)
    const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
    let seed = 1

    /** Across the air gap and back as QR images through a simulated camera (every 5th frame missed). */
    const airGap = async (ur: TypedUr): Promise<TypedUr> => {
      const plan = QrDensity.tune({ messageBytes: ur.payload.length, type: ur.type })
      const encoder = Ur.encode({ ...ur, maxFragmentLength: plan.maxFragmentLength })
      const decoder = new UrDecoder({ expectedTypes: [ur.type] })
      const rng = Degrade.createRng(seed++)
      for (let shown = 1; shown <= 20 * encoder.fragmentCount + 20; shown++) {
        frames += 1
        const qr = QrCode.encode(encoder.nextPart(), { ecLevel: plan.ecLevel, version: plan.version })
        if (shown % 5 === 0) continue
        for (const symbol of await reader.read(Degrade.camera(QrCode.toRgba(qr, { scale: 3 }), { rng }))) {
          const status = decoder.receive(symbol.text)
          if (status.status === 'complete') return status.result
        }
      }
      throw new Error('The air gap did not converge.')
    }

    // The coordinator keeps the tree head each signer gives with every answer (its log at that moment),
    // so a log later cut short or rewritten cannot pass the security leads' check.
    const witnessed: TreeHead.TreeHead[] = []
    const witness = (owner: Owner) => {
      const text = readFileSync(join(owner.state.dir, 'decisions.jsonl'), 'utf8')
      witnessed.push(
        TreeHead.sign({ leaves: TreeHead.leavesOf(text), signer: owner.audit, time: new Date(now() * 1000) }),
      )
    }

    /** One owner's signer: scan, decide, answer. */
    const ask = async (owner: Owner, request: SignRequest.SignRequest) => {
      const scanned = SignRequest.fromUr(await airGap(SignRequest.toUr(request)))
      const result = await owner.state.signer.approve(scanned, {
        key: { kind: 'software', privateKey: toHex(owner.account.getHdKey().privateKey!) },
      })
      witness(owner)
      if (result.status !== 'released') return { result, response: undefined }
      return {
        result,
        response: SignatureResponse.fromUr(await airGap(SignatureResponse.toUr(result.response))),
      }
    }

    const tiers: CeremonyResult['tiers'] = []
    /** Both rounds where the tier needs them, the delay, then execution by the coordinator. */
    const runAction = async (
      prepared: PreparedAction,
      { signers, attesters, delaySeconds }: { signers: Owner[]; attesters: Owner[]; delaySeconds: number },
    ) => {
      const createdAt = now()
      let request = Action.signRequest(prepared, { createdAt })
      const attestations: SignRequest.CollectedAttestation[] = []
      if (attesters.length > 0) {
        for (const owner of attesters) {
          const { result, response } = await ask(owner, request)
          if (!response || result.status !== 'released' || result.kind !== 'approval-attestation') {
            throw new Error(`${owner.name}'s signer did not attest: ${describe(result)}`)
          }
          attestations.push({
            signer: response.signer,
            signature: response.signature,
            tier: prepared.analysis.tier as AttestedTier,
          })
          say(
            `     ${owner.name} attests (round 1, signed by ${owner.name}'s own key under the Airlock attestation domain)`,
          )
        }
        await advance(delaySeconds + 60)
        say(`     … ${delaySeconds / 3600} h pass on the chain and on every signer's clock`)
        request = { ...request, attestations }
      }
      const collected: CollectedSignature[] = []
      for (const owner of signers) {
        const { result, response } = await ask(owner, request)
        if (!response || result.status !== 'released' || result.kind !== 'safe-signature') {
          throw new Error(`${owner.name}'s signer did not sign: ${describe(result)}`)
        }
        collected.push({ signer: response.signer, signature: response.signature })
        say(`     ${owner.name} signs (the hash ${owner.name}'s signer computed itself)`)
      }
      const result = await Execution.execute({
        client,
        executor,
        config,
        tx: prepared.tx,
        context: prepared.context,
        signatures: collected,
        attesters: attestations.map((a) => a.signer),
        createdAt,
        pollingIntervalMs: 50,
      })
      if (!result.ok) throw new Error(`Execution failed: ${result.status}`)
      say(`     executed: ${result.hash} in block ${result.blockNumber}`)
      tiers.push({
        tier: prepared.analysis.tier,
        title: prepared.title,
        executed: true,
        block: result.blockNumber,
      })
    }

    const readTreasury = () => Chain.readSafe({ client, safe: treasury, chainId: CHAIN_ID })
    const vendorBefore = await anvil.publicClient.getBalance({ address: vendor.address })
    say('3. Routine: payroll for the vendor and three contributors (3 of 5 signatures)')
    const payroll = Action.prepare({
      config,
      state: await readTreasury(),
      calls: [
        Build.nativeTransfer({ to: vendor.address, amount: parseEther('2') }),
        ...[c1, c2, c3].map((c) => Build.erc20Transfer({ token, to: c.address, amount: parseEther('2500') })),
      ],
      title: 'Monthly payroll: 2 ETH to the vendor, 2,500 TUSD to each contributor',
    })
    say(`   one MultiSendCallOnly batch of 4 calls: tier ${payroll.analysis.tier}`)
    await runAction(payroll, { signers: owners.slice(0, 3), attesters: [], delaySeconds: 0 })

    say('4. Emergency: the guardian pauses the vault (one signature)')
    const pause = Action.prepare({
      config,
      state: await Chain.readSafe({ client, safe: guardian, chainId: CHAIN_ID }),
      calls: Build.pause({ config }),
      title: 'Pause the vault',
    })
    say(`   tier ${pause.analysis.tier}`)
    await runAction(pause, { signers: owners.slice(4, 5), attesters: [], delaySeconds: 0 })
    const paused = await anvil.publicClient.readContract({
      address: vault,
      abi: parseAbi(['function paused() view returns (bool)']),
      functionName: 'paused',
    })
    say(`     vault paused: ${paused}`)

    say(
      '5. Critical: 60 ETH to the vendor, above the 50 ETH "large" line (4 attestations + 48 h, then 3 signatures)',
    )
    const large = Action.prepare({
      config,
      state: await readTreasury(),
      calls: [Build.nativeTransfer({ to: vendor.address, amount: parseEther('60') })],
      title: 'Vendor: annual contract, 60 ETH',
    })
    say(`   tier ${large.analysis.tier}`)
    await runAction(large, {
      signers: owners.slice(0, 3),
      attesters: owners.slice(0, 4),
      delaySeconds: 48 * 3600,
    })

    say('6. Existential: add a sixth owner (all 5 attest + 72 h, then 3 signatures)')
    const addOwner = Action.prepare({
      config,
      state: await readTreasury(),
      calls: [Build.addOwner({ state: await readTreasury(), owner: newcomer.address })],
      title: 'Add Frank as an owner',
    })
    say(`   tier ${addOwner.analysis.tier}`)
    await runAction(addOwner, { signers: owners.slice(2, 5), attesters: owners, delaySeconds: 72 * 3600 })

    say('7. A compromised coordinator attacks; the signers decode, recompute and refuse')
    const attacks: CeremonyResult['attacks'] = []
    const state = await readTreasury()
    const attack = async (name: string, owner: Owner, request: SignRequest.SignRequest) => {
      const { result } = await ask(owner, request)
      const codes = result.status === 'refused' ? result.refusals.map((r) => r.code) : []
      attacks.push({ name, refused: result.status === 'refused', codes })
      say(
        `   ${name}: ${result.status === 'refused' ? 'refused' : `NOT REFUSED (${result.status})`} — ${codes.join(', ')}`,
      )
    }
    const benign = Action.prepare({
      config,
      state,
      calls: [Build.nativeTransfer({ to: vendor.address, amount: parseEther('1') })],
      title: 'Vendor invoice 1042',
    })
    await attack('Bybit: a "routine" title over a delegatecall to an attacker contract', owners[0]!, {
      ...Action.signRequest(benign, { createdAt: now() }),
      tx: {
        ...benign.tx,
        to: attacker.address,
        operation: 1,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [vendor.address, 0n] }),
      },
      claimedTier: 'routine',
    })
    // Radiant: Bob signs the invoice, then is shown another payload at the same nonce.
    await ask(owners[1]!, Action.signRequest(benign, { createdAt: now() }))
    await attack('Radiant: another payload resubmitted at a nonce Bob already signed', owners[1]!, {
      ...Action.signRequest(benign, { createdAt: now() }),
      tx: { ...benign.tx, to: attacker.address, value: parseEther('1') },
    })
    const nested = encodeFunctionData({
      abi: parseAbi([
        'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)',
      ]),
      functionName: 'execTransaction',
      args: [
        attacker.address,
        parseEther('5'),
        '0x',
        0,
        0n,
        0n,
        0n,
        zeroAddress,
        zeroAddress,
        approvedBy(treasury),
      ],
    })
    await attack('Nested Safe drain: the treasury executes the guardian Safe’s transaction', owners[2]!, {
      ...Action.signRequest(benign, { createdAt: now() }),
      tx: { ...benign.tx, to: guardian, value: parseEther('5'), data: nested },
      title: 'Top up the guardian',
    })

    say('8. The security leads check the signers’ logs against the heads witnessed for them')
    const logs: CeremonyResult['logs'] = []
    const texts: { name: string; text: string }[] = []
    for (const owner of owners) {
      const text = readFileSync(join(owner.state.dir, 'decisions.jsonl'), 'utf8')
      const verified = verifyLog(text, { publicKey: owner.state.log.publicKey })
      const mine = witnessed.filter((h) => h.keyId === owner.audit.keyId)
      const checks = TreeHead.check({ log: text, heads: mine, publicKey: owner.audit.publicKey })
      const headsMatch = checks.every((c) => c.status === 'ok')
      logs.push({ name: owner.name, entries: verified.entries.length, verified: verified.ok, headsMatch })
      texts.push({ name: `${owner.name} (${owner.state.dir})`, text })
      say(
        `   ${owner.name}: ${verified.ok ? 'verified' : 'BROKEN'}, ${verified.entries.length} entries; ${checks.length} witnessed heads: ${headsMatch ? 'all contained in the log' : 'MISMATCH'}`,
      )
    }
    const heads = witnessed
    writeFileSync(join(dir, 'heads.jsonl'), heads.map((h) => `${JSON.stringify(h)}\n`).join(''))
    const model = Report.build({
      logs: texts,
      heads,
      enrolledKeys: owners.map((o) => o.state.log.publicKey),
      assets: config.org.assets.map((a) => ({
        chainId: a.chainId,
        address: a.address,
        id: a.id,
        decimals: a.decimals,
        cap: a.epoch ? { amount: a.epoch.cap, seconds: a.epoch.seconds } : undefined,
      })),
    })
    mkdirSync(dir, { recursive: true })
    const reportPath = join(dir, 'report.html')
    writeFileSync(reportPath, Report.html(model, { chartJs: chartJsSource() }))
    const received = (await anvil.publicClient.getBalance({ address: vendor.address })) - vendorBefore
    say(`   report: ${reportPath}`)
    say(
      `   the vendor received ${formatEther(received)} ETH on chain; ${frames} QR frames crossed the air gap`,
    )
    return {
      dir,
      reportPath,
      tiers,
      attacks,
      logs,
      frames,
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    for (const owner of owners) await owner.state.close()
    await anvil.stop()
  }
}

function describe(result: { status: string; refusals?: readonly { code: string }[] | undefined }): string {
  return result.refusals
    ? `${result.status}: ${result.refusals.map((r) => r.code).join(', ')}`
    : result.status
}
