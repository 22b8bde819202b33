import { parseArgs } from 'node:util'
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

/**
 * Parses argv for a command with strict flags, turning node's parse errors into a UsageError.
 *
 * @example
 * parse(hashCommand, ['--to', '0x…'])
 */
export function parse(
  command: Command,
  argv: string[],
): { values: Record<string, unknown>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(command.options).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short ? { short: spec.short } : {}),
        ...(spec.multiple ? { multiple: true } : {}),
      },
    ]),
  )
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: command.allowPositionals ?? false,
    })
    return { values: values as Record<string, unknown>, positionals }
  } catch (cause) {
    throw new UsageError(`${(cause as Error).message.split('\n')[0]}`, {
      hint: `Usage: airlock ${command.usage}`,
      cause,
    })
  }
}

/** Help text for one command. */
export function help(command: Command): string {
  const width = Math.max(...Object.keys(command.options).map((name) => name.length), 4) + 4
  const lines = Object.entries(command.options).map(([name, spec]) => `  --${name.padEnd(width)}${spec.help}`)
  return `${command.summary}\n\nUsage: airlock ${command.usage}\n\nOptions:\n${lines.join('\n')}\n`
}
