// Node only: the signer's state directory. It holds the decision log (the signer's only memory),
// the log key, the installed policy bundle and, for tests and the demo, a software key.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { type AuditEntry, AuditKey, type Clock, parse as parseLog } from '@airlock/audit-log'
import { inspectLog, loadKey, nodeEd25519, openLog, saveKey } from '@airlock/audit-log/node'
import { type BaseError, Json } from '@airlock/errors'
import type { CedarApi } from '@airlock/policy'
import type { Hex } from 'viem'
import type { DecisionLog } from './DecisionLog.ts'
import { InstalledBundleMismatchError, InvalidKeystoneStateError, KeyNotWiredError } from './errors.ts'
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
  log: DecisionLog & { publicKey: Uint8Array }
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

/**
 * Opens (creating if needed) a state directory: log key, file log (torn tail repaired and recorded),
 * and the engine with the stored bundle checked against the log.
 *
 * @example
 * const state = await openStateDir({ dir, cedar })
 * try { await state.signer.approve(request, { key }) } finally { await state.close() }
 */
export async function openStateDir({
  dir,
  cedar,
  clock = () => new Date(),
}: {
  dir: string
  cedar: CedarApi
  clock?: Clock | undefined
}): Promise<StateDir> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const keyPath = join(dir, files.logKey)
  if (!(await exists(keyPath))) await saveKey({ path: keyPath, privateKey: AuditKey.generate() })
  const auditSigner = AuditKey.signer(await loadKey({ path: keyPath }), { ed25519: nodeEd25519 })
  const logPath = join(dir, files.log)
  const file = await openLog({ path: logPath, signer: auditSigner, clock, onTorn: 'repair' })
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
    const stored = (await exists(bundlePath))
      ? stateJson(await readFile(bundlePath, 'utf8'), bundlePath, InstalledBundleMismatchError)
      : undefined
    signer = await Signer.create({ cedar, log, clock, bundle: stored })
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
            hint: 'Recreate it with `airlock sign init --dev-key HEX`.',
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
function stateJson(
  text: string,
  path: string,
  ErrorType: typeof InstalledBundleMismatchError | typeof KeyNotWiredError,
): unknown {
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
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
}
