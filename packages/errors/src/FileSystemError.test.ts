import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { FileSystemError, systemErrorOf } from './FileSystemError.ts'

test('turns a real system error into one line that says what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-fs-error-'))
  let cause: unknown
  try {
    writeFileSync(dir, 'x')
  } catch (error) {
    cause = error
  }
  expect(systemErrorOf(cause)).toEqual({ code: 'EISDIR', path: dir })
  const error = FileSystemError.from({ cause, doing: 'write the output' })
  expect(error.name).toBe('Errors.FileSystemError')
  expect(error.code).toBe('EISDIR')
  expect(error.oneLine).toBe(
    `Cannot write the output: ${dir} is a directory, not a file. Give the path of a file (inside that directory, for example).`,
  )
  expect(systemErrorOf(new Error('plain'))).toBeUndefined()
  expect(new FileSystemError({ path: '/x', code: 'EWHATEVER' }).oneLine).toBe(
    'The file system refused /x. Check the path, the disk and the permissions, then run the command again.',
  )
})
