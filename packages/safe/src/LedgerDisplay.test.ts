import { execFileSync } from 'node:child_process'
import fc from 'fast-check'
import { bytesToHex, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import * as LedgerDisplay from './LedgerDisplay.ts'
import * as SafeTx from './SafeTx.ts'
import * as SafeTxHash from './SafeTxHash.ts'

// Vector from the safe-tx-hashes-util README (Arbitrum, Safe 1.3.0+L2, nonce 234, addOwnerWithThreshold).
const arbitrum = {
  tx: SafeTx.from({
    to: '0x111CEEee040739fD91D29C34C33E6B3E112F2177',
    data: '0x0d582f130000000000000000000000000c75fa5a5f1c0997e3eea425cfa13184ed0ec9e50000000000000000000000000000000000000000000000000000000000000003',
    nonce: 234,
  }),
  context: SafeTx.context({
    chainId: 42161,
    safe: '0x111CEEee040739fD91D29C34C33E6B3E112F2177',
    version: '1.3.0+L2',
  }),
}

describe('LedgerDisplay', () => {
  it('prints the hashes block exactly as safe_hashes.sh does', () => {
    const hashes = SafeTxHash.compute(arbitrum)
    expect(LedgerDisplay.text(hashes)).toBe(
      [
        '> Hashes:',
        'Domain hash: 0x1CF7F9B1EFE3BC47FE02FD27C649FEA19E79D66040683A1C86C7490C80BF7291',
        'Message hash: 0xD9109EA63C50ECD3B80B6B27ED5C5A9FD3D546C2169DFB69BFA7BA24CD14C7A5',
        'Safe transaction hash: 0x0cb7250b8becd7069223c54e2839feaed4cee156363fbfe5dd0a48e75c4e25b3',
      ].join('\n'),
    )
  })

  it('matches the README’s interactive-mode vector (delegatecall, gas token, refund receiver)', () => {
    const tx = SafeTx.from({
      ...arbitrum.tx,
      value: 1000n,
      operation: 1,
      gasPrice: 50n,
      gasToken: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
      refundReceiver: '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045',
    })
    const shown = LedgerDisplay.fromHashes(SafeTxHash.compute({ tx, context: arbitrum.context }))
    expect(shown.domainHash).toBe('0x1CF7F9B1EFE3BC47FE02FD27C649FEA19E79D66040683A1C86C7490C80BF7291')
    expect(shown.messageHash).toBe('0xC7E826933DA60E6AC3E2246ED0563A26A920A65BEAA9089D784AC96234141BB3')
    expect(shown.safeTxHash).toBe('0xc818fceb1cace51c1a4039c4c66fc73d95eccc298104c9c52debac604b9f4e04')
  })

  it('writes the legacy binary string literal: printable ASCII as is, other bytes as \\xNN', () => {
    const hash = `0x415c0a7f80207e00${'ff'.repeat(24)}` as Hex
    expect(LedgerDisplay.binaryStringLiteral(hash)).toBe(`A\\\\x0a\\x7f\\x80 ~\\x00${'\\xff'.repeat(24)}`)
    expect(
      LedgerDisplay.text(SafeTxHash.compute(arbitrum), { legacy: true }).split('\n').slice(0, 3),
    ).toEqual([
      '> Legacy Ledger Format:',
      `Binary string literal: ${LedgerDisplay.binaryStringLiteral('0x0cb7250b8becd7069223c54e2839feaed4cee156363fbfe5dd0a48e75c4e25b3')}`,
      '',
    ])
    expect(
      LedgerDisplay.binaryStringLiteral('0x0cb7250b8becd7069223c54e2839feaed4cee156363fbfe5dd0a48e75c4e25b3'),
    ).toBe(
      '\\x0c\\xb7%\\x0b\\x8b\\xec\\xd7\\x06\\x92#\\xc5N(9\\xfe\\xae\\xd4\\xce\\xe1V6?\\xbf\\xe5\\xdd\\x0aH\\xe7\\N%\\xb3',
    )
  })

  it('refuses anything but a 32-byte hash', () => {
    expect(() => LedgerDisplay.hash('0x1234')).toThrow(/2 bytes long, expected 32/)
    expect(() => LedgerDisplay.binaryStringLiteral('0xzz' as Hex)).toThrow(/not hex digits/)
  })

  // The Cyfrin/safe-tx-hashes pipeline itself, run on the same bytes.
  const hasTools = (() => {
    try {
      execFileSync('sh', ['-c', 'command -v perl && command -v xxd'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()
  it.skipIf(!hasTools)('agrees with safe_hashes.sh’s xxd | perl pipeline on random hashes', () => {
    const script =
      's/([^[:print:]]|[\\x80-\\xff])/sprintf("\\\\x%02x",ord($1))/ge; s/([^ -~])/sprintf("\\\\x%02x",ord($1))/ge'
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const hash = bytesToHex(bytes)
        const theirs = execFileSync(
          'bash',
          ['-c', `echo -n "${hash.slice(2)}" | xxd -r -p | perl -pe '${script}'`],
          {
            encoding: 'latin1',
          },
        )
        expect(LedgerDisplay.binaryStringLiteral(hash)).toBe(theirs.replace(/\n+$/, ''))
      }),
      { numRuns: 40 },
    )
  })
})

describe('LedgerDisplay.screens', () => {
  const data = `0x${'ab'.repeat(100)}` as Hex
  const tx = SafeTx.from({
    to: '0x111CEEee040739fD91D29C34C33E6B3E112F2177',
    value: 10n ** 18n,
    data,
    operation: 1,
    nonce: 7,
  })
  const context = SafeTx.context({
    chainId: 1,
    safe: '0x111CEEee040739fD91D29C34C33E6B3E112F2177',
    version: '1.4.1',
  })

  it('full mode: the raw SafeTx fields in type order behind the blind-signing warning', () => {
    const list = LedgerDisplay.screens({ tx, context, mode: 'full' })
    expect(list.map((s) => s.title)).toEqual([
      'Blind signing ahead',
      'Review struct',
      'chainId',
      'verifyingContract',
      'Review struct',
      'to',
      'value',
      'data',
      'operation',
      'safeTxGas',
      'baseGas',
      'gasPrice',
      'gasToken',
      'refundReceiver',
      'nonce',
      'Message hash',
      'Sign message',
    ])
    const by = (title: string) => list.find((s) => s.title === title)!
    expect(by('value').value).toBe('1000000000000000000')
    expect(by('operation').value).toBe('1')
    expect(by('data')).toEqual({ title: 'data', value: `0x${'ab'.repeat(47)}...`, more: true })
    expect(by('data').value).toHaveLength(99)
    expect(by('Message hash').value).toBe(
      LedgerDisplay.fromHashes(SafeTxHash.compute({ tx, context })).messageHash,
    )
    expect(LedgerDisplay.screensText(list).split('\n')[7]).toBe(` 8. data: 0x${'ab'.repeat(47)}... [More]`)
  })

  it('shows short data in full, and Safe 1.0.0 fields by their own names (dataGas, no chainId)', () => {
    const old = SafeTx.context({ chainId: 1, safe: context.safe, version: '0.1.0' })
    const short = SafeTx.from({ to: tx.to, data: '0x12345678', nonce: 1 })
    const list = LedgerDisplay.screens({ tx: short, context: old, mode: 'full' })
    expect(list.map((s) => s.title)).toContain('dataGas')
    expect(list.map((s) => s.title)).not.toContain('chainId')
    expect(list.find((s) => s.title === 'data')).toEqual({ title: 'data', value: '0x12345678', more: false })
  })

  it('hashed mode: the domain and message hashes as the device prints them', () => {
    const hashes = LedgerDisplay.fromHashes(SafeTxHash.compute({ tx, context }))
    expect(LedgerDisplay.screens({ tx, context, mode: 'hashed' }).map((s) => [s.title, s.value])).toEqual([
      ['Blind signing ahead', expect.any(String)],
      ['Domain hash', hashes.domainHash],
      ['Message hash', hashes.messageHash],
      ['Sign message', ''],
    ])
  })
})
