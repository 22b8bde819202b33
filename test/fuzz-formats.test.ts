// Fuzz: the other formats that cross the air gap or come from outside: signature responses, policy-bundle
// and audit-log URs, Keystone eth-signatures (CBOR mutations), org configs and Safe Transaction Builder
// files (JSON mutations). Every input ends in a typed error or a value; never an untyped exception.

import { TransactionBuilder } from '@airlock/coordinator-core'
import { Json } from '@airlock/errors'
import { OrgConfig } from '@airlock/policy'
import { AuditLogExport, EthSignature, PolicyBundle, SignatureResponse } from '@airlock/transport'
import { describe, expect, it } from 'vitest'
import * as Fuzz from './support/fuzz.ts'
import * as F from './support/signer-fixtures.ts'

const HANG_MS = 2000

function check(stats: Fuzz.FuzzStats) {
  console.log(Fuzz.report(stats))
  expect(stats.untyped, 'untyped exceptions').toEqual([])
  expect(stats.slowestMs, `slowest input: ${stats.slowestInput}`).toBeLessThan(HANG_MS)
  expect(stats.accepted + stats.typedErrors).toBe(stats.inputs)
}

describe('fuzz: formats from outside', () => {
  it('mutated CBOR of signature responses, bundle and log URs, Keystone signatures', {
    timeout: 60_000,
  }, async () => {
    const r = Fuzz.rng(5001)
    const peer = await F.peer()
    const released = await peer.signer.approve(F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0)), {
      key: peer.key,
    })
    if (released.status !== 'released') throw new Error(`seed not released: ${released.status}`)
    const log = peer.signer.log as unknown as { text(): string }
    const formats: { name: string; seed: Uint8Array; decode: (bytes: Uint8Array) => unknown }[] = [
      {
        name: 'signature response',
        seed: SignatureResponse.encode(released.response),
        decode: SignatureResponse.decode,
      },
      {
        name: 'policy bundle UR',
        seed: PolicyBundle.encode({
          version: 1,
          document: new TextEncoder().encode(JSON.stringify(await F.sharedBundle())),
        }),
        decode: (bytes) => Json.parse(PolicyBundle.decode(bytes).document, { what: 'policy bundle' }),
      },
      {
        name: 'audit log UR',
        seed: AuditLogExport.encode({
          signer: new Uint8Array(32).fill(7),
          entries: new TextEncoder().encode(log.text()),
          firstSequence: 0,
          lastSequence: peer.signer.log.entries.length - 1,
        }),
        decode: AuditLogExport.decode,
      },
      {
        name: 'Keystone eth-signature',
        seed: EthSignature.encode({
          requestId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
          signature: new Uint8Array(65).fill(1),
        }),
        decode: EthSignature.decode,
      },
    ]
    for (const format of formats) format.decode(format.seed) // every seed is valid
    const seeds = formats.map((f) => f.seed)
    function* inputs() {
      for (const format of formats) {
        yield { format, bytes: Fuzz.deepCbor(10_000) }
        for (let i = 0; i < 600; i++) yield { format, bytes: Fuzz.mutateBytes(r, format.seed, seeds) }
      }
    }
    check(
      await Fuzz.run({
        name: 'air-gap formats (CBOR)',
        inputs: inputs(),
        describe: ({ format, bytes }) => `${format.name}: ${Fuzz.hex(bytes)}`,
        target: ({ format, bytes }) => format.decode(bytes),
      }),
    )
  })

  it('mutated org configs and Transaction Builder files', { timeout: 60_000 }, async () => {
    const r = Fuzz.rng(5002)
    const org = F.orgJson()
    const batch = {
      version: '1.0',
      chainId: '1',
      createdAt: 1718000000000,
      meta: { name: 'Payroll', description: 'June', txBuilderVersion: '1.16.5', checksum: '' },
      transactions: [
        {
          to: F.USDC,
          value: '0',
          data: null,
          contractMethod: {
            inputs: [
              { internalType: 'address', name: 'to', type: 'address' },
              { internalType: 'uint256', name: 'amount', type: 'uint256' },
            ],
            name: 'transfer',
            payable: false,
          },
          contractInputsValues: { to: F.PAYROLL, amount: '5000000000' },
        },
        { to: F.PAYROLL, value: '1000000000000000000', data: '0x' },
      ],
    }
    OrgConfig.parse(org)
    TransactionBuilder.parse(batch, { chainId: 1, checksum: 'ignore' })
    function* inputs(): Generator<{ kind: 'org' | 'batch'; text: string }> {
      yield { kind: 'org', text: Fuzz.deepJsonText(10_000, '{"safes":', '}') }
      yield { kind: 'batch', text: Fuzz.deepJsonText(10_000) }
      for (let i = 0; i < 800; i++) {
        const kind = r.chance(0.5) ? 'org' : 'batch'
        let value: unknown = kind === 'org' ? org : batch
        for (let k = r.int(3); k >= 0; k--) value = Fuzz.mutateJson(r, value)
        yield { kind, text: Fuzz.toJsonText(value) }
      }
    }
    check(
      await Fuzz.run({
        name: 'org configs and Transaction Builder files (JSON)',
        inputs: inputs(),
        describe: ({ kind, text }) => `${kind}: ${text.slice(0, 140)}`,
        target: ({ kind, text }) =>
          kind === 'org'
            ? OrgConfig.parse(Json.parse(text, { what: 'org config' }))
            : TransactionBuilder.parse(text, { chainId: 1, checksum: 'ignore' }),
      }),
    )
  })
})
