// Hostile input on the command line: malformed, missing, misplaced, oversized and deeply nested files
// and arguments across commands, through the CLI's in-process main(). Each must end with a non-zero
// exit code (never 70, the internal-error code), a one-line `airlock: …` message, and no stack trace.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { SignRequest, Ur } from '@airlock/transport'
import { beforeAll, describe, expect, it } from 'vitest'
import * as Fuzz from './support/fuzz.ts'
import * as F from './support/signer-fixtures.ts'

const ORDER = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'
const AUDIT_KEY = 'ab'.repeat(32)
const SAFE = '0x00000000000000000000000000000000000A11cE'
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const decode = ['safe', 'decode', '--chain-id', '1', '--safe', SAFE, '--safe-version', '1.4.1', '--to', USDC]

let dir: string
const at = (name: string) => join(dir, name)
const file = (name: string, content: string | Uint8Array) => {
  writeFileSync(at(name), content)
  return at(name)
}
const folder = (name: string) => {
  mkdirSync(at(name), { recursive: true })
  return at(name)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-hostile-'))
  const [declared, , inflating, interlaced] = Fuzz.pngBombs()
  file('bomb-declared.png', declared!.bytes)
  file('bomb-inflate.png', inflating!.bytes)
  file('bomb-interlaced.png', interlaced!.bytes)
  file('text.png', 'not a png')
  file('empty.png', new Uint8Array())
  folder('no-frames')
  file('no-frames/readme.txt', 'nothing here')
  folder('bomb-frames')
  file('bomb-frames/frame-0001.png', inflating!.bytes)
  file('deep.json', Fuzz.deepJsonText(10_000))
  file('deep-object.json', Fuzz.deepJsonText(10_000, '{"a":', '}'))
  file('null.json', 'null')
  file('list.json', '[]')
  file('string.json', '"bundle"')
  file('number.json', '1e999999')
  file('broken.json', '{"format": ')
  file('deep.cbor', Fuzz.deepCbor(10_000))
  file(
    'random.bin',
    Uint8Array.from({ length: 500 }, (_, i) => (i * 131 + 7) & 0xff),
  )
  file('empty.txt', '')
  file('a-file', 'I am a file')
  file('bad-ur.txt', 'ur:airlock-sign-request/lpadaxcfaxhlcyyndltsrdhdfwmsfmdwdmbelujpzstbytasaaaa\n')
  file('abi-uint999.json', JSON.stringify([{ type: 'function', name: 'f', inputs: [{ type: 'uint999' }] }]))
  file('abi-address.json', JSON.stringify({ address: '0xnot', abi: [] }))
  file('abi-tuple.json', JSON.stringify([{ type: 'function', name: 'f', inputs: [{ type: 'tuple' }] }]))
  file('deep-log.jsonl', `${Fuzz.deepJsonText(10_000)}\n`)
  file(
    'parts-deep.txt',
    Ur.encode({ type: 'bytes', payload: Fuzz.deepCbor(10_000) })
      .firstParts(1)
      .join('\n'),
  )

  // A signer state with a valid bundle and key, then copies with one damaged file each.
  const bundle = file('bundle.json', JSON.stringify(await F.sharedBundle()))
  const keyFile = file('owner.key', F.privateKeyOf(F.owners[0]!))
  file('zero.key', `0x${'00'.repeat(32)}`)
  file('order.key', `0x${ORDER}`)
  file('ff.key', `0x${'ff'.repeat(32)}`)
  file('short.key', '0x1234')
  file('nonhex.key', `0x${'zz'.repeat(32)}`)
  const init = async (name: string) => {
    const result = await runCli([
      'sign',
      'init',
      '--bundle',
      bundle,
      '--state',
      at(name),
      '--dev-key-file',
      keyFile,
    ])
    expect(result.stderr).toBe('')
    return at(name)
  }
  await init('state-null-key')
  file('state-null-key/dev-key.json', 'null')
  await init('state-null-bundle')
  file('state-null-bundle/policy-bundle.json', 'null')
  await init('state-deep-bundle')
  file('state-deep-bundle/policy-bundle.json', Fuzz.deepJsonText(10_000))
  file('request.cbor', SignRequest.encode(F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0))))
})

type Case = [name: string, argv: () => string[], options?: { progress?: boolean; says?: RegExp }]

