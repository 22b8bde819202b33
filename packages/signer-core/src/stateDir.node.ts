// Node only: the signer's state directory. It holds the decision log (the signer's only memory),
// the log key, the installed policy bundle and, for tests and the demo, a software key.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { type AuditEntry, AuditKey, type Clock, parse as parseLog } from '@airlock/audit-log'
import { inspectLog, loadKey, nodeEd25519, openLog, saveKey } from '@airlock/audit-log/node'
import { type BaseError, isBaseError, Json } from '@airlock/errors'
import { Bundle, type CedarApi } from '@airlock/policy'
import type { Hex } from 'viem'
import * as DecisionLog from './DecisionLog.ts'
import { InvalidKeystoneStateError, KeyNotWiredError, StateDirError } from './errors.ts'
import * as Keystone from './Keystone.ts'
import { Signer } from './Signer.ts'

export const files = {
  log: 'decisions.jsonl',
  logKey: 'audit.key',
  bundle: 'policy-bundle.json',
  devKey: 'dev-key.json',
  keystone: 'keystone.json',
  keystonePending: 'keystone-pending.json',
} as const

/** An open state directory: the engine on its file log. Close it to release the log's lock. */
export type StateDir = {
  dir: string
  signer: Signer
  log: DecisionLog.DecisionLog & { publicKey: Uint8Array }
  /** Verifies and installs a bundle through the engine, then stores it next to the log. */
  installBundle(bundle: unknown): ReturnType<Signer['installBundle']>
  /** The software key stored in the directory, if any. */
  devKey(): Promise<Hex | undefined>
  /** Stores a software key (0600); refuses to overwrite one. */
  saveDevKey(privateKey: Hex): Promise<void>
  /** The Keystone owner account stored with `saveKeystoneAccount`, if any. */
  keystoneAccount(): Promise<Keystone.Account | undefined>
  /** Stores (replaces) the Keystone owner account, atomically. */
  saveKeystoneAccount(account: Keystone.Account): Promise<void>
  /** Keystone requests shown and not answered yet, oldest first. */
  keystonePending(): Promise<Keystone.Pending[]>
  /** Adds a pending Keystone request (atomic rewrite of the pending file). */
  addKeystonePending(pending: Keystone.Pending): Promise<void>
  /** Forgets an answered Keystone request, so its signature is accepted once. */
  removeKeystonePending(requestId: string): Promise<void>
  close(): Promise<void>
}

/**
 * The state directory to use: the given one, else `$AIRLOCK_SIGNER_HOME`, else `~/.airlock/signer`.
 *
 * @example
 * resolveStateDir(undefined) // '/home/me/.airlock/signer'
 */
export function resolveStateDir(dir: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return dir ?? env.AIRLOCK_SIGNER_HOME ?? join(homedir(), '.airlock', 'signer')
}

/** How to recover a state directory whose audit key or bundle file is lost (`airlock sign init`). */
export type RecoverParameters = {
  /**
   * The signed bundle the caller is about to install. When `policy-bundle.json` is missing or damaged
   * and this is the very bundle the log says was installed last, the file is restored from it.
   */
  restoreBundle?: unknown
  /**
   * Re-initialise with a new audit key because the old one is lost or damaged: the old log (and key
   * and bundle file) are kept aside as `*.retired-<time>`, a new log starts with a new key and records
   * why. The policy admins must enrol the new key. Refused when the key is fine.
   */
  newAuditKey?: boolean | undefined
}

/**
 * Opens (creating if needed) a state directory: log key, file log (torn tail repaired and recorded),
 * and the engine with the stored bundle checked against the log. A key is created only with a new
 * log: a missing, damaged or foreign key next to an existing log is a StateDirError with the recovery.
 *
 * @example
 * const state = await openStateDir({ dir, cedar })
 * try { await state.signer.approve(request, { key }) } finally { await state.close() }
 */
