import { isBaseError } from '@airlock/errors'
import { type Command, help, parse } from './command.ts'
import { auditCommands } from './commands/audit.ts'
import { coordinatorCommands } from './commands/coordinator/commands.ts'
import { demo } from './commands/demo.ts'
import { policyCommands } from './commands/policy.ts'
import { qrDecode, qrEncode, qrShow } from './commands/qr.ts'
import { safeDecode, safeHash } from './commands/safe.ts'
import { signApprove, signInit, signReview } from './commands/sign.ts'
import { UsageError } from './errors.ts'
import { type Io, processIo } from './io.ts'

const commands: Command[] = [
  safeHash,
  safeDecode,
  qrEncode,
  qrDecode,
  qrShow,
  demo,
  ...policyCommands,
  ...auditCommands,
  signInit,
  signReview,
  signApprove,
  ...coordinatorCommands,
]

function overview(): string {
  const rows = commands.map((command) => `  airlock ${command.path.join(' ').padEnd(22)}${command.summary}`)
  return `airlock: the Airlock command line (offline Safe transaction tools)\n\n${rows.join('\n')}\n\nRun 'airlock <command> --help' for a command's options.\n`
}

/**
 * Runs the airlock command line and returns the exit code. Every failure is one line on stderr.
 *
 * @example
 * process.exitCode = await main(['safe', 'hash', '--help'])
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    io.stdout(overview())
    return argv.length === 0 ? 2 : 0
  }
  const command = commands
    .filter((candidate) => candidate.path.every((word, i) => argv[i] === word))
    .sort((a, b) => b.path.length - a.path.length)[0]
  try {
    if (!command) {
      throw new UsageError(`Unknown command: airlock ${argv.filter((a) => !a.startsWith('-')).join(' ')}.`, {
        hint: "Run 'airlock --help' for the list of commands.",
      })
    }
    const rest = argv.slice(command.path.length)
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(help(command))
      return 0
    }
    const { values, positionals } = parse(command, rest)
    return await command.run({ values, positionals, io })
  } catch (error) {
    if (isBaseError(error)) {
      io.stderr(`airlock: ${error.oneLine}\n`)
      return error instanceof UsageError ? 2 : 1
    }
    io.stderr(`airlock: internal error: ${(error as Error)?.stack ?? String(error)}\n`)
    return 70
  }
}
