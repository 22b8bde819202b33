import { runCli } from '@airlock/cli/testing'
import { describe, expect, it } from 'vitest'

describe('npm run demo (airlock demo)', () => {
  it('signs a payroll across the simulated air gap, executes it, refuses the Bybit shape and verifies the logs', async () => {
    const { code, stdout, stderr } = await runCli(['demo'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/one MultiSendCallOnly batch of 13 calls: tier routine, needs 2 signatures/)
    expect(stdout).toContain('Verdict        SIGN')
    expect(stdout).toMatch(/execTransaction 0x[0-9a-f]{64} in block \d+/)
    expect(stdout).toContain('vendor balance +0.25 ETH')
    expect(stdout).toContain(
      'x tier-understated: The coordinator says "routine"; this signer computed "existential".',
    )
    expect(stdout).toMatch(
      /Alice: verified, 4 entries \(log-opened, policy-imported:installed, signed:signed, refused:refused\)/,
    )
    expect(stdout).toMatch(/Bob: verified, 3 entries/)
  })
})