export async function openStateDir({
  dir,
  cedar,
  clock = () => new Date(),
  restoreBundle,
  newAuditKey = false,
}: {
  dir: string
  cedar: CedarApi
  clock?: Clock | undefined
} & RecoverParameters): Promise<StateDir> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const keyPath = join(dir, files.logKey)
  const logPath = join(dir, files.log)
  const retired = newAuditKey ? await retireLostKey({ dir, clock }) : undefined
  const auditSigner = AuditKey.signer(await logKey({ keyPath, logPath }), { ed25519: nodeEd25519 })
  const file = await openLog({ path: logPath, signer: auditSigner, clock, onTorn: 'repair' })
  if (retired) {
    await file.append({
      event: 'log-recovered',
      decision: 'audit-key-replaced',
      reasons: [
        `the audit key was lost or damaged: ${retired.why}`,
        `the previous log is kept as ${retired.log} (${retired.entries} entries)`,
        `new audit key ${AuditKey.id(auditSigner.publicKey)}: the policy admins must enrol it before this log is trusted`,
      ],
      data: {
        previousLog: retired.log,
        previousEntries: retired.entries,
        newPublicKey: AuditKey.toHex(auditSigner.publicKey),
      },
    })
  }
  let signer: Signer
  try {
    const entries: AuditEntry.Entry[] = parseLog((await inspectLog(logPath)).text)
    const log: StateDir['log'] = {
      entries,
      publicKey: auditSigner.publicKey,
      append: async (input, options) => {
        const entry = await file.append(input, options)
        entries.push(entry)
        return entry
      },
    }
    const bundlePath = join(dir, files.bundle)
    const stored = await storedBundle({ bundlePath, entries, restoreBundle, clock })
    signer = await Signer.create({ cedar, log, clock, bundle: stored, auditKey: auditSigner })
    return {
      dir,
      signer,
      log,
      async installBundle(bundle) {
        const verification = await signer.installBundle(bundle)
        if (!verification.sameAsInstalled)
          await writeAtomic(bundlePath, `${JSON.stringify(bundle, null, 2)}\n`)
        return verification
      },
      async devKey() {
        const path = join(dir, files.devKey)
        if (!(await exists(path))) return undefined
        const json = stateJson(await readFile(path, 'utf8'), path, KeyNotWiredError)
        const privateKey =
          json !== null && typeof json === 'object'
            ? (json as { privateKey?: unknown }).privateKey
            : undefined
        if (typeof privateKey !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
          throw new KeyNotWiredError(`The software key file ${path} is malformed.`, {
            hint: 'Recreate it with `airlock sign init --bundle FILE --dev-key-file KEYFILE`.',
          })
        }
        return privateKey as Hex
      },
      async saveDevKey(privateKey) {
        const handle = await open(
          join(dir, files.devKey),
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
          0o600,
        )
        try {
          await handle.writeFile(`${JSON.stringify({ type: 'airlock-dev-key', privateKey })}\n`)
          await handle.sync()
        } finally {
          await handle.close()
        }
      },
      async keystoneAccount() {
        const path = join(dir, files.keystone)
        if (!(await exists(path))) return undefined
        return Keystone.account(readJson(await readFile(path, 'utf8'), path) as Keystone.Account)
      },
      async saveKeystoneAccount(account) {
        const canonical = Keystone.account(account)
        await writeAtomic(join(dir, files.keystone), `${JSON.stringify(canonical, null, 2)}\n`)
      },
      keystonePending: () => readPending(join(dir, files.keystonePending)),
      async addKeystonePending(pending) {
        const path = join(dir, files.keystonePending)
        const all = (await readPending(path)).filter((p) => p.requestId !== pending.requestId)
        await writePending(path, [...all, pending])
      },
      async removeKeystonePending(requestId) {
        const path = join(dir, files.keystonePending)
        const all = await readPending(path)
        const kept = all.filter((p) => p.requestId !== requestId)
        if (kept.length !== all.length) await writePending(path, kept)
      },
      close: () => file.close(),
    }
  } catch (error) {
    await file.close()
    throw error
  }
}