const bundleArgs = () => ['--bundle', at('bundle.json')]
const cases: Case[] = [
  // PNG frames: bombs are refused at once, broken images with a typed error.
  [
    'qr decode: small file declaring 100000 × 100000',
    () => ['qr', 'decode', at('bomb-declared.png')],
    { says: /pixels|inflates to more/ },
  ],
  [
    'qr decode: 64 MB inflating into 16 × 16',
    () => ['qr', 'decode', at('bomb-inflate.png')],
    { says: /pixels|inflates to more/ },
  ],
  [
    'qr decode: interlaced inflate bomb',
    () => ['qr', 'decode', at('bomb-interlaced.png')],
    { says: /pixels|inflates to more/ },
  ],
  [
    'qr decode: directory holding a bomb frame',
    () => ['qr', 'decode', at('bomb-frames')],
    { says: /pixels|inflates to more/ },
  ],
  ['qr decode: text named .png', () => ['qr', 'decode', at('text.png')]],
  ['qr decode: empty .png', () => ['qr', 'decode', at('empty.png')]],
  ['qr decode: directory without frames', () => ['qr', 'decode', at('no-frames')]],
  ['qr decode: missing image', () => ['qr', 'decode', at('missing.png')]],
  ['qr encode: missing input', () => ['qr', 'encode', at('missing.bin'), '--out', at('out-frames')]],
  ['qr encode: --out is a file', () => ['qr', 'encode', at('random.bin'), '--out', at('a-file')]],
  // Policy bundles for sign init.
  [
    'sign init: 10,000-deep bundle',
    () => ['sign', 'init', '--bundle', at('deep.json'), '--state', at('s1')],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  [
    'sign init: 10,000-deep object bundle',
    () => ['sign', 'init', '--bundle', at('deep-object.json'), '--state', at('s1')],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  ['sign init: bundle null', () => ['sign', 'init', '--bundle', at('null.json'), '--state', at('s1')]],
  ['sign init: bundle []', () => ['sign', 'init', '--bundle', at('list.json'), '--state', at('s1')]],
  ['sign init: bundle a string', () => ['sign', 'init', '--bundle', at('string.json'), '--state', at('s1')]],
  ['sign init: bundle 1e999999', () => ['sign', 'init', '--bundle', at('number.json'), '--state', at('s1')]],
  ['sign init: missing bundle', () => ['sign', 'init', '--bundle', at('missing.json'), '--state', at('s1')]],
  [
    'sign init: bundle is a PNG bomb',
    () => ['sign', 'init', '--bundle', at('bomb-inflate.png'), '--state', at('s1')],
    { says: /pixels|inflates to more/ },
  ],
  [
    'sign init: bundle frames with a bomb',
    () => ['sign', 'init', '--bundle', at('bomb-frames'), '--state', at('s1')],
    { says: /pixels|inflates to more/ },
  ],
  ['sign init: bundle deep CBOR', () => ['sign', 'init', '--bundle', at('deep.cbor'), '--state', at('s1')]],
  // State directories and keys.
  [
    'sign init: --state is a file',
    () => ['sign', 'init', ...bundleArgs(), '--state', at('a-file')],
    { says: /state directory/ },
  ],
  [
    'sign init: --state under a file',
    () => ['sign', 'init', ...bundleArgs(), '--state', join(at('a-file'), 'sub')],
    { says: /state directory/ },
  ],
  [
    'sign init: --dev-key-file zero',
    () => ['sign', 'init', ...bundleArgs(), '--state', at('s2'), '--dev-key-file', at('zero.key')],
    { says: /key in --dev-key-file/ },
  ],
  [
    'sign init: --dev-key-file the curve order',
    () => ['sign', 'init', ...bundleArgs(), '--state', at('s2'), '--dev-key-file', at('order.key')],
    { says: /key in --dev-key-file/ },
  ],
  [
    'sign init: --dev-key-file above the order',
    () => ['sign', 'init', ...bundleArgs(), '--state', at('s2'), '--dev-key-file', at('ff.key')],
    { says: /key in --dev-key-file/ },
  ],
  [
    'sign init: --dev-key-file too short',
    () => ['sign', 'init', ...bundleArgs(), '--state', at('s2'), '--dev-key-file', at('short.key')],
    { says: /key in --dev-key-file/ },
  ],
  [
    'sign init: --dev-key-file not hex',
    () => ['sign', 'init', ...bundleArgs(), '--state', at('s2'), '--dev-key-file', at('nonhex.key')],
    { says: /key in --dev-key-file/ },
  ],
  // Requests.
  ['sign review: missing request', () => ['sign', 'review', at('missing.cbor'), '--state', at('s3')]],
  [
    'sign review: 10,000-deep CBOR',
    () => ['sign', 'review', at('deep.cbor'), '--state', at('s3')],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  ['sign review: random bytes', () => ['sign', 'review', at('random.bin'), '--state', at('s3')]],
  ['sign review: empty file', () => ['sign', 'review', at('empty.txt'), '--state', at('s3')]],
  ['sign review: UR with a bad checksum', () => ['sign', 'review', at('bad-ur.txt'), '--state', at('s3')]],
  [
    'sign review: frames with a bomb',
    () => ['sign', 'review', at('bomb-frames'), '--state', at('s3')],
    { says: /pixels|inflates to more/ },
  ],
  [
    'sign approve: PNG bomb',
    () => ['sign', 'approve', at('bomb-declared.png'), '--state', at('s3')],
    { says: /pixels|inflates to more/ },
  ],
  [
    'sign review: --state is a file',
    () => ['sign', 'review', at('request.cbor'), '--state', at('a-file')],
    { says: /state directory/ },
  ],
  [
    'sign approve: stored dev key is null',
    () => ['sign', 'approve', at('request.cbor'), '--state', at('state-null-key')],
    { says: /bundle|key file/ },
  ],
  [
    'sign review: stored bundle is null',
    () => ['sign', 'review', at('request.cbor'), '--state', at('state-null-bundle')],
    { says: /bundle|key file/ },
  ],
  [
    'sign review: stored bundle 10,000 deep',
    () => ['sign', 'review', at('request.cbor'), '--state', at('state-deep-bundle')],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  // Policy commands.
  [
    'policy verify: 10,000-deep bundle',
    () => ['policy', 'verify', at('deep.json')],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  ['policy verify: bundle null', () => ['policy', 'verify', at('null.json')]],
  ['policy verify: broken JSON', () => ['policy', 'verify', at('broken.json')]],
  ['policy verify: a directory', () => ['policy', 'verify', at('no-frames')]],
  [
    'policy export: 10,000-deep bundle',
    () => ['policy', 'export', at('deep-object.json'), '--ur'],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  ['policy check: a file, not a directory', () => ['policy', 'check', at('a-file')]],
  ['policy test: missing directory', () => ['policy', 'test', at('missing-dir')]],
  // ABI and org files for safe decode.
  [
    'safe decode: --abi with uint999',
    () => [...decode, '--abi', at('abi-uint999.json')],
    { says: /ABI file/ },
  ],
  [
    'safe decode: --abi tuple without components',
    () => [...decode, '--abi', at('abi-tuple.json')],
    { says: /ABI file/ },
  ],
  [
    'safe decode: --abi bad address',
    () => [...decode, '--abi', at('abi-address.json')],
    { says: /ABI file/ },
  ],
  [
    'safe decode: --abi 10,000 deep',
    () => [...decode, '--abi', at('deep.json')],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  ['safe decode: --abi null', () => [...decode, '--abi', at('null.json')], { says: /ABI file/ }],
  ['safe decode: --abi a directory', () => [...decode, '--abi', at('no-frames')], { says: /ABI file/ }],
  ['safe decode: --org null', () => [...decode, '--org', at('null.json')]],
  [
    'safe decode: --org 10,000 deep',
    () => [...decode, '--org', at('deep-object.json')],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  // Coordinator and admin commands.
  ['coordinator safe show: --home is a file', () => ['safe', 'show', SAFE, '--home', at('a-file')]],
  ['coordinator action list: --home is a file', () => ['action', 'list', '--home', at('a-file')]],
  ['sentry run: rules null', () => ['sentry', 'run', '--rules', at('null.json'), '--polls', '1']],
  ['sentry run: rules 10,000 deep', () => ['sentry', 'run', '--rules', at('deep.json'), '--polls', '1']],
  ['policy sign: bundle null', () => ['policy', 'sign', at('null.json'), '--print-message']],
  [
    'policy bundle: a file, not a directory',
    () => ['policy', 'bundle', at('a-file'), '--version', '1', '--out', at('b.json')],
  ],
  [
    'sign address: --state is a file',
    () => ['sign', 'address', '--state', at('a-file')],
    { says: /state directory/ },
  ],
  // Audit logs.
  [
    'audit verify: heads null',
    () => ['audit', 'verify', at('deep-log.jsonl'), '--public-key', AUDIT_KEY, '--heads', at('null.json')],
  ],
  ['audit verify: missing log', () => ['audit', 'verify', at('missing.jsonl'), '--public-key', AUDIT_KEY]],
  ['audit verify: log is a directory', () => ['audit', 'verify', at('no-frames'), '--public-key', AUDIT_KEY]],
  [
    'audit verify: 10,000-deep line',
    () => ['audit', 'verify', at('deep-log.jsonl'), '--public-key', AUDIT_KEY],
    { says: /levels deep|not valid JSON|fails verification/ },
  ],
  [
    'audit verify: manifest null',
    () => ['audit', 'verify', at('deep-log.jsonl'), '--public-key', AUDIT_KEY, '--manifest', at('null.json')],
  ],
  ['audit show: binary garbage', () => ['audit', 'show', at('random.bin')]],
  [
    'audit import: parts of deep CBOR',
    () => ['audit', 'import', at('parts-deep.txt'), '--out', at('imported.jsonl')],
  ],
]

describe('hostile input on every command: typed one-line errors, never an internal error', () => {
  it('covers about 50 inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50)
  })

  it.each(cases)('%s', { timeout: 30_000 }, async (_, argv, options = {}) => {
    const { code, stdout, stderr } = await runCli(argv())
    const lines = stderr.trimEnd().split('\n')
    expect(code, `stdout: ${stdout}\nstderr: ${stderr}`).not.toBe(0)
    expect(code).not.toBe(70)
    expect(stderr).not.toMatch(/internal error/i)
    expect(stderr).not.toMatch(/^\s+at /m)
    expect(lines.at(-1)).toMatch(/^airlock: \S/)
    if (!options.progress) expect(lines, stderr).toHaveLength(1)
    if (options.says) expect(stderr).toMatch(options.says)
  })
})
