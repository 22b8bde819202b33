// Safe messages from the command line, end to end: a Permit2 message a dapp proposed through the
// Transaction Service stand-in is listed and re-hashed (`service messages`), turned into QR frames
// (`message qr`), reviewed and signed by two software-key signers from those PNG frames (`sign review`,
// `sign approve --out`), and their answers, scanned back as frames, are posted to the service
// (`message post`). The Safe's CompatibilityFallbackHandler on anvil then accepts the owners'
// signatures (isValidSignature returns the EIP-1271 magic value). A message over the velocity
// allowance, and a forged answer, are refused on the way; bad input gets one line, and a text message
// from a file (not in the service yet) is posted with its first signature, the second from a Ledger.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { TransactionService } from '@airlock/coordinator-core'
import { LedgerDevice } from '@airlock/devices/ledger'
import { EthAppSimulator } from '@airlock/devices/testing'
import type { Anvil } from '@airlock/devnet'
import { MessageEffects, SafeTx } from '@airlock/safe'
import { MessageSignature, Ur } from '@airlock/transport'
import { type Address, type Hex, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MARKET_MAKER,
  messageOrg,
  startMessageChain,
  TOKEN,
  UNIT,
  weekPermit,
} from './support/messageFixtures.ts'
import { bundle, OWNER_MNEMONIC, owners, privateKeyOf } from './support/signer-fixtures.ts'
import type { StandIn } from './support/txServiceStandIn.ts'

const CHAIN_ID = 31337
const safeOwners = owners.slice(0, 3)

let anvil: Anvil
let safe: Address
let service: StandIn
let dir: string
const at = (name: string) => join(dir, name)
const org = () => messageOrg({ safe, owners: safeOwners.map((o) => o.address), chainId: CHAIN_ID })

beforeAll(async () => {
  ;({ anvil, safe, service } = await startMessageChain({
    chainId: CHAIN_ID,
    owners: safeOwners.map((o) => o.address),
  }))
  dir = mkdtempSync(join(tmpdir(), 'airlock-message-cli-'))
  await setUp()
}, 120_000)