/** The log key: created only together with a new log, never next to an existing one. */
async function logKey({ keyPath, logPath }: { keyPath: string; logPath: string }): Promise<Uint8Array> {
  if (!(await nonEmpty(logPath)) && !(await exists(keyPath))) await createKey(keyPath)
  const checked = await checkKey({ keyPath, logPath })
  if ('problem' in checked) throw checked.problem
  return checked.privateKey
}

/** The key if it is present, readable and the log's own; else the problem, with the recovery. */
async function checkKey({
  keyPath,
  logPath,
}: {
  keyPath: string
  logPath: string
}): Promise<{ privateKey: Uint8Array } | { problem: StateDirError }> {
  const logExists = await nonEmpty(logPath)
  if (!(await exists(keyPath)))
    return {
      problem: keyProblem(keyPath, `The audit key ${keyPath} is missing, but the log ${logPath} exists.`),
    }
  let privateKey: Uint8Array
  try {
    privateKey = await loadKey({ path: keyPath })
  } catch (cause) {
    if (!isBaseError(cause)) throw cause
    return { problem: keyProblem(keyPath, cause.shortMessage, cause) }
  }
  const logged = logExists ? await loggedPublicKey(logPath) : undefined
  if (
    logged !== undefined &&
    logged !== AuditKey.toHex(AuditKey.publicKey(privateKey, { ed25519: nodeEd25519 }))
  ) {
    return {
      problem: keyProblem(
        keyPath,
        `The audit key ${keyPath} is not the key the log ${logPath} was opened with.`,
      ),
    }
  }
  return { privateKey }
}

/** A new key file, complete or not at all: written beside, then linked into place (never over one). */
async function createKey(keyPath: string): Promise<void> {
  const temp = `${keyPath}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await saveKey({ path: temp, privateKey: AuditKey.generate() })
    await link(temp, keyPath)
  } finally {
    await rm(temp, { force: true })
  }
}

function keyProblem(keyPath: string, what: string, cause?: unknown): StateDirError {
  return new StateDirError(what, {
    hint: `Restore ${keyPath} from your backup. If it is lost, run \`airlock sign init --bundle FILE --new-audit-key\`: the old log is kept aside, a new log starts with a new key (recorded in it), and the policy admins must enrol that key.`,
    cause,
  })
}

/** The public key the log's first entry (`log-opened`) records, if it can be read. */
async function loggedPublicKey(logPath: string): Promise<string | undefined> {
  const first = (await readFile(logPath, 'utf8')).split('\n', 1)[0] ?? ''
  try {
    const key = (Json.parse(first) as { publicKey?: unknown })?.publicKey
    return typeof key === 'string' ? key : undefined
  } catch {
    return undefined // a damaged first line is openLog's to report
  }
}

/** Moves the log, its key and the bundle file aside for `newAuditKey`; refuses when the key is fine. */
async function retireLostKey({
  dir,
  clock,
}: {
  dir: string
  clock: Clock
}): Promise<{ log: string; entries: number; why: string }> {
  const keyPath = join(dir, files.logKey)
  const logPath = join(dir, files.log)
  if (!(await nonEmpty(logPath))) {
    throw new StateDirError(`There is no log in ${dir}: there is no audit key to replace.`, {
      hint: 'Leave out --new-audit-key: a new state directory gets its key with its log.',
    })
  }
  const checked = await checkKey({ keyPath, logPath })
  if (!('problem' in checked)) {
    throw new StateDirError(
      `The audit key ${keyPath} is present and matches the log: there is nothing to replace.`,
      {
        hint: 'Leave out --new-audit-key.',
      },
    )
  }
  const why = checked.problem.shortMessage
  const stamp = clock().toISOString().replaceAll(':', '-')
  const aside = (name: string) => join(dir, name.replace(/(\.[a-z]+)$/, `.retired-${stamp}$1`))
  const log = aside(files.log)
  const entries = (await readFile(logPath, 'utf8')).split('\n').filter(Boolean).length
  await rename(logPath, log)
  if (await exists(keyPath)) await rename(keyPath, aside(files.logKey))
  // The bundle file belongs to the old log; the new log installs the bundle again (logged).
  if (await exists(join(dir, files.bundle))) await rename(join(dir, files.bundle), aside(files.bundle))
  return { log, entries, why }
}

