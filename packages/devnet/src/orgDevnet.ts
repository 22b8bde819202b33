// A local chain laid out like the demo org, for trying the coordinator by hand: a 2-of-3 treasury with
// 10 ETH and test tokens, a 1-of-2 guardian Safe, a pausable vault and a TimelockController whose
// proposer is the treasury; the org config a policy bundle would carry, and throwaway keys.
import { type Address, type HDAccount, parseEther, toHex, zeroAddress } from 'viem'
import { type Anvil, anvilAccounts, startAnvil } from './anvil.ts'
import { deploy, testContracts, timelockArtifact } from './contracts.ts'
import { createSafe, deploySafeContracts } from './safeDeploy.ts'

export type OrgDevnet = {
  anvil: Anvil
  chainId: number
  treasury: Address
  guardian: Address
  token: Address
  vault: Address
  timelock: Address
  multiSendCallOnly: Address
  /** The org config (policy bundle `org.json` format) describing all of the above. */
  org: Record<string, unknown>
  /** Throwaway keys (anvil's test mnemonic): NEVER use them on a real chain. */
  keys: { name: string; address: Address; privateKey: `0x${string}` }[]
}

type Seven = [HDAccount, HDAccount, HDAccount, HDAccount, HDAccount, HDAccount, HDAccount]

const key = (name: string, account: HDAccount) => ({
  name,
  address: account.address,
  privateKey: toHex(account.getHdKey().privateKey!),
})

/**
 * Starts anvil and deploys the demo org's Safes, token, vault and timelock on it.
 *
 * @example
 * const devnet = await startOrgDevnet()
 * console.log(devnet.anvil.rpcUrl, devnet.treasury)
 * await devnet.anvil.stop()
 */
export async function startOrgDevnet({
  chainId = 31337,
}: {
  chainId?: number | undefined
} = {}): Promise<OrgDevnet> {
  const [deployer, o1, o2, o3, g1, g2, executor] = anvilAccounts(7) as Seven
  const anvil = await startAnvil({ chainId })
  try {
    const deployment = await deploySafeContracts({ anvil, deployer, version: '1.4.1' })
    const treasury = await createSafe({
      anvil,
      deployment,
      deployer,
      owners: [o1.address, o2.address, o3.address],
      threshold: 2,
      balance: parseEther('10'),
    })
    const guardian = await createSafe({
      anvil,
      deployment,
      deployer,
      owners: [g1.address, g2.address],
      threshold: 1,
      saltNonce: 1n,
    })
    const { TestToken, TestVault } = testContracts()
    const token = await deploy({ anvil, deployer, artifact: TestToken, args: [treasury, parseEther('1000')] })
    const vault = await deploy({
      anvil,
      deployer,
      artifact: TestVault,
      args: [token, deployer.address, guardian],
    })
    const timelock = await deploy({
      anvil,
      deployer,
      artifact: timelockArtifact(),
      args: [3600n, [treasury], [zeroAddress], deployer.address],
    })
    const lower = (a: string) => a.toLowerCase()
    const org = {
      name: 'Airlock devnet org',
      safes: [
        {
          name: 'treasury',
          address: lower(treasury),
          chainId,
          version: '1.4.1',
          owners: [o1, o2, o3].map((o) => lower(o.address)),
          threshold: 2,
        },
        {
          name: 'guardian',
          address: lower(guardian),
          chainId,
          version: '1.4.1',
          owners: [g1, g2].map((o) => lower(o.address)),
          threshold: 1,
        },
      ],
      guardian: { address: lower(guardian), chainId },
      pausable: [{ name: 'Vault', address: lower(vault), chainId }],
      trustedDelegatecall: [
        { name: 'MultiSendCallOnly (devnet)', address: lower(deployment.multiSendCallOnly), chainId },
      ],
      recipients: [{ name: 'Payroll', address: '0x00000000000000000000000000000000000a1e57', chainId }],
      assets: [
        { id: 'ETH', chainId, address: 'native', decimals: 18, large: parseEther('50').toString() },
        { id: 'TEST', chainId, address: lower(token), decimals: 18, large: parseEther('500').toString() },
      ],
      admins: { addresses: [lower(o1.address), lower(o2.address)], threshold: 2 },
      allowSoftwareKeys: true,
    }
    return {
      anvil,
      chainId,
      treasury,
      guardian,
      token,
      vault,
      timelock,
      multiSendCallOnly: deployment.multiSendCallOnly,
      org,
      keys: [
        key('owner-1', o1),
        key('owner-2', o2),
        key('owner-3', o3),
        key('guardian-1', g1),
        key('guardian-2', g2),
        key('executor', executor),
      ],
    }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
