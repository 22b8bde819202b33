import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verify as verifyLog } from '@airlock/audit-log'
import {
  Action,
  Build,
  Chain,
  type Client,
  type CollectedSignature,
  Config,
  Execution,
} from '@airlock/coordinator-core'
import { anvilAccounts, createSafe, deploySafeContracts, startAnvil } from '@airlock/devnet'
import { Bundle, OrgConfig } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import { reviewText } from '@airlock/signer-core'
import { openStateDir, type StateDir } from '@airlock/signer-core/node'
import { SignatureResponse, SignRequest, type TypedUr, Ur, UrDecoder } from '@airlock/transport'
import { Degrade, loadZxingReaderWasm, QrCode, QrDensity, QrReader } from '@airlock/transport/images'
import { type Address, encodeFunctionData, erc20Abi, formatEther, type Hex, parseEther, toHex } from 'viem'
import { type HDAccount, mnemonicToAccount } from 'viem/accounts'
import type { Command } from '../command.ts'
import type { Io } from '../io.ts'

const CHAIN_ID = 31337
const PAYROLL = 12
const ADMIN_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
const policyDir = join(import.meta.dirname, '..', '..', '..', '..', 'policies', 'treasury-default')

/** The example policy set, re-targeted at the local chain's Safe, owners and MultiSendCallOnly. */
function demoOrg({
  treasury,
  owners,
  multiSendCallOnly,
  vendor,
  contributors,
  admins,
}: {
  treasury: Address
  owners: Address[]
  multiSendCallOnly: Address
  vendor: Address
  contributors: Address[]
  admins: Address[]
}): Record<string, unknown> {
  const base = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8')) as Record<string, unknown>
  const eth = (base.assets as Record<string, unknown>[]).find((asset) => asset.address === 'native')
  return {
    ...base,
    name: 'Demo DAO treasury (local chain)',
    safes: [
      { name: 'treasury', address: treasury, chainId: CHAIN_ID, version: '1.4.1', owners, threshold: 2 },
    ],
    guardian: undefined,
    pausable: [],
    trustedDelegatecall: [{ name: 'MultiSendCallOnly 1.4.1 (local)', address: multiSendCallOnly }],
    recipients: [
      { name: 'Vendor', address: vendor, chainId: CHAIN_ID },
      ...contributors.map((address, i) => ({ name: `Contributor ${i + 1}`, address, chainId: CHAIN_ID })),
    ],
    assets: [
      {
        ...eth,
        chainId: CHAIN_ID,
        treasury: parseEther('1000').toString(),
        large: parseEther('50').toString(),
      },
    ],
    admins: { addresses: admins, threshold: 2 },
    // A software key stands in for the hardware wallet in the demo only; real bundles leave this off.
    allowSoftwareKeys: true,
  }
}

function privateKeyOf(account: HDAccount): Hex {
  return toHex(account.getHdKey().privateKey!)
}

/**
 * Moves a UR across the air gap the way the product does: animated QR frames on one screen, a
 * camera on the other (simulated: downscaled, rotated, blurred, noisy, every 5th frame missed),
 * zxing reading the frames and the fountain decoder reassembling the message.
 */
async function airGap(
  ur: TypedUr,
  reader: QrReader.QrReader,
  seed: number,
): Promise<{ ur: TypedUr; shown: number; plan: QrDensity.DensityPlan }> {
  const plan = QrDensity.tune({ messageBytes: ur.payload.length, type: ur.type })
  const encoder = Ur.encode({ ...ur, maxFragmentLength: plan.maxFragmentLength })
  const decoder = new UrDecoder({ expectedTypes: [ur.type] })
  const rng = Degrade.createRng(seed)
  for (let shown = 1; shown <= 20 * encoder.fragmentCount + 20; shown++) {
    const qr = QrCode.encode(encoder.nextPart(), { ecLevel: plan.ecLevel, version: plan.version })
    if (shown % 5 === 0) continue
    const frame = Degrade.camera(QrCode.toRgba(qr, { scale: 3 }), { rng })
    for (const symbol of await reader.read(frame)) {
      const status = decoder.receive(symbol.text)
      if (status.status === 'complete') return { ur: status.result, shown, plan }
    }
  }
  throw new Error('The demo air gap did not converge.')
}