afterAll(async () => {
  await service?.close()
  await anvil?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

// The coordinator home and the two signers' state directories, through the CLI.
async function setUp() {
  writeFileSync(at('org.json'), JSON.stringify(org()))
  const init = await runCli([
    'coordinator',
    'init',
    '--home',
    at('home'),
    '--rpc',
    anvil.rpcUrl,
    '--chain-id',
    String(CHAIN_ID),
    '--org',
    at('org.json'),
    '--treasury',
    safe,
  ])
  expect(init.code, init.stderr).toBe(0)
  writeFileSync(at('bundle.json'), JSON.stringify(await bundle({ org: org() })))
  for (const i of [0, 1]) {
    writeFileSync(at(`key${i}`), privateKeyOf(safeOwners[i]!))
    const signInit = await runCli([
      'sign',
      'init',
      '--bundle',
      at('bundle.json'),
      '--state',
      at(`signer${i}`),
      '--dev-key-file',
      at(`key${i}`),
    ])
    expect(signInit.code, signInit.stderr).toBe(0)
  }
}
const common = () => ['--home', at('home'), '--service-url', service.url]

const permitSingle = (amount: bigint) => weekPermit({ amount, chainId: CHAIN_ID })

describe('Safe messages from the command line (stand-in service, QR frames, anvil)', () => {
  it('service messages → message qr → sign review/approve by two signers → message post → isValidSignature', async () => {
    const context = SafeTx.context({ chainId: CHAIN_ID, safe, version: '1.4.1' })
    const client = TransactionService.client({ chainId: BigInt(CHAIN_ID), url: service.url })
    // The dapp proposes through Safe{Wallet}: owner 3 signs on the online side.
    const proposer = safeOwners[2]!
    const hashes: Record<string, Hex> = {}
    for (const [name, amount] of [
      ['small', 250_000n * UNIT],
      ['big', 6_000_000n * UNIT],
    ] as const) {
      const message = permitSingle(amount)
      const { messageHash } = MessageEffects.decode({ message, context }).hashes
      hashes[name] = messageHash
      await client.api.addMessage(safe, {
        message: message as never,
        signature: await proposer.sign({ hash: messageHash }),
      })
    }

    // Listed with the hashes computed here, what each authorises, and the hashes a Ledger shows.
    const listed = await runCli(['service', 'messages', ...common()])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain(
      `${hashes.small}  typed data PermitSingle on ${MessageEffects.PERMIT2}, 1 verified`,
    )
    expect(listed.stdout).toContain(
      `Permit2 allowance: 250000000000 (250000 USDC) of ${TOKEN} (USDC) to spender ${MARKET_MAKER} (Market maker)`,
    )
    expect(listed.stdout).toMatch(/Domain hash 0x[0-9A-F]{64} {2}Message hash 0x[0-9A-F]{64}/)

    // Across the air gap as PNG frames.
    for (const name of ['small', 'big'] as const) {
      const qr = await runCli([
        'message',
        'qr',
        hashes[name]!,
        ...common(),
        '--title',
        `Permit2 ${name}`,
        '--out',
        at(`req-${name}`),
      ])
      expect(qr.code, qr.stderr).toBe(0)
      expect(qr.stderr).toContain(`Safe message hash ${hashes[name]}`)
    }

    const review = await runCli(['sign', 'review', at('req-small'), '--state', at('signer0')])
    expect(review.code, review.stderr).toBe(0)
    expect(review.stdout).toContain('Verdict        SIGN MESSAGE')
    expect(review.stdout).toContain(`Safe message hash (Transaction Service) ${hashes.small}`)
    expect(review.stdout).toContain('Signature valid until')
    // The same listing's Ledger hashes are what the signer shows.
    const ledgerLine = listed.stdout.split('\n').find((l) => l.includes('Domain hash'))!
    expect(review.stdout).toContain(`Domain hash   ${ledgerLine.trim().split(/\s+/)[2]}`)

    // Over the 5M epoch allowance: refused with its code, nothing to post.
    const big = await runCli([
      'sign',
      'approve',
      at('req-big'),
      '--state',
      at('signer0'),
      '--device',
      'dev',
      '--out',
      at('back-big'),
    ])
    expect(big.code).toBe(1)
    expect(big.stderr).toContain('treasury.velocity')

    for (const i of [0, 1]) {
      const approved = await runCli([
        'sign',
        'approve',
        at('req-small'),
        '--state',
        at(`signer${i}`),
        '--device',
        'dev',
        '--out',
        at(`back${i}`),
      ])
      expect(approved.code, approved.stderr).toBe(0)
      expect(approved.stdout).toMatch(/^ur:airlock-message-signature\//i)
      expect(approved.stderr).toContain(`by ${safeOwners[i]!.address} over Safe message hash ${hashes.small}`)
      if (i === 0) {
        // An answer scanned back for the wrong message is refused before anything is posted.
        const forged = await runCli([
          'message',
          'post',
          at('back0'),
          ...common(),
          '--request',
          at('req-big/parts.txt'),
        ])
        expect(forged.code).not.toBe(0)
        expect(forged.stderr).toContain('answers request')
        // An answer that claims another owner than the one whose key signed is refused too.
        const forgedAnswer = {
          requestId: `0x${'00'.repeat(16)}` as Hex,
          messageHash: hashes.small!,
          signer: safeOwners[2]!.address,
          signature: await safeOwners[0]!.sign({ hash: hashes.small! }),
        }
        writeFileSync(at('claims-owner3.ur'), Ur.encodeSingle(MessageSignature.toUr(forgedAnswer)))
        const lie = await runCli(['message', 'post', at('claims-owner3.ur'), ...common()])
        expect(lie.code).toBe(1)
        expect(lie.stderr).toContain(
          `The signature recovers to ${safeOwners[0]!.address}, not to ${safeOwners[2]!.address}`,
        )
      }
      const posted = await runCli(['message', 'post', at(`back${i}`), ...common()])
      expect(posted.code, posted.stderr).toBe(0)
      expect(posted.stdout).toContain(
        `${safeOwners[i]!.address}'s signature of ${hashes.small}: ${i + 2} of 2 verified`,
      )
    }

    // What Permit2 asks the Safe: isValidSignature(digest of the PermitSingle, the owners' signatures).
    const pulled = await TransactionService.message({ client, context, messageHash: hashes.small! })
    expect(pulled.problems).toEqual([])
    const abi = parseAbi(['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)'])
    const magic = await anvil.publicClient.readContract({
      address: safe,
      abi,
      functionName: 'isValidSignature',
      args: [pulled.decoded!.hashes.digest, TransactionService.preparedMessageSignature(pulled)],
    })
    expect(magic).toBe('0x1626ba7e')

    // The signers' logs hold the decisions (refused over velocity, then signed).
    const audit = await runCli(['audit', 'show', at('signer0/decisions.jsonl')])
    expect(audit.code, audit.stderr).toBe(0)
    expect(audit.stdout).toContain('signed-message')
  }, 180_000)

  it('refuses bad input with one line; a text message from a file is posted with its first signature (--request)', async () => {
    const badHash = await runCli(['message', 'qr', '0x1234', ...common(), '--parts'])
    expect(badHash.code).toBe(2)
    expect(badHash.stderr).toContain('A messageHash is 0x and 64 hex characters.')
    const other = permitSingle(1n)
    other.domain.chainId = '1'
    writeFileSync(at('other-chain.json'), JSON.stringify(other))
    const wrongChain = await runCli([
      'message',
      'qr',
      '--typed-data',
      at('other-chain.json'),
      ...common(),
      '--parts',
    ])
    expect(wrongChain.code).toBe(1)
    expect(wrongChain.stderr).toMatch(
      /^airlock: The message is refused: The typed data is for chain 1, the Safe is on chain 31337\./,
    )

    writeFileSync(at('terms.txt'), 'Acme treasury accepts the terms of service v3')
    const qr = await runCli(['message', 'qr', '--text', at('terms.txt'), ...common(), '--parts'])
    expect(qr.code, qr.stderr).toBe(0)
    writeFileSync(at('terms.ur'), qr.stdout)
    const keystone = await runCli([
      'sign',
      'approve',
      at('terms.ur'),
      '--state',
      at('signer1'),
      '--device',
      'keystone',
    ])
    expect(keystone.code).toBe(2)
    expect(keystone.stderr).toContain('signed with --device dev or ledger, not keystone')
    const approved = await runCli([
      'sign',
      'approve',
      at('terms.ur'),
      '--state',
      at('signer1'),
      '--out',
      at('terms-back'),
    ])
    expect(approved.code, approved.stderr).toBe(0)
    // The service does not hold the message yet: without the request there is nothing to post it with.
    const alone = await runCli(['message', 'post', at('terms-back'), ...common()])
    expect(alone.code).toBe(1)
    const posted = await runCli([
      'message',
      'post',
      at('terms-back'),
      '--request',
      at('terms.ur'),
      ...common(),
    ])
    expect(posted.code, posted.stderr).toBe(0)
    expect(posted.stdout).toContain(`Posted the message with ${safeOwners[1]!.address}'s signature`)
    expect(posted.stdout).toContain('1 of 2 verified confirmation(s)')

    // The second owner signs on a Ledger (the Ethereum app simulated at the APDU level): the Safe
    // then validates the text message on chain too.
    const ledger = async () =>
      new LedgerDevice({ transport: new EthAppSimulator({ mnemonic: OWNER_MNEMONIC }) })
    const onLedger = await runCli(
      [
        'sign',
        'approve',
        at('terms.ur'),
        '--state',
        at('signer0'),
        '--device',
        'ledger',
        '--out',
        at('terms-back0'),
      ],
      { openLedger: ledger },
    )
    expect(onLedger.code, onLedger.stderr).toBe(0)
    expect(onLedger.stderr).toContain(`by ${safeOwners[0]!.address}`)
    const second = await runCli(['message', 'post', at('terms-back0'), ...common()])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toContain('2 of 2 verified confirmation(s)')
    const context = SafeTx.context({ chainId: CHAIN_ID, safe, version: '1.4.1' })
    const client = TransactionService.client({ chainId: BigInt(CHAIN_ID), url: service.url })
    const text = 'Acme treasury accepts the terms of service v3'
    const pulled = await TransactionService.message({
      client,
      context,
      messageHash: MessageEffects.decode({ message: text, context }).hashes.messageHash,
    })
    const magic = await anvil.publicClient.readContract({
      address: safe,
      abi: parseAbi(['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)']),
      functionName: 'isValidSignature',
      args: [pulled.decoded!.hashes.digest, TransactionService.preparedMessageSignature(pulled)],
    })
    expect(magic).toBe('0x1626ba7e')
  }, 60_000)
})
