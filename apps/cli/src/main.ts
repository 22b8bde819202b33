import { FileSystemError, isBaseError, printable, systemErrorOf } from '@airlock/errors'
import { type Command, groupHelp, help, parse } from './command.ts'
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
  { words: ['devnet'], load: async () => [(await import('./commands/devnet.ts')).devnet] },
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
    words: ['coordinator', 'safe', 'action', 'sig', 'service', 'message', 'sentry'],
    load: async () => (await import('./commands/coordinator/commands.ts')).coordinatorCommands,
  },
]

async function commandsFor(word: string | undefined): Promise<Command[]> {
  const modules = commandModules.filter((m) => word === undefined || m.words.includes(word))
  return (await Promise.all(modules.map((m) => m.load()))).flat()
}

/** A command's path and summary: all `airlock --help` needs (the build lists them without loading modules). */
export type CommandSummary = Pick<Command, 'path' | 'summary'>

export type MainOptions = {
  /** Every command's path and summary, from the build; without it the overview loads every module. */
  commands?: readonly CommandSummary[] | undefined
}

/** What each command word is for, as the overview's group headings. */
const groups: Record<string, string> = {
  safe: 'Safe transactions offline, and the Safes the coordinator knows',
  qr: 'QR codes that cross the air gap',
  demo: 'The end-to-end demo',
  devnet: 'A local chain for trying the coordinator',
  drill: 'The compromise drill (security leads)',
  policy: 'Policy sets and signed bundles (security leads)',
  audit: 'The signer’s tamper-evident log',
  sign: 'The offline signer',
  coordinator: 'The online coordinator',
  action: 'Queued actions: compose, sign requests, execution',
  sig: 'Signatures coming back from the signers',
  service: 'The Safe Transaction Service (Safe{Wallet}) as a source and a sink, verified here',
  message: 'Safe messages (EIP-1271) to the signers and their signatures back to the service',
  sentry: 'On-chain invariant watch',
}

async function overview(options: MainOptions): Promise<string> {
  const commands = options.commands ?? (await commandsFor(undefined))
  const width = Math.max(...commands.map((c) => c.path.join(' ').length)) + 2
  const words = [...new Set(commands.map((c) => c.path[0]!))]
  const sections = words.map((word) => {
    const rows = commands
      .filter((c) => c.path[0] === word)
      .map((c) => `  airlock ${c.path.join(' ').padEnd(width)}${c.summary}`)
    return `${groups[word] ?? word}:\n${rows.join('\n')}`
  })
  return `airlock: the Airlock command line (offline Safe transaction tools)\n\n${sections.join('\n\n')}\n\nRun 'airlock <command> --help' for a command's options, 'airlock <word> --help' for a group.\n`
}

/** The command nearest to what was typed (same words first, then edit distance), to name in an error. */
function nearest(words: string[], commands: readonly Command[]): Command | undefined {
  const typed = words.join(' ')
  let best: { command: Command; score: number } | undefined
  for (const command of commands) {
    const path = command.path.join(' ')
    const shared = command.path.filter((word, i) => words[i] === word).length
    const score = distance(typed, path) - 3 * shared
    if (!best || score < best.score) best = { command, score }
  }
  return best && best.score <= Math.max(3, typed.length / 2) ? best.command : undefined
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length]!
}

/**
 * Runs the airlock command line and returns the exit code. Every failure is one line on stderr.
 *
 * @example
 * process.exitCode = await main(['safe', 'hash', '--help'])
 */
export async function main(argv: string[], io: Io = processIo, options: MainOptions = {}): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    io.stdout(await overview(options))
    return argv.length === 0 ? 2 : 0
  }
  try {
    const candidates = await commandsFor(argv[0])
    const command = candidates
      .filter((candidate) => candidate.path.every((word, i) => argv[i] === word))
      .sort((a, b) => b.path.length - a.path.length)[0]
    if (!command) {
      const firstFlag = argv.findIndex((a) => a.startsWith('-'))
      const words = firstFlag === -1 ? argv : argv.slice(0, firstFlag)
      // A command word or partial path (`airlock action`, `airlock action new --help`): its commands.
      const under = candidates.filter((c) => words.length > 0 && words.every((word, i) => c.path[i] === word))
      if (under.length > 0) {
        if (argv.includes('--help') || argv.includes('-h')) {
          io.stdout(groupHelp(words, under))
          return 0
        }
        io.stderr(groupHelp(words, under))
        throw new UsageError(`airlock ${words.join(' ')} needs a command.`, {
          hint: `Choose one of the commands above, e.g. 'airlock ${under[0]!.path.join(' ')}'.`,
        })
      }
      const suggestion = nearest(words, candidates.length > 0 ? candidates : await commandsFor(undefined))
      throw new UsageError(`Unknown command: airlock ${argv.filter((a) => !a.startsWith('-')).join(' ')}.`, {
        hint: suggestion
          ? `Did you mean 'airlock ${suggestion.path.join(' ')}'? Run 'airlock --help' for the list of commands.`
          : "Run 'airlock --help' for the list of commands.",
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