function describeGap(io: Io, what: string, gap: { shown: number; plan: QrDensity.DensityPlan }) {
  const { plan } = gap
  io.stdout(
    `  ${what}: ${plan.fragmentCount} fragment${plan.fragmentCount > 1 ? 's' : ''} (QR v${plan.version}-${plan.ecLevel}, ${plan.fps} fps); the camera decoded it after ${gap.shown} frame${gap.shown > 1 ? 's' : ''} (${(gap.shown / plan.fps).toFixed(1)} s), every 5th frame missed.\n`,
  )
}

function indent(text: string, prefix = '  │ '): string {
  return `${text
    .trimEnd()
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n')}\n`
}

export const demo: Command = {
  path: ['demo'],
  summary: 'An air-gapped signature end to end on a local chain, then a Bybit-style attack refused.',
  usage: 'demo [--keep]',
  options: { keep: { type: 'boolean', help: 'keep the signers’ state directories (logs) and print where' } },
  run: async ({ values, io }) => {
    const started = performance.now()
    const say = (text: string) => io.stdout(`${text}\n`)
    const work = mkdtempSync(join(tmpdir(), 'airlock-demo-'))
    const accounts = anvilAccounts(7 + PAYROLL)
    const contributors = accounts.slice(7).map((account) => account.address)
    const [deployer, alice, bob, carol, executor, vendorAccount, attacker] = accounts as [
      HDAccount,
      HDAccount,
      HDAccount,
      HDAccount,
      HDAccount,
      HDAccount,
      HDAccount,
    ]
    const admins = [0, 1, 2].map((addressIndex) => mnemonicToAccount(ADMIN_MNEMONIC, { addressIndex }))
    const vendor = vendorAccount.address
    const anvil = await startAnvil({ chainId: CHAIN_ID })
    const signers: StateDir[] = []
    try {
      say('Airlock demo: one payment signed across an air gap, then an attack the signer refuses.\n')
      say('1. The chain (online side)')
      const deployment = await deploySafeContracts({ anvil, deployer, version: '1.4.1' })
      const treasury = await createSafe({
        anvil,
        deployment,
        deployer,
        owners: [alice.address, bob.address, carol.address],
        threshold: 2,
        balance: parseEther('1000'),
      })
      say(`  anvil on ${anvil.rpcUrl} with the official Safe 1.4.1 contracts (from the npm artifacts)`)
      say(`  treasury Safe ${treasury}: 2-of-3 (Alice, Bob, Carol), 1,000 ETH\n`)

      say('2. The security leads sign the policy bundle (2 of 3 admin signatures)')
      const org = demoOrg({
        treasury,
        owners: [alice.address, bob.address, carol.address],
        multiSendCallOnly: deployment.multiSendCallOnly,
        vendor,
        contributors,
        admins: admins.map((a) => a.address),
      })
      const policies = Object.fromEntries(
        readdirSync(policyDir)
          .filter((file) => file.endsWith('.cedar'))
          .map((file) => [file, readFileSync(join(policyDir, file), 'utf8')]),
      )
      let bundle = Bundle.create({ version: 1, policies, org: org as Bundle.Json })
      for (const admin of admins.slice(0, 2)) bundle = await Bundle.sign(bundle, admin)
      say(`  policies/treasury-default, version 1, hash ${Bundle.hash(bundle)}`)
      for (const [name, owner] of [
        ['Alice', alice],
        ['Bob', bob],
      ] as const) {
        const state = await openStateDir({ dir: join(work, `signer-${name.toLowerCase()}`), cedar })
        signers.push(state)
        const verification = await state.installBundle(bundle)
        say(
          `  ${name}'s offline signer installs it: ${verification.signers.length} valid admin signatures (${owner.address})`,
        )
      }
      say('')

      say('3. The coordinator prepares a payment and shows it as an animated QR code')
      const client: Client = Chain.client({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID, pollingIntervalMs: 50 })
      const config = Config.create({
        org: OrgConfig.parse(org),
        chainId: CHAIN_ID,
        treasury,
        multiSendCallOnly: new Map([[CHAIN_ID, deployment.multiSendCallOnly]]),
      })
      const state = await Chain.readSafe({ client, safe: treasury, chainId: CHAIN_ID })
      const payment = Action.prepare({
        config,
        state,
        calls: [vendor, ...contributors].map((to) =>
          Build.nativeTransfer({ to, amount: parseEther('0.25') }),
        ),
        title: `Monthly payroll: the vendor and ${PAYROLL} contributors, 0.25 ETH each`,
      })
      say(`  "${payment.title}"`)
      say(
        `  one MultiSendCallOnly batch of ${PAYROLL + 1} calls: tier ${payment.analysis.tier}, needs ${payment.requirements.signatures} signatures`,
      )
      const request = Action.signRequest(payment)
      const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })

      const collected: CollectedSignature[] = []
      for (const [i, [name, owner]] of (
        [
          ['Alice', alice],
          ['Bob', bob],
        ] as const
      ).entries()) {
        const inbound = await airGap(SignRequest.toUr(request), reader, 100 + i)
        describeGap(io, `request to ${name}`, inbound)
        const scanned = SignRequest.fromUr(inbound.ur)
        const signer = signers[i]!.signer
        const result = await signer.approve(scanned, {
          key: { kind: 'software', privateKey: privateKeyOf(owner) },
        })
        if (i === 0) {
          say(
            `\n  What ${name}'s signer shows (recomputed offline; the coordinator's words are marked untrusted):`,
          )
          io.stdout(indent(reviewText(result.review!)))
        }
        if (result.status !== 'released')
          throw new Error(`${name}'s signer refused the payment: ${result.status}`)
        const back = await airGap(SignatureResponse.toUr(result.response), reader, 200 + i)
        describeGap(io, `${name}'s signature back`, back)
        const response = SignatureResponse.fromUr(back.ur)
        collected.push({ signer: response.signer, signature: response.signature })
      }
      say('')

      say('4. The coordinator checks the signatures and executes')
      const before = await anvil.publicClient.getBalance({ address: vendor })
      const result = await Execution.execute({
        client,
        executor: anvil.walletFor(executor),
        config,
        tx: payment.tx,
        context: payment.context,
        signatures: collected,
        createdAt: request.createdAt,
        pollingIntervalMs: 50,
      })
      if (!result.ok) throw new Error(`Execution failed: ${result.status}`)
      const after = await anvil.publicClient.getBalance({ address: vendor })
      say(`  execTransaction ${result.hash} in block ${result.blockNumber}`)
      say(`  vendor balance +${formatEther(after - before)} ETH, and each contributor's too\n`)

      say('5. A compromised coordinator tries the Bybit trick on Alice')
      const next = await Chain.readSafe({ client, safe: treasury, chainId: CHAIN_ID })
      const attack = SignRequest.fromUr(
        SignRequest.toUr({
          ...Action.signRequest({ ...payment, title: 'Monthly payroll (retry)' }),
          tx: {
            ...payment.tx,
            nonce: next.nonce,
            to: attacker.address,
            operation: 1,
            data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [vendor, 0n] }),
          },
          claimedTier: 'routine',
        }),
      )
      const refused = await signers[0]!.signer.approve(attack, {
        key: { kind: 'software', privateKey: privateKeyOf(alice) },
      })
      if (refused.status !== 'refused') throw new Error('The attack was not refused.')
      say(`  title "${attack.title}", claimed tier routine: the signer decoded a DELEGATECALL and refused:`)
      for (const refusal of refused.refusals) say(`    x ${refusal.code}: ${refusal.message}`)
      say('')

      say('6. The security leads verify the signers’ logs')
      for (const [i, name] of ['Alice', 'Bob'].entries()) {
        const dir = signers[i]!
        const text = readFileSync(join(dir.dir, 'decisions.jsonl'), 'utf8')
        const report = await verifyLog(text, { publicKey: dir.log.publicKey })
        const count = report.entries.length
        const events = dir.log.entries.map(
          (entry) => `${entry.event}${entry.decision ? `:${entry.decision}` : ''}`,
        )
        say(`  ${name}: ${report.ok ? 'verified' : 'BROKEN'}, ${count} entries (${events.join(', ')})`)
      }
      say(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s.`)
      if (values.keep) say(`Signer state (logs, keys, bundle) kept in ${work}`)
      return 0
    } finally {
      for (const state of signers) await state.close()
      await anvil.stop()
      if (!values.keep) rmSync(work, { recursive: true, force: true })
    }
  },
}
