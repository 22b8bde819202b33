/** The log key on disk: one small JSON file, mode 0600, never overwritten by accident. */

import { constants } from 'node:fs'
import { open, readFile, stat } from 'node:fs/promises'
import { Json } from '@airlock/errors'
import * as AuditKey from './AuditKey.ts'
import { nodeEd25519 } from './ed25519.node.ts'
import { KeyFileError } from './errors.ts'

type KeyFileContent = { type: 'airlock-audit-key'; v: 1; privateKey: string; publicKey: string }

/**
 * Writes a private key to `path` with mode 0600 (refuses to overwrite an existing file).
 *
 * @example
 * await saveKey({ path: '/var/lib/airlock/audit.key', privateKey: AuditKey.generate() })
 */
export async function saveKey({ path, privateKey }: { path: string; privateKey: Uint8Array }): Promise<void> {
  const content: KeyFileContent = {
    type: 'airlock-audit-key',
    v: 1,
    privateKey: AuditKey.toHex(privateKey),
    publicKey: AuditKey.toHex(AuditKey.publicKey(privateKey)),
  }
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  } catch (error) {
    throw new KeyFileError(`Cannot create the key file ${path}.`, {
      hint:
        (error as NodeJS.ErrnoException).code === 'EEXIST'
          ? 'A key file already exists there; keep it or move it away.'
          : 'Check the directory exists and is writable.',
      cause: error,
    })
  }
  try {
    await handle.writeFile(`${JSON.stringify(content)}\n`)
    // The umask may have narrowed the mode but never widens it; set it explicitly anyway.
    await handle.chmod(0o600)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Reads a key file written by `saveKey`. Refuses files readable by group or others, and files whose
 * public key does not match the private key.
 *
 * @example
 * const privateKey = await loadKey({ path: '/var/lib/airlock/audit.key' })
 */
export async function loadKey({ path }: { path: string }): Promise<Uint8Array> {
  let text: string
  let mode: number
  try {
    mode = (await stat(path)).mode
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new KeyFileError(`Cannot read the key file ${path}.`, {
      hint: 'Check the path, or create a key with saveKey().',
      cause: error,
    })
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `The key file ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}).`,
      {
        hint: `Run chmod 600 ${path}, and consider the key exposed if others could read it.`,
      },
    )
  }
  const bad = (details: string) =>
    new KeyFileError(`The key file ${path} is not an Airlock audit key.`, {
      hint: 'Restore it from backup.',
      details,
    })
  let content: Partial<KeyFileContent>
  try {
    content = Json.parse(text) as Partial<KeyFileContent>
  } catch (error) {
    throw bad(error instanceof Error ? error.message : 'invalid JSON')
  }
  if (content?.type !== 'airlock-audit-key' || content.v !== 1 || typeof content.privateKey !== 'string') {
    throw bad('missing type, v or privateKey')
  }
  let privateKey: Uint8Array
  try {
    privateKey = AuditKey.fromHex(content.privateKey)
  } catch (error) {
    throw bad(error instanceof Error ? error.message : 'bad privateKey')
  }
  // OpenSSL derives the public key; @noble's first derivation builds tables that cost more than the command.
  if (content.publicKey !== AuditKey.toHex(AuditKey.publicKey(privateKey, { ed25519: nodeEd25519 })))
    throw bad('publicKey does not match privateKey')
  return privateKey
}
