// Worker for verifyParallel (verifyParallel.node.ts): checks batches of Ed25519 signatures.
// Plain JavaScript on purpose: it loads without a TypeScript loader (tsx, vitest) and only needs
// node:crypto, so starting it costs a few milliseconds.
import { createPublicKey, verify } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'

// DER prefix that wraps a raw 32-byte Ed25519 public key (RFC 8410).
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex')
const key = createPublicKey({
  key: Buffer.concat([spkiPrefix, workerData.publicKey]),
  format: 'der',
  type: 'spki',
})

// A batch: bodies concatenated, ends[j] = end offset of body j, sigs = 64 bytes per entry.
// Replies with the first failing index in the batch, or -1.
parentPort.on('message', ({ id, bodies, ends, sigs }) => {
  let bad = -1
  let begin = 0
  for (let j = 0; j < ends.length; j++) {
    const end = ends[j]
    let ok
    try {
      ok = verify(null, bodies.subarray(begin, end), key, sigs.subarray(j * 64, j * 64 + 64))
    } catch {
      ok = false
    }
    if (!ok) {
      bad = j
      break
    }
    begin = end
  }
  parentPort.postMessage({ id, bad })
})
