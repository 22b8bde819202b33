import { SafeTxHash } from '@airlock/safe'
import { recoverAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { SoftwareKeyDevice } from './SoftwareKeyDevice.ts'
import { TEST_MNEMONIC } from './testing/EthAppSimulator.ts'
import { context, other, owner, PATH, tx } from './testing/fixtures.ts'

// Anvil's first default key, m/44'/60'/0'/0/0 of "test … junk" (the `other` fixture account).
const ANVIL_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

describe('SoftwareKeyDevice', () => {
  it('refuses to exist unless the policy allows software keys', () => {
    for (const allowSoftwareKey of [false, undefined, 'true', 1] as unknown[]) {
      expect(() => new SoftwareKeyDevice({ allowSoftwareKey, mnemonic: TEST_MNEMONIC } as never)).toThrow(
        expect.objectContaining({ name: 'Devices.SoftwareKeyNotAllowedError' }),
      )
    }
    expect(() => new SoftwareKeyDevice(undefined as never)).toThrow(
      expect.objectContaining({ name: 'Devices.SoftwareKeyNotAllowedError' }),
    )
  })

  it('signs a Safe transaction from the test mnemonic, checked like a device signature', async () => {
    const device = new SoftwareKeyDevice({ allowSoftwareKey: true, mnemonic: TEST_MNEMONIC })
    expect(await device.getAddress({ path: PATH })).toMatchObject({ ok: true, address: owner.address })
    const outcome = await device.signSafeTx({ tx, context, path: PATH, expectedOwner: owner.address })
    expect(outcome).toMatchObject({ ok: true, kind: 'software', mode: 'software', signer: owner.address })
    if (!outcome.ok) return
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    expect(await recoverAddress({ hash: safeTxHash, signature: outcome.signature })).toBe(owner.address)
  })

  it('derives other paths from the mnemonic', async () => {
    const device = new SoftwareKeyDevice({ allowSoftwareKey: true, mnemonic: TEST_MNEMONIC })
    const second = await device.getAddress({ path: "m/44'/60'/0'/0/1" })
    expect(second).toMatchObject({ ok: true })
    if (second.ok) expect(second.address).not.toBe(owner.address)
  })

  it('signs from a private key, and refuses when the key is not the expected owner', async () => {
    const device = new SoftwareKeyDevice({ allowSoftwareKey: true, privateKey: ANVIL_KEY })
    expect(await device.signSafeTx({ tx, context, path: PATH, expectedOwner: other.address })).toMatchObject({
      ok: true,
      signer: other.address,
    })
    expect(await device.signSafeTx({ tx, context, path: PATH, expectedOwner: owner.address })).toMatchObject({
      ok: false,
      code: 'wrong-signer',
      recovered: other.address,
    })
  })

  it('throws typed errors for bad keys', () => {
    const bad = [
      { allowSoftwareKey: true, privateKey: '0x1234' },
      { allowSoftwareKey: true, mnemonic: 'not a mnemonic at all' },
      { allowSoftwareKey: true, mnemonic: TEST_MNEMONIC, privateKey: ANVIL_KEY },
      { allowSoftwareKey: true },
    ]
    for (const parameters of bad) {
      expect(() => new SoftwareKeyDevice(parameters as never)).toThrow(
        expect.objectContaining({ name: 'Devices.InvalidParameterError' }),
      )
    }
  })
})
