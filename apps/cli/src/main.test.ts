import { describe, expect, it } from 'vitest'
import { commandModules } from './main.ts'
import { runCli } from './testing.ts'

describe('airlock command dispatch', () => {
  it('each module declares the first words of its commands, so a command loads only its module', async () => {
    const paths = new Set<string>()
    for (const module of commandModules) {
      const commands = await module.load()
      expect(commands.length).toBeGreaterThan(0)
      for (const command of commands) {
        expect(module.words).toContain(command.path[0])
        const path = command.path.join(' ')
        expect(paths.has(path), `${path} is defined twice`).toBe(false)
        paths.add(path)
      }
    }
    // Every declared word names at least one command of that module.
    for (const module of commandModules) {
      const firsts = new Set((await module.load()).map((c) => c.path[0]))
      for (const word of module.words) expect(firsts.has(word), `${word} declared but unused`).toBe(true)
    }
  })

  it('lists every command in the overview and runs help for one of them', async () => {
    const overview = await runCli(['--help'])
    expect(overview.code).toBe(0)
    for (const module of commandModules) {
      for (const command of await module.load())
        expect(overview.stdout).toContain(`airlock ${command.path.join(' ')}`)
    }
    const help = await runCli(['audit', 'verify', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--public-key')
    // `safe` spans two modules: the offline tools and the coordinator's Safe registry.
    expect((await runCli(['safe', 'hash', '--help'])).code).toBe(0)
    expect((await runCli(['safe', 'add', '--help'])).code).toBe(0)
  })

  it('names an unknown command with a usage error', async () => {
    const unknown = await runCli(['frobnicate', 'now'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe(
      "airlock: Unknown command: airlock frobnicate now. Run 'airlock --help' for the list of commands.\n",
    )
    expect((await runCli([])).code).toBe(2)
  })
})

describe('hints name commands that exist', () => {
  it('every `airlock …` in a hint starts with a real command path (or names a command group)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const root = join(import.meta.dirname, '..', '..', '..')
    const commands = (await Promise.all(commandModules.map((m) => m.load()))).flat().map((c) => c.path)
    const files: string[] = []
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules') continue
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.name.endsWith('.ts') && !entry.name.includes('.test')) files.push(path)
      }
    }
    walk(join(root, 'apps', 'cli', 'src'))
    for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'src'))
    const wrong: string[] = []
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      for (const hint of text.matchAll(/hint:\s*([`'"])((?:(?!\1)[\s\S])*)\1/g)) {
        for (const mention of hint[2]!.matchAll(/\bairlock((?: [a-z][a-z-]*)+)/g)) {
          const words = mention[1]!.trim().split(' ')
          const known = commands.some(
            (path) =>
              path.every((word, i) => words[i] === word) ||
              (words.length < path.length && words.every((word, i) => path[i] === word)),
          )
          if (!known) wrong.push(`${file.slice(root.length + 1)}: airlock ${words.join(' ')}`)
        }
      }
    }
    expect(wrong).toEqual([])
  })
})
