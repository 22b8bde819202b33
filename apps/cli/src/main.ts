import { FileSystemError, isBaseError, printable, systemErrorOf } from '@airlock/errors'
import { type Command, help, parse } from './command.ts'
import { UsageError } from './errors.ts'
import { type Io, processIo } from './io.ts'

/**
 * The commands, by module, loaded only when a command of theirs runs: a security lead's `audit
 * verify` does not wait for viem, Cedar or the QR reader to load. `words` are the first words of the
 * module's command paths (a test keeps them true); `airlock --help` loads every module.
 */
export const commandModules: readonly { words: readonly string[]; load: () => Promise<Command[]> }[] = [
  {
    words: ['safe'],
    load: async () => {
      const { safeDecode, safeHash } = await import('./commands/safe.ts')
      return [safeHash, safeDecode]
    },
  },
  {
    words: ['qr'],
    load: async () => {
      const { qrDecode, qrEncode, qrShow } = await import('./commands/qr.ts')
      return [qrEncode, qrDecode, qrShow]
    },
  },
  { words: ['demo'], load: async () => [(await import('./commands/demo.ts')).demo] },
  { words: ['drill'], load: async () => [(await import('./commands/drill.ts')).drill] },
  { words: ['policy'], load: async () => (await import('./commands/policy.ts')).policyCommands },
  { words: ['audit'], load: async () => (await import('./commands/audit.ts')).auditCommands },
  {
    words: ['sign'],
    load: async () => {
      const { signAddress, signApprove, signInit, signReview } = await import('./commands/sign.ts')
      return [signInit, signAddress, signReview, signApprove]
    },
  },
  {
    words: ['coordinator', 'safe', 'action', 'sig', 'sentry'],
    load: async () => (await import('./commands/coordinator/commands.ts')).coordinatorCommands,
  },
]

async function commandsFor(word: string | undefined): Promise<Command[]> {
  const modules = commandModules.filter((m) => word === undefined || m.words.includes(word))
  return (await Promise.all(modules.map((m) => m.load()))).flat()
}

async function overview(): Promise<string> {
  const rows = (await commandsFor(undefined)).map(
    (command) => `  airlock ${command.path.join(' ').padEnd(22)}${command.summary}`,
  )
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
    io.stdout(await overview())
    return argv.length === 0 ? 2 : 0
  }
  try {
    const command = (await commandsFor(argv[0]))
      .filter((candidate) => candidate.path.every((word, i) => argv[i] === word))
      .sort((a, b) => b.path.length - a.path.length)[0]
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
      io.stderr(`airlock: ${printable(error.oneLine)}\n`)
      return error instanceof UsageError ? 2 : 1
    }
    // A disk or permission fault outside Airlock's control is the user's to fix, not a bug.
    if (systemErrorOf(error)) {
      io.stderr(`airlock: ${printable(FileSystemError.from({ cause: error }).oneLine)}\n`)
      return 1
    }
    io.stderr(`airlock: internal error: ${(error as Error)?.stack ?? String(error)}\n`)
    return 70
  }
}
