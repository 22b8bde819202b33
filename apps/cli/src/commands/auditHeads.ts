// Witnessed tree heads as the audit commands read them from a file.
import { TreeHead } from '@airlock/audit-log'
import { InputFileError } from '../errors.ts'
import { readInputFile } from './atomicFile.ts'

/** Witnessed heads from a file: JSON Lines (one head per line, as `audit head` prints) or a JSON array. */
export function readHeads(path: string): TreeHead.TreeHead[] {
  const text = new TextDecoder().decode(readInputFile(path, 'witnessed heads'))
  try {
    return TreeHead.parseList(text)
  } catch (cause) {
    throw new InputFileError(`The heads file ${path} is not a list of tree heads.`, {
      hint: "Pass the heads as 'airlock audit head' prints them, one JSON object per line.",
      cause,
    })
  }
}
