import { readFileSync } from 'node:fs'
import { OrgConfig as PolicyOrg } from '@airlock/policy'
import { Calls, MultiSend, SafeTxHash } from '@airlock/safe'
import { SignRequest } from '@airlock/transport'
import { type Address, decodeFunctionData, getAddress, parseAbi, parseEther, zeroAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Action from './Action.ts'
import * as Build from './Build.ts'
import { type SafeState, sentinel } from './Chain.ts'
import * as Config from './Config.ts'
import * as Timelock from './Timelock.ts'

const orgJson = JSON.parse(
  readFileSync(new URL('../../../policies/treasury-default/org.json', import.meta.url), 'utf8'),
)
const org = PolicyOrg.parse(orgJson)
const config = Config.create({ org, chainId: 1, treasury: 'treasury' })
const treasury = org.safes[0]!
const guardianSafe = org.safes[1]!

const stateOf = (safe: PolicyOrg.SafeConfig, nonce = 7n): SafeState => ({
  address: getAddress(safe.address),
  chainId: 1,
  blockNumber: 100n,
  version: '1.4.1',
  versionText: '1.4.1',
  owners: safe.owners.map((o) => getAddress(o)),
  threshold: BigInt(safe.threshold),
  nonce,
  modules: [],
  guard: zeroAddress,
  fallbackHandler: '0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99',
  singleton: '0x41675C099F32341bf84BFc5382aF534df5C7461a',
})
const state = stateOf(treasury)
const [first, second, third] = state.owners as [Address, Address, Address]
const payroll = '0x0000000000000000000000000000000000002001'
const usdc = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48'
const ownerAbi = parseAbi([
  'function removeOwner(address prevOwner, address owner, uint256 _threshold)',
  'function swapOwner(address prevOwner, address oldOwner, address newOwner)',
  'function addOwnerWithThreshold(address owner, uint256 _threshold)',
])

describe('Safe admin builders', () => {
  it('computes prevOwner from the on-chain owner list', () => {
    const removeFirst = decodeFunctionData({
      abi: ownerAbi,
      data: Build.removeOwner({ state, owner: first }).data,
    })
    expect(removeFirst.args).toEqual([sentinel, first, 3n])
    const removeThird = decodeFunctionData({
      abi: ownerAbi,
      data: Build.removeOwner({ state, owner: third }).data,
    })
    expect(removeThird.args).toEqual([second, third, 3n])
    const swap = decodeFunctionData({
      abi: ownerAbi,
      data: Build.swapOwner({ state, oldOwner: second.toLowerCase(), newOwner: payroll }).data,
    })
    expect(swap.args).toEqual([first, second, getAddress(payroll)])
  })

  it('lowers the threshold only when the remaining owners could not meet it', () => {
    const small = { ...state, owners: state.owners.slice(0, 3), threshold: 3n }
    const call = Build.removeOwner({ state: small, owner: first })
    expect(decodeFunctionData({ abi: ownerAbi, data: call.data }).args[2]).toBe(2n)
  })

  it.each([
    [
      'adding an existing owner',
      () => Build.addOwner({ state, owner: first }),
      `${first} is already an owner`,
    ],
    ['removing a non-owner', () => Build.removeOwner({ state, owner: payroll }), 'is not an owner of'],
    [
      'an impossible threshold',
      () => Build.changeThreshold({ state, threshold: 6n }),
      'Threshold 6 is impossible with 5 owner(s).',
    ],
    ['the zero address as owner', () => Build.addOwner({ state, owner: zeroAddress }), 'cannot be an owner'],
    [
      'a module that is not enabled',
      () => Build.disableModule({ state, module: payroll }),
      'The Safe has no modules.',
    ],
    [
      'a bad checksum',
      () => Build.nativeTransfer({ to: '0x7e5F4552091A69125d5DfCb7b8C2659029395Bdf', amount: 1n }),
      'wrong EIP-55',
    ],
    [
      'value to a non-payable function',
      () =>
        Build.contractCall({
          to: usdc,
          signature: 'approve(address,uint256)',
          args: [payroll, '1'],
          value: 1n,
        }),
      'is not payable',
    ],
    [
      'a wrong argument count',
      () => Build.contractCall({ to: usdc, signature: 'approve(address,uint256)', args: [payroll] }),
      'approve takes 2 argument(s); 1 were given.',
    ],
    [
      'a malformed signature',
      () => Build.contractCall({ to: usdc, signature: 'approve(address,', args: [] }),
      'is not a function signature',
    ],
    [
      'pausing an unlisted contract',
      () => Build.pause({ config, contracts: [usdc] }),
      'is not a pausable contract',
    ],
  ])('refuses %s with a typed error', (_name, build, message) => {
    expect(build).toThrowError(
      expect.objectContaining({
        name: 'Coordinator.InvalidActionError',
        message: expect.stringContaining(message),
      }),
    )
  })
})

describe('Action.prepare', () => {
  it('batches several calls through the pinned MultiSendCallOnly for the Safe version', () => {
    const action = Action.prepare({
      config,
      state,
      calls: [
        Build.erc20Transfer({ token: usdc, to: payroll, amount: 10n }),
        Build.nativeTransfer({ to: payroll, amount: 1n }),
      ],
      title: 'Pay',
    })
    expect(action.tx).toMatchObject({ to: Config.pinnedMultiSendCallOnly['1.4.1'], operation: 1, nonce: 7n })
    expect(MultiSend.decode(action.tx.data).map((t) => t.operation)).toEqual([0, 0])
    expect(action.hashes).toEqual(SafeTxHash.compute({ tx: action.tx, context: action.context }))
    expect(action.requirements).toMatchObject({ tier: 'routine', signatures: 3, approvals: 3 })
    const older = Action.prepare({
      config,
      state: { ...state, version: '1.3.0' },
      calls: [...Build.pause({ config })],
      title: 'x',
    })
    expect(older.tx.to).toBe(Config.pinnedMultiSendCallOnly['1.3.0'])
  })

  it('classifies tiers as the signer does and sets the org’s requirements', () => {
    const large = Action.prepare({
      config,
      state,
      calls: Build.nativeTransfer({ to: payroll, amount: parseEther('101') }),
      title: 'Large',
    })
    expect(large.requirements).toMatchObject({
      tier: 'critical',
      approvals: 4,
      attestations: 4,
      delaySeconds: 172800,
    })
    const admin = Action.prepare({
      config,
      state,
      calls: Build.addOwner({ state, owner: payroll }),
      title: 'Add',
    })
    expect(admin.requirements).toMatchObject({
      tier: 'existential',
      approvals: 5,
      attestations: 5,
      delaySeconds: 259200,
    })
    const pause = Action.prepare({
      config,
      state: stateOf(guardianSafe, 0n),
      calls: Build.pause({ config }),
      title: 'Pause all',
    })
    expect(pause.requirements).toMatchObject({
      tier: 'emergency',
      signatures: 1,
      approvals: 1,
      attestations: 0,
      delaySeconds: 0,
    })
    // The same pause from the treasury is not Emergency.
    const wrongSafe = Action.prepare({ config, state, calls: Build.pause({ config }), title: 'Pause all' })
    expect(wrongSafe.analysis.tier).toBe('routine')
  })

  it('decodes a timelock schedule down to the scheduled call', () => {
    const timelock = '0x000000000000000000000000000000000000d00d'
    const upgrade = Build.contractCall({ to: usdc, signature: 'transferOwnership(address)', args: [payroll] })
    const action = Action.prepare({
      config,
      state,
      calls: Timelock.schedule({ timelock, calls: [upgrade], delay: 3600n }),
      title: 'x',
    })
    const scheduled = Calls.at(action.analysis.calls, [0])
    expect(scheduled).toMatchObject({
      origin: 'timelock-scheduled',
      sender: getAddress(timelock),
      to: getAddress(usdc),
    })
    expect(action.analysis.tier).toBe('critical')
  })

  it('makes a request the transport accepts, with untrusted text cleaned', () => {
    const action = Action.prepare({
      config,
      state,
      calls: Build.nativeTransfer({ to: payroll, amount: 1n }),
      title: 'Pay\u202e\nnow',
      description: 'line one\nline two\u0007',
    })
    const request = SignRequest.decode(SignRequest.encode(Action.signRequest(action, { createdAt: 5 })))
    expect(request).toMatchObject({
      title: 'Pay  now',
      description: 'line one\nline two ',
      claimedTier: 'routine',
      createdAt: 5,
    })
  })

  it('refuses a used nonce', () => {
    expect(() =>
      Action.prepare({
        config,
        state,
        calls: Build.nativeTransfer({ to: payroll, amount: 1n }),
        title: 'x',
        nonce: 6n,
      }),
    ).toThrowError('Nonce 6 is already used; the Safe is at 7.')
  })
})
