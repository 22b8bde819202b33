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
