// Worker for verifyParallel (verifyParallel.node.ts): checks batches of Ed25519 signatures.
// Plain JavaScript on purpose: it loads without a TypeScript loader (tsx, vitest), so starting it
// costs a few milliseconds.
import { parentPort, workerData } from 'node:worker_threads'
import { verifierFor } from './ed25519Verify.node.mjs'

const check = verifierFor(workerData.publicKey)

// A batch: bodies concatenated, ends[j] = end offset of body j, sigs = 64 bytes per entry.
// Replies with the first failing index in the batch, or -1.
parentPort.on('message', ({ id, bodies, ends, sigs }) => {
  let bad = -1
  let begin = 0
  for (let j = 0; j < ends.length; j++) {
    const end = ends[j]
    if (!check(bodies.subarray(begin, end), sigs.subarray(j * 64, j * 64 + 64))) {
      bad = j
      break
    }
    begin = end
  }
  parentPort.postMessage({ id, bad })
})
