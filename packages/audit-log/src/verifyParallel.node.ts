/**
 * `verify` with every signature checked on worker threads (Node only). The main thread runs the
 * sequential checks (parse, canonical bytes, hashes, links, seq, time, key id) exactly as `verify`
 * does and streams each entry's canonical body and signature, as raw bytes, to the workers; the
 * earliest failure of either kind wins, so the result equals `verify(..., { signatures: 'every' })`.
 */
import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { nodeEd25519 } from './ed25519.node.ts'
import { InvalidInputError, VerifyWorkerError } from './errors.ts'
import {
  signatureMessage,
  type VerifyParameters,
  type VerifyReturnType,
  verify,
  verifyLines,
} from './verify.ts'

export type VerifyParallelParameters = Omit<VerifyParameters, 'ed25519' | 'signatures'> & {
  /** Worker threads to use (default: `os.availableParallelism()`). */
  workers?: number | undefined
  /** Logs with fewer entries are verified on the calling thread: starting workers would cost more. */
  minEntries?: number | undefined
  /** Entries per message to a worker. */
  batchSize?: number | undefined
}

const workerUrl = new URL('./verifyWorker.node.mjs', import.meta.url)

/**
 * Verifies a log like `verify(log, { signatures: 'every', ed25519: nodeEd25519 })`, checking the
 * Ed25519 signatures on `workers` threads while this thread checks everything else. Same result,
 * same `firstBad`; several times faster on a multi-core machine. Workers live for one call. Logs
 * under `minEntries` (default 2,000) are verified on this thread.
 *
 * @example
 * const result = await verifyParallel(readFileSync(path), { publicKey })
 * if (!result.ok) console.log(`line ${result.firstBad?.line}: ${result.firstBad?.reason}`)
 */
export async function verifyParallel(
  log: string | Uint8Array,
  parameters: VerifyParallelParameters,
): Promise<VerifyReturnType> {
  const { workers = availableParallelism(), minEntries = 2_000, batchSize = 256, ...options } = parameters
  if (!Number.isSafeInteger(workers) || workers < 1 || !Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new InvalidInputError('workers and batchSize must be positive integers.', {
      hint: 'Leave them out to use one worker per core and the default batch size.',
    })
  }
  if (!hasLines(log, minEntries))
    return verify(log, { ...options, ed25519: nodeEd25519, signatures: 'every' })

  const pool = new Pool(options.publicKey, workers)
  // Signature verdicts per batch, in line order: entry `index` is on line index + 1.
  const verdicts: Promise<number>[] = []
  const seqs: number[] = []
  let batch = new Batch(batchSize)
  let base = 0
  const flush = () => {
    if (batch.count === 0) return
    verdicts.push(pool.check(batch, base))
    base += batch.count
    batch = new Batch(batchSize)
  }
  try {
    const result = verifyLines(log, { ...options, signatures: 'every' }, (entry, encoded) => {
      if (createHash('sha256').update(encoded.signed).digest('hex') !== entry.hash) return 'hash'
      seqs.push(entry.seq)
      batch.add(encoded.body, entry.sig)
      if (batch.count === batchSize) flush()
      return undefined
    })
    flush()
    let bad = -1
    for (const verdict of await Promise.all(verdicts)) {
      if (verdict >= 0) {
        bad = verdict
        break
      }
    }
    // Every queued entry passed the checks before its signature, and later checks stop at the first
    // failure, so a bad signature at `bad` is never after the sequential failure: it comes first.
    if (bad < 0) return result
    const entries = result.entries.slice(0, bad)
    const last = entries[entries.length - 1]
    const seq = seqs[bad] as number
    return {
      ok: false,
      entries,
      head: last === undefined ? undefined : { seq: last.seq, hash: last.hash, time: last.time },
      firstBad: { line: bad + 1, seq, reason: 'signature', message: signatureMessage(seq) },
    }
  } finally {
    await pool.close()
  }
}

/** True when the log has at least `count` newline-terminated lines (stops counting there). */
function hasLines(log: string | Uint8Array, count: number): boolean {
  let found = 0
  let at = -1
  while (found < count) {
    at = typeof log === 'string' ? log.indexOf('\n', at + 1) : log.indexOf(0x0a, at + 1)
    if (at < 0) return false
    found++
  }
  return true
}

/** Signature inputs as compact bytes: bodies back to back, their end offsets, 64-byte signatures. */
class Batch {
  count = 0
  private used = 0
  private bodies: Buffer
  readonly ends: Uint32Array
  readonly sigs: Buffer

  constructor(size: number) {
    // Fresh ArrayBuffers (not Buffer's shared pool) so they can be transferred to a worker.
    this.bodies = Buffer.from(new ArrayBuffer(size * 768))
    this.ends = new Uint32Array(size)
    this.sigs = Buffer.from(new ArrayBuffer(size * 64))
  }

  add(body: string, sigHex: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const need = this.used + body.length * 3
    if (need > this.bodies.length) {
      const grown = Buffer.from(new ArrayBuffer(Math.max(need, this.bodies.length * 2)))
      this.bodies.copy(grown, 0, 0, this.used)
      this.bodies = grown
    }
    this.used += this.bodies.write(body, this.used, 'utf8')
    // parseLine guarantees 128 lowercase hex characters.
    this.sigs.write(sigHex, this.count * 64, 64, 'hex')
    this.ends[this.count] = this.used
    this.count++
  }

  message(id: number) {
    return {
      id,
      bodies: this.bodies.subarray(0, this.used),
      ends: this.ends.subarray(0, this.count),
      sigs: this.sigs.subarray(0, this.count * 64),
    }
  }

  get transfer(): ArrayBuffer[] {
    return [this.bodies.buffer, this.ends.buffer, this.sigs.buffer] as ArrayBuffer[]
  }
}

type Waiter = { resolve: (bad: number) => void; reject: (error: unknown) => void; base: number }

/** Workers for one call, fed round-robin; each batch resolves to the global index of its first bad signature, or -1. */
class Pool {
  private readonly workers: Worker[] = []
  private readonly waiting = new Map<number, Waiter>()
  private nextId = 0

  constructor(
    private readonly publicKey: Uint8Array,
    private readonly size: number,
  ) {}

  check(batch: Batch, base: number): Promise<number> {
    const id = this.nextId++
    const worker = this.workers[id % this.size] ?? this.start()
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, base })
      worker.postMessage(batch.message(id), batch.transfer)
    })
  }

  async close(): Promise<void> {
    // Nobody waits any more (done, or the main pass threw): exits must not reject unobserved promises.
    this.waiting.clear()
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }

  // Started on first use, so their startup overlaps the main thread's work on the first batches.
  private start(): Worker {
    // No execArgv: the worker is plain JavaScript and needs no TypeScript loader.
    const worker = new Worker(workerUrl, { workerData: { publicKey: this.publicKey.slice() }, execArgv: [] })
    worker.on('message', ({ id, bad }: { id: number; bad: number }) => {
      const waiter = this.waiting.get(id)
      this.waiting.delete(id)
      waiter?.resolve(bad < 0 ? -1 : waiter.base + bad)
    })
    const failAll = (cause: unknown) => {
      for (const [id, waiter] of this.waiting) {
        this.waiting.delete(id)
        waiter.reject(
          new VerifyWorkerError('A signature-verification worker stopped before it finished.', {
            hint: 'Verify again; if it keeps failing, use verify() with nodeEd25519 on one thread.',
            cause,
          }),
        )
      }
    }
    worker.on('error', failAll)
    worker.on('exit', (code) => failAll(new Error(`worker exited with code ${code}`)))
    this.workers.push(worker)
    return worker
  }
}
