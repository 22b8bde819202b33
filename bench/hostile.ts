// Hostile input benchmark: how long each guard takes to refuse a bomb or a deep nest (checked before the
// expensive work, so it should be milliseconds), and the fuzz harness's per-input cost.
//   npm run bench hostile            (through bench/run.ts)
//   node --import tsx bench/hostile.ts   (standalone: prints the table)
import { Json } from '@airlock/errors'
import { Bundle } from '@airlock/policy'
import { SignRequest } from '@airlock/transport'
import { decodePng } from '@airlock/transport/images'
import { deepCbor, deepJsonText, deepValue, pngBombs } from '../test/support/fuzz.ts'
import { type BenchTable, format, median } from './table.ts'

const RUNS = 15

async function timeRefusal(run: () => unknown): Promise<{ ms: number[]; error: string }> {
  const ms: number[] = []
  let error = 'accepted'
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    try {
      await run()
    } catch (e) {
      error = (e as Error).name
    }
    ms.push(performance.now() - start)
  }
  return { ms, error }
}

export async function runHostileBench(): Promise<BenchTable[]> {
  const inputs: { input: string; bytes: number; run: () => unknown }[] = [
    ...pngBombs().map((bomb) => ({
      input: `PNG: ${bomb.name}`,
      bytes: bomb.bytes.length,
      run: () => decodePng(bomb.bytes),
    })),
    ...[10_000, 100_000].map((depth) => ({
      input: `sign request: ${depth.toLocaleString('en-US')}-deep CBOR`,
      bytes: depth + 1,
      run: () => SignRequest.decode(deepCbor(depth)),
    })),
    ...[10_000, 1_000_000].map((depth) => ({
      input: `JSON text: ${depth.toLocaleString('en-US')}-deep`,
      bytes: 2 * depth + 1,
      run: () => Json.parse(deepJsonText(depth)),
    })),
    {
      input: 'policy bundle: org 10,000 deep (parsed object)',
      bytes: 0,
      run: () => Bundle.parse({ org: deepValue(10_000) }),
    },
  ]
  const rows: BenchTable['rows'] = []
  for (const { input, bytes, run } of inputs) {
    const { ms, error } = await timeRefusal(run)
    rows.push({ input, bytes, 'refused with': error, 'median ms': median(ms), 'max ms': Math.max(...ms) })
  }
  return [
    {
      title: 'Hostile input: time to a typed refusal',
      rows,
      notes: [`${RUNS} runs each; input construction included for the CBOR and JSON rows, excluded for PNG.`],
    },
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const table of await runHostileBench()) process.stdout.write(`${format(table)}\n`)
}
