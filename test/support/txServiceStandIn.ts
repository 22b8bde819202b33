// A local stand-in for the Safe Transaction Service, following shared/reference/safe-transaction-service.md:
// the endpoints a coordinator uses, with the service's paths, casing, pagination, error bodies and
// status codes. It reads owners, threshold, nonce and version through `safeState` (live from anvil in
// the tests, as the real service reads its node). `lie` makes it return altered data, as a compromised
// or buggy service would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TransactionService } from '@airlock/coordinator-core'
import { SafeMessage, SafeTx, SafeTxHash, type SafeVersion, Signature } from '@airlock/safe'
import { type Address, getAddress, type Hex, isAddress } from 'viem'

export type SafeState = {
  chainId: bigint
  version: SafeVersion.SafeVersion
  owners: readonly Address[]
  threshold: number
  nonce: bigint
}

type StoredTx = {
  safe: Address
  tx: SafeTx.SafeTx
  safeTxHash: Hex
  submissionDate: string
  modified: string
  proposer: Address
  origin: string
  confirmations: { owner: Address; signature: Hex; submissionDate: string; signatureType: string }[]
  isExecuted: boolean
  dataDecoded: unknown
}

type StoredMessage = {
  safe: Address
  message: unknown
  messageHash: Hex
  proposedBy: Address
  created: string
  modified: string
  confirmations: { owner: Address; signature: Hex; created: string; signatureType: string }[]
}

export type StandIn = {
  url: string
  /** Requests received, as "METHOD path?query". */
  readonly requests: string[]
  /** Return altered fields for this transaction (the stored copy is unchanged). */
  lie(safeTxHash: Hex, fields: Record<string, unknown>): void
  /** Answer the next request with this status and body. */
  failNext(status: number, body: unknown): void
  markExecuted(safeTxHash: Hex): void
  close(): Promise<void>
}

const now = () => new Date().toISOString().replace('Z', '000Z')

/**
 * Starts the stand-in on 127.0.0.1 (a random port). Its `url` ends in `/api`, as api-kit expects.
 *
 * @example
 * const service = await startStandIn({ safeState: async (safe) => readFromAnvil(safe) })
 */