/**
 * The stored bundle, checked for presence against the log. A missing or damaged file is restored
 * from `restoreBundle` when that is the bundle the log installed last; otherwise it is a StateDirError
 * naming the bundle to restore.
 */
async function storedBundle({
  bundlePath,
  entries,
  restoreBundle,
  clock,
}: {
  bundlePath: string
  entries: readonly AuditEntry.Entry[]
  restoreBundle: unknown
  clock: Clock
}): Promise<unknown> {
  const logged = DecisionLog.state(entries).installedBundleHash
  let problem: string | undefined
  if (await exists(bundlePath)) {
    try {
      return Json.parse(await readFile(bundlePath, 'utf8'))
    } catch (cause) {
      problem = `The policy bundle file ${bundlePath} is damaged (${isBaseError(cause) ? cause.shortMessage : String(cause)}).`
      if (logged === undefined) {
        throw new StateDirError(`${problem} The log says no bundle was installed.`, {
          hint: 'Move the file away (keep it for investigation) and run `airlock sign init --bundle FILE`.',
          cause,
        })
      }
    }
  } else if (logged !== undefined) problem = `The policy bundle file ${bundlePath} is missing.`
  if (problem === undefined || logged === undefined) return undefined
  if (restoreBundle !== undefined && sameBundle(restoreBundle, logged)) {
    if (await exists(bundlePath))
      await rename(
        bundlePath,
        bundlePath.replace(/\.json$/, `.damaged-${clock().toISOString().replaceAll(':', '-')}.json`),
      )
    await writeAtomic(bundlePath, `${JSON.stringify(restoreBundle, null, 2)}\n`)
    return restoreBundle
  }
  throw new StateDirError(`${problem} The log says bundle ${logged} is installed.`, {
    hint: `Restore it from your backup, or run \`airlock sign init --bundle FILE\` with that same signed bundle (hash ${logged}) to write it again.`,
  })
}

function sameBundle(bundle: unknown, hash: Hex): boolean {
  try {
    return Bundle.hash(Bundle.parse(bundle)) === hash
  } catch {
    return false
  }
}

async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0
  } catch {
    return false
  }
}

function readJson(text: string, path: string): unknown {
  try {
    return Json.parse(text)
  } catch (cause) {
    throw new InvalidKeystoneStateError(`${path} is not JSON.`, {
      hint: 'The state directory was edited or damaged; store the Keystone account or request again.',
      cause,
    })
  }
}

/** A state file's JSON, bounded in size and depth; unreadable JSON is `ErrorType` naming the file. */
function stateJson(text: string, path: string, ErrorType: typeof KeyNotWiredError): unknown {
  try {
    return Json.parse(text)
  } catch (cause) {
    throw new ErrorType(`The state file ${path} is not readable JSON.`, {
      hint: 'The state directory was edited or damaged; run `airlock sign init` again (keep the file for investigation).',
      details: (cause as BaseError).shortMessage,
      cause,
    })
  }
}

async function readPending(path: string): Promise<Keystone.Pending[]> {
  if (!(await exists(path))) return []
  const json = readJson(await readFile(path, 'utf8'), path) as { pending?: unknown }
  if (json === null || typeof json !== 'object' || !Array.isArray(json.pending)) {
    throw new InvalidKeystoneStateError(`${path} has no list of pending requests.`, {
      hint: 'The state directory was edited or damaged; remove the file and request the Keystone signature again.',
    })
  }
  return json.pending.map((p) => Keystone.pendingFromJson(p))
}

function writePending(path: string, pending: readonly Keystone.Pending[]): Promise<void> {
  const json = { type: 'airlock-keystone-pending', pending: pending.map(Keystone.pendingToJson) }
  return writeAtomic(path, `${JSON.stringify(json, null, 2)}\n`)
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

// Write then rename, so a crash never leaves half a bundle.
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  const handle = await open(tmp, 'w', 0o600)
  try {
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
  } catch (error) {
    // A full or read-only disk: leave the old file, and no half-written temporary one.
    await rm(tmp, { force: true })
    throw error
  }
}
