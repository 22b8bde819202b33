// `airlock devnet`: a local chain to try the coordinator on (anvil with the demo org's Safes, a token,
// a pausable vault and a timelock), plus the files `coordinator init` and `sign init` want.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startOrgDevnet } from '@airlock/devnet'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { toJson } from '../io.ts'
import { positiveInt } from './qr.ts'

export const devnet: Command = {
  path: ['devnet'],
  summary:
    'Start a local chain with the demo org (Safes, token, vault, timelock) and print the coordinator init line.',
  usage: 'devnet --out DIR [--seconds N] [--json]',
  options: {
    out: {
      type: 'string',
      help: 'directory for org.json, the throwaway key files and devnet.json (written once the chain is ready)',
    },
    seconds: { type: 'string', help: 'stop after N seconds (default: run until Ctrl-C)' },
    json: { type: 'boolean', help: 'print the addresses and files as JSON' },
  },
  run: async ({ values, io }) => {
    if (typeof values.out !== 'string' || values.out === '') {
      throw new UsageError('devnet needs --out DIR for the org config and key files.', {
        hint: `Usage: airlock ${devnet.usage}`,
      })
    }
    const seconds = positiveInt(values.seconds, 'seconds')
    const out = resolve(io.cwd, values.out)
    mkdirSync(out, { recursive: true })
    io.stderr('Starting anvil and deploying the Safes, token, vault and timelock…\n')
    const chain = await startOrgDevnet()
    try {
      writeFileSync(join(out, 'org.json'), `${JSON.stringify(chain.org, null, 2)}\n`)
      const keyFiles: Record<string, string> = {}
      for (const key of chain.keys) {
        keyFiles[key.name] = join(out, `${key.name}.key`)
        writeFileSync(keyFiles[key.name]!, `${key.privateKey}\n`, { mode: 0o600 })
      }
      const init = [
        'airlock coordinator init',
        `--home ${join(out, 'coordinator')}`,
        `--rpc ${chain.anvil.rpcUrl}`,
        `--chain-id ${chain.chainId}`,
        `--org ${join(out, 'org.json')}`,
        `--treasury ${chain.treasury}`,
        `--timelock ${chain.timelock}`,
        `--multisend ${chain.multiSendCallOnly}`,
        `--executor-key-file ${keyFiles.executor}`,
      ].join(' ')
      const { anvil, org: _org, keys: _keys, ...addresses } = chain
      const description = toJson({
        rpcUrl: anvil.rpcUrl,
        ...addresses,
        org: join(out, 'org.json'),
        keyFiles,
        init,
      })
      // Written last: its presence says the chain is ready (scripts can wait for it).
      writeFileSync(join(out, 'devnet.json'), `${description}\n`)
      if (values.json) {
        io.stdout(`${description}\n`)
      } else {
        io.stdout(
          [
            `anvil        ${chain.anvil.rpcUrl} (chain ${chain.chainId})`,
            `treasury     ${chain.treasury} (2 of 3 owners, 10 ETH, 1000 TEST)`,
            `guardian     ${chain.guardian} (1 of 2)`,
            `token TEST   ${chain.token}`,
            `vault        ${chain.vault} (pausable by the guardian)`,
            `timelock     ${chain.timelock} (proposer: the treasury, 1 h delay)`,
            `org config   ${join(out, 'org.json')}`,
            `keys         ${out}/{owner-1,owner-2,owner-3,guardian-1,guardian-2,executor}.key (throwaway, anvil's test mnemonic)`,
            '',
            'Configure the coordinator with:',
            `  ${init}`,
            '',
          ].join('\n'),
        )
      }
      if (seconds !== undefined) await new Promise((done) => setTimeout(done, seconds * 1000))
      else {
        io.stderr('The chain runs until Ctrl-C.\n')
        await new Promise<void>((done) => {
          process.once('SIGINT', done)
          process.once('SIGTERM', done)
        })
      }
      return 0
    } finally {
      await chain.anvil.stop()
    }
  },
}
