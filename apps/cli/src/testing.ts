import type { Io } from './io.ts'
import { main } from './main.ts'

/**
 * Runs the CLI in-process with captured output, for tests.
 *
 * @example
 * const { code, stdout } = await runCli(['safe', 'hash', '--help'])
 */
export async function runCli(
  argv: string[],
  {
    stdin = new Uint8Array(),
    cwd = process.cwd(),
  }: { stdin?: Uint8Array | undefined; cwd?: string | undefined } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    readStdin: async () => stdin,
    cwd,
  }
  const code = await main(argv, io)
  return { code, stdout, stderr }
}
