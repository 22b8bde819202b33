import type { Failure, LedgerDevice } from '@airlock/devices'
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
    openLedger,
  }: {
    stdin?: Uint8Array | undefined
    cwd?: string | undefined
    /** The Ledger the command sees (e.g. an EthAppSimulator behind a LedgerDevice). */
    openLedger?: (() => Promise<LedgerDevice | Failure>) | undefined
  } = {},
): Promise<{ code: number; stdout: string; stdoutBytes: Uint8Array; stderr: string }> {
  let stdout = ''
  const chunks: Uint8Array[] = []
  let stderr = ''
  const io: Io = {
    stdout: (text) => {
      stdout += text
    },
    stdoutBytes: (bytes) => {
      chunks.push(bytes)
    },
    stderr: (text) => {
      stderr += text
    },
    readStdin: async () => stdin,
    cwd,
    isTty: false,
    openLedger,
  }
  const code = await main(argv, io)
  const stdoutBytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    stdoutBytes.set(chunk, offset)
    offset += chunk.length
  }
  return { code, stdout, stdoutBytes, stderr }
}