export async function startStandIn({
  safeState,
}: {
  safeState: (safe: Address) => Promise<SafeState | undefined>
}): Promise<StandIn> {
  const txs = new Map<string, StoredTx>()
  const messages = new Map<string, StoredMessage>()
  const lies = new Map<string, Record<string, unknown>>()
  const requests: string[] = []
  let failure: { status: number; body: unknown } | undefined

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { exception: String(error) })
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    requests.push(`${req.method} ${url.pathname}${url.search}`)
    if (failure) {
      const { status, body } = failure
      failure = undefined
      return send(res, status, body)
    }
    if (!url.pathname.startsWith('/api/')) return sendHtml404(res)
    // Django's APPEND_SLASH: a slash-less GET is redirected (query kept).
    if (!url.pathname.endsWith('/')) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.writeHead(301, { location: `${url.pathname}/${url.search}` })
        return void res.end()
      }
      return send(res, 500, { detail: 'slash-less write' })
    }
    const parts = url.pathname.split('/').filter(Boolean).slice(1) // drop "api"
    const body = req.method === 'POST' ? await readBody(req) : undefined
    const route = `${req.method} ${parts.map((p, i) => (i >= 2 && (p.startsWith('0x') || /^\d+$/.test(p)) ? ':x' : p)).join('/')}`

    switch (route) {
      case 'GET v1/about':
        return send(res, 200, {
          name: 'Safe Transaction Service',
          version: '6.10.1',
          api_version: 'v1',
          secure: false,
        })
      case 'GET v1/safes/:x': {
        const safe = checksummed(parts[2]!, res)
        if (!safe) return
        const state = await safeState(safe)
        if (!state) return send(res, 404, '')
        return send(res, 200, {
          address: safe,
          nonce: state.nonce.toString(),
          threshold: state.threshold,
          owners: state.owners,
          masterCopy: '0x41675C099F32341bf84BFc5382aF534df5C7461a',
          modules: [],
          fallbackHandler: '0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99',
          guard: '0x0000000000000000000000000000000000000000',
          moduleGuard: '0x0000000000000000000000000000000000000000',
          version: state.version,
        })
      }
      case 'GET v2/safes/:x/multisig-transactions': {
        const safe = checksummed(parts[2]!, res)
        if (!safe) return
        return sendList(res, url, listTxs(safe, url.searchParams).map(txJson), {
          countUniqueNonce: new Set([...txs.values()].filter((t) => t.safe === safe).map((t) => t.tx.nonce))
            .size,
        })
      }
      case 'POST v2/safes/:x/multisig-transactions':
        return propose(parts[2]!, body, res)
      case 'GET v2/multisig-transactions/:x': {
        const stored = txs.get(parts[2]!.toLowerCase())
        if (!stored) return send(res, 404, { detail: 'No MultisigTransaction matches the given query.' })
        return send(res, 200, txJson(stored))
      }
      case 'GET v1/multisig-transactions/:x/confirmations': {
        const stored = txs.get(parts[2]!.toLowerCase())
        const list = (stored?.confirmations ?? []).map((c) => confirmationJson(c))
        return sendList(res, url, list, {})
      }
      case 'POST v1/multisig-transactions/:x/confirmations':
        return confirmTx(parts[2]!.toLowerCase() as Hex, body, res)
      case 'GET v1/safes/:x/messages': {
        const safe = checksummed(parts[2]!, res)
        if (!safe) return
        const list = [...messages.values()].filter((m) => m.safe === safe).reverse()
        return sendList(res, url, list.map(messageJson), {})
      }
      case 'POST v1/safes/:x/messages':
        return addMessage(parts[2]!, body, res)
      case 'GET v1/messages/:x': {
        const stored = messages.get(parts[2]!.toLowerCase())
        if (!stored) return send(res, 404, { detail: 'No SafeMessage matches the given query.' })
        return send(res, 200, messageJson(stored))
      }
      case 'POST v1/messages/:x/signatures':
        return addMessageSignature(parts[2]!.toLowerCase() as Hex, body, res)
      default:
        return sendHtml404(res)
    }
  }

  function listTxs(safe: Address, query: URLSearchParams): StoredTx[] {
    let list = [...txs.values()].filter((t) => t.safe === safe)
    const executed = query.get('executed')
    if (executed === 'false' || executed === 'False') list = list.filter((t) => !t.isExecuted)
    if (executed === 'true' || executed === 'True') list = list.filter((t) => t.isExecuted)
    const gte = query.get('nonce__gte')
    if (gte !== null && /^\d+$/.test(gte)) list = list.filter((t) => t.tx.nonce >= BigInt(gte))
    const trusted = query.get('trusted')
    if (trusted !== 'false' && trusted !== 'False') list = list.filter((t) => t.confirmations.length > 0)
    const ordering = query.get('ordering') === 'nonce' ? 1 : -1
    return list.sort((a, b) =>
      a.tx.nonce === b.tx.nonce
        ? b.submissionDate.localeCompare(a.submissionDate)
        : a.tx.nonce < b.tx.nonce
          ? -ordering
          : ordering,
    )
  }

  async function propose(pathSafe: string, body: Record<string, unknown> | undefined, res: ServerResponse) {
    const safe = checksummed(pathSafe, res)
    if (!safe || !body) return
    const state = await safeState(safe)
    if (!state) {
      return send(res, 422, {
        nonFieldErrors: [
          `Could not get Safe ${safe} owners from blockchain, check contract exists on network`,
        ],
      })
    }
    let tx: SafeTx.SafeTx
    try {
      tx = SafeTx.from({ ...body, data: body.data ?? '0x' })
    } catch (error) {
      return send(res, 422, { nonFieldErrors: [String(error)] })
    }
    const computed = SafeTxHash.compute({
      tx,
      context: { chainId: state.chainId, safe, version: state.version },
    }).safeTxHash
    if (String(body.contractTransactionHash).toLowerCase() !== computed) {
      return send(res, 422, {
        nonFieldErrors: [
          `Contract-transaction-hash=${computed} does not match provided contract-tx-hash=${String(body.contractTransactionHash)}`,
        ],
      })
    }
    const sender =
      typeof body.sender === 'string' && isAddress(body.sender) ? getAddress(body.sender) : undefined
    if (!sender || !state.owners.includes(sender)) {
      return send(res, 422, {
        nonFieldErrors: [
          `Sender=${String(body.sender)} is not an owner or delegate. Current owners=[${state.owners.join(', ')}]. Delegates=set()`,
        ],
      })
    }
    const confirmations: StoredTx['confirmations'] = []
    if (typeof body.signature === 'string') {
      const owner = ownerOf(body.signature as Hex, computed)
      if (owner !== sender) {
        return send(res, 422, {
          nonFieldErrors: [`Signature does not match sender=${sender}. Calculated owners=[${owner ?? ''}]`],
        })
      }
      confirmations.push({
        owner,
        signature: body.signature as Hex,
        submissionDate: now(),
        signatureType: 'EOA',
      })
    }
    if (!txs.has(computed)) {
      txs.set(computed, {
        safe,
        tx,
        safeTxHash: computed,
        submissionDate: now(),
        modified: now(),
        proposer: sender,
        origin: typeof body.origin === 'string' ? body.origin : '{}',
        confirmations,
        isExecuted: false,
        dataDecoded: null,
      })
    }
    return send(res, 201, '')
  }

  async function confirmTx(safeTxHash: Hex, body: Record<string, unknown> | undefined, res: ServerResponse) {
    if (!body || typeof body.signature !== 'string')
      return send(res, 400, { signature: ['This field is required.'] })
    const stored = txs.get(safeTxHash)
    if (!stored)
      return send(res, 404, { detail: `Multisig transaction with safe-tx-hash=${safeTxHash} was not found` })
    if (stored.isExecuted)
      return send(res, 400, {
        signature: [`Transaction with safe-tx-hash=${safeTxHash} was already executed`],
      })
    const state = await safeState(stored.safe)
    const owner = ownerOf(body.signature as Hex, safeTxHash)
    if (!owner || !state?.owners.includes(owner)) {
      return send(res, 400, {
        signature: [
          `Signer=${owner ?? '0x0000000000000000000000000000000000000000'} is not an owner. Current owners=[${state?.owners.join(', ')}]`,
        ],
      })
    }
    if (!stored.confirmations.some((c) => c.owner === owner)) {
      stored.confirmations.push({
        owner,
        signature: body.signature as Hex,
        submissionDate: now(),
        signatureType: 'EOA',
      })
      stored.modified = now()
    }
    return send(res, 201, { signature: body.signature })
  }

  async function addMessage(
    pathSafe: string,
    body: Record<string, unknown> | undefined,
    res: ServerResponse,
  ) {
    const safe = checksummed(pathSafe, res)
    if (!safe || !body) return
    const state = await safeState(safe)
    if (!state) return send(res, 404, '')
    const message = body.message
    if (typeof message !== 'string' && (typeof message !== 'object' || message === null)) {
      return send(res, 400, { message: ['Provided value is not a valid message'] })
    }
    const { messageHash } = SafeMessage.hash({
      message: message as SafeMessage.Message,
      context: { chainId: state.chainId, safe, version: state.version },
    })
    if (messages.has(messageHash)) {
      return send(res, 400, {
        nonFieldErrors: [`Message with hash ${messageHash} for safe ${safe} already exists in DB`],
      })
    }
    const owner = typeof body.signature === 'string' ? ownerOf(body.signature as Hex, messageHash) : undefined
    if (!owner || !state.owners.includes(owner)) {
      return send(res, 400, { nonFieldErrors: [`${owner ?? 'signer'} is not an owner of the Safe`] })
    }
    messages.set(messageHash, {
      safe,
      message,
      messageHash,
      proposedBy: owner,
      created: now(),
      modified: now(),
      confirmations: [{ owner, signature: body.signature as Hex, created: now(), signatureType: 'EOA' }],
    })
    return send(res, 201, '')
  }

  async function addMessageSignature(
    messageHash: Hex,
    body: Record<string, unknown> | undefined,
    res: ServerResponse,
  ) {
    const stored = messages.get(messageHash)
    if (!stored) return send(res, 404, { detail: 'No SafeMessage matches the given query.' })
    const state = await safeState(stored.safe)
    const owner =
      typeof body?.signature === 'string' ? ownerOf(body.signature as Hex, messageHash) : undefined
    if (!owner || !state?.owners.includes(owner)) {
      return send(res, 400, { nonFieldErrors: [`${owner ?? 'signer'} is not an owner of the Safe`] })
    }
    if (stored.confirmations.some((c) => c.owner === owner)) {
      return send(res, 400, { nonFieldErrors: [`Signature for owner ${owner} already exists`] })
    }
    stored.confirmations.push({
      owner,
      signature: body!.signature as Hex,
      created: now(),
      signatureType: 'EOA',
    })
    stored.modified = now()
    return send(res, 201, '')
  }

  function txJson(t: StoredTx): Record<string, unknown> {
    const json = {
      safe: t.safe,
      to: t.tx.to,
      value: t.tx.value.toString(),
      data: t.tx.data === '0x' ? null : t.tx.data,
      operation: t.tx.operation,
      gasToken: t.tx.gasToken,
      safeTxGas: t.tx.safeTxGas.toString(),
      baseGas: t.tx.baseGas.toString(),
      gasPrice: t.tx.gasPrice.toString(),
      refundReceiver: t.tx.refundReceiver,
      nonce: t.tx.nonce.toString(),
      executionDate: null,
      submissionDate: t.submissionDate,
      modified: t.modified,
      blockNumber: null,
      transactionHash: null,
      safeTxHash: t.safeTxHash,
      proposer: t.proposer,
      proposedByDelegate: null,
      executor: null,
      isExecuted: t.isExecuted,
      isSuccessful: null,
      origin: t.origin,
      dataDecoded: t.dataDecoded,
      confirmationsRequired: 0,
      confirmations: t.confirmations.map(confirmationJson),
      trusted: t.confirmations.length > 0,
      signatures: null,
    }
    return { ...json, ...(lies.get(t.safeTxHash) ?? {}) }
  }

  // Like a service behind a proxy: idle keep-alive connections stay open a while.
  server.keepAliveTimeout = 60_000
  const server_ = await new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
  const { port } = server_.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api`,
    requests,
    lie: (safeTxHash, fields) => lies.set(safeTxHash.toLowerCase(), fields),
    failNext: (status, body) => {
      failure = { status, body }
    },
    markExecuted: (safeTxHash) => {
      const stored = txs.get(safeTxHash.toLowerCase())
      if (stored) stored.isExecuted = true
    },
    close: () => new Promise<void>((resolve) => server_.close(() => resolve())),
  }
}

function confirmationJson(c: {
  owner: Address
  signature: Hex
  submissionDate: string
  signatureType: string
}) {
  return {
    owner: c.owner,
    submissionDate: c.submissionDate,
    transactionHash: null,
    signature: c.signature,
    signatureType: c.signatureType,
  }
}

function messageJson(m: StoredMessage) {
  return {
    created: m.created,
    modified: m.modified,
    safe: m.safe,
    messageHash: m.messageHash,
    message: m.message,
    proposedBy: m.proposedBy,
    safeAppId: null,
    confirmations: m.confirmations.map((c) => ({
      created: c.created,
      modified: c.created,
      owner: c.owner,
      signature: c.signature,
      signatureType: c.signatureType,
    })),
    preparedSignature: null,
    origin: '{}',
  }
}

/** The owner an EOA signature recovers to over `hash` (undefined for anything else). */
function ownerOf(signature: Hex, hash: Hex): Address | undefined {
  try {
    const [entry] = Signature.parse(signature)
    if (!entry || (entry.type !== 'ecdsa' && entry.type !== 'eth_sign')) return undefined
    return Signature.recover({ signature: entry, safeTxHash: hash })
  } catch {
    return undefined
  }
}

function checksummed(address: string, res: ServerResponse): Address | undefined {
  if (isAddress(address, { strict: true }) && getAddress(address) === address) return address as Address
  send(res, 422, { code: 1, message: 'Checksum address validation failed', arguments: [address] })
  return undefined
}

function sendList(res: ServerResponse, url: URL, all: unknown[], extra: Record<string, unknown>) {
  const limitRaw = Number(url.searchParams.get('limit'))
  const limit = Number.isInteger(limitRaw) && limitRaw > 0 ? Math.min(limitRaw, 200) : 100
  const offsetRaw = Number(url.searchParams.get('offset'))
  const offset = Number.isInteger(offsetRaw) && offsetRaw > 0 ? offsetRaw : 0
  const page = all.slice(offset, offset + limit)
  const link = (o: number) => {
    const next = new URL(url)
    next.searchParams.set('limit', String(limit))
    if (o > 0) next.searchParams.set('offset', String(o))
    else next.searchParams.delete('offset')
    next.searchParams.sort()
    return next.toString()
  }
  send(res, 200, {
    count: all.length,
    next: offset + limit < all.length ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
    results: page,
    ...extra,
  })
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = body === '' ? '' : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(text)
}

function sendHtml404(res: ServerResponse) {
  res.writeHead(404, { 'content-type': 'text/html' })
  res.end('<h1>Not Found</h1>')
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if (text === '') return {}
  const parsed = JSON.parse(text) as unknown
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
}

/**
 * Proposes the way Safe{Wallet} does: api-kit against `url`, the proposer's own signature over the hash.
 *
 * @example
 * const safeTxHash = await proposeAsSafeWallet({ url: service.url, context, tx, proposer: alice })
 */
export async function proposeAsSafeWallet({
  url,
  context,
  tx,
  proposer,
}: {
  url: string
  context: SafeTx.SafeContext
  tx: SafeTx.SafeTx
  proposer: { address: Address; sign(input: { hash: Hex }): Promise<Hex> }
}): Promise<Hex> {
  const api = TransactionService.client({ chainId: context.chainId, url }).api
  const safeTxHash = SafeTxHash.compute({ tx, context }).safeTxHash
  await api.proposeTransaction({
    safeAddress: context.safe,
    safeTransactionData: {
      to: tx.to,
      value: tx.value.toString(),
      data: tx.data,
      operation: tx.operation,
      safeTxGas: tx.safeTxGas.toString(),
      baseGas: tx.baseGas.toString(),
      gasPrice: tx.gasPrice.toString(),
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
      nonce: Number(tx.nonce),
    },
    safeTxHash,
    senderAddress: proposer.address,
    senderSignature: await proposer.sign({ hash: safeTxHash }),
    origin: JSON.stringify({ url: 'https://app.safe.global', name: 'Safe{Wallet}' }),
  })
  return safeTxHash
}
