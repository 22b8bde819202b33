import { Command as Commander, CommanderError, Option } from 'commander'
import { UsageError } from './errors.ts'
import type { Io } from './io.ts'

export type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean; help: string }

/** One subcommand: its path (`['safe', 'hash']`), its flags and its action. */
export type Command = {
  path: string[]
  summary: string
  usage: string
  options: Record<string, OptionSpec>
  allowPositionals?: boolean
  run: (input: { values: Record<string, unknown>; positionals: string[]; io: Io }) => Promise<number> | number
}

/** The commander program for one command: its flags, operands, usage and help text. */
function program(command: Command): { cli: Commander; names: Map<string, string> } {
  const path = command.path.join(' ')
  const cli = new Commander(`airlock ${path}`)
    .description(command.summary)
    .usage(command.usage.startsWith(`${path} `) ? command.usage.slice(path.length + 1) : command.usage)
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .allowExcessArguments(false)
  // commander keys values by camelCase attribute; the commands read them by flag name.
  const names = new Map<string, string>()
  for (const [name, spec] of Object.entries(command.options)) {
    const flags = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' <value>' : ''}`
    const option = new Option(flags, spec.help)
    if (spec.multiple)
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    cli.addOption(option)
    names.set(option.attributeName(), name)
  }
  if (command.allowPositionals) cli.argument('[operands...]')
  return { cli, names }
}

/**
 * Parses argv for a command with commander (strict flags), turning its parse errors into a UsageError
 * that names the command's usage.
 *
 * @example
 * parse(hashCommand, ['--to', '0x…'])
 */
export function parse(
  command: Command,
  argv: string[],
): { values: Record<string, unknown>; positionals: string[] } {
  const { cli, names } = program(command)
  try {
    cli.parse(argv, { from: 'user' })
  } catch (cause) {
    if (!(cause instanceof CommanderError)) throw cause
    // commander says "error: unknown option '--nope'\n(Did you mean --note?)": one sentence, capitalised.
    const text = cause.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')
    throw new UsageError(`${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.?)]$/.test(text) ? '' : '.'}`, {
      hint: `Usage: airlock ${command.usage}`,
      cause,
    })
  }
  const values: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(cli.opts())) {
    if (value !== undefined) values[names.get(key) ?? key] = value
  }
  return { values, positionals: [...cli.args] }
}

/**
 * Help text for one command (commander's layout: usage, summary, options).
 *
 * @example
 * io.stdout(help(hashCommand))
 */
export function help(command: Command): string {
  return program(command).cli.helpInformation()
}

/**
 * Help for a command word or a partial path (`airlock action`, `airlock action new`): the commands
 * under it, one line each.
 *
 * @example
 * io.stdout(groupHelp(['action'], commands))
 */
export function groupHelp(
  prefix: readonly string[],
  commands: readonly Pick<Command, 'path' | 'summary'>[],
): string {
  const group = new Commander(`airlock ${prefix.join(' ')}`)
    .usage('<command> [options]')
    .helpOption(false)
    .helpCommand(false)
  for (const command of commands) {
    if (!prefix.every((word, i) => command.path[i] === word)) continue
    group.addCommand(
      new Commander(command.path.slice(prefix.length).join(' '))
        .description(command.summary)
        .helpOption(false),
    )
  }
  return `${group.helpInformation()}\nRun 'airlock ${prefix.join(' ')} <command> --help' for a command's options.\n`
}
