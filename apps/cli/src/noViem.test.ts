// The CLI holds no protocol logic: checks (addresses, amounts, hex, signatures) live in the core packages.
// viem may be imported only by the printing module (print.ts) and by tests; this reads every other
// source under apps/cli/src and checks its import specifiers (static, type-only, re-exports, dynamic).
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const srcDir = import.meta.dirname

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.(ts|mts|tsx)$/.test(entry.name) ? [path] : []
  })
}

function isTest(path: string): boolean {
  return /\.test\.tsx?$/.test(path) || /\.test-helpers\.ts$/.test(path)
}

function viemImports(text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true)
  return importedFiles.map((f) => f.fileName).filter((name) => name === 'viem' || name.startsWith('viem/'))
}

describe('apps/cli imports viem only for printing', () => {
  it('finds every kind of viem import (the check can fail)', () => {
    expect(viemImports(readFileSync(join(srcDir, 'print.ts'), 'utf8'))).toEqual(['viem'])
    const text = [
      "import type { Address } from 'viem'",
      "export { getAddress } from 'viem/utils'",
      "const m = await import('viem/accounts')",
      "import { x } from './viem.ts'",
    ].join('\n')
    expect(viemImports(text)).toEqual(['viem', 'viem/utils', 'viem/accounts'])
  })

  it('no CLI source other than print.ts and tests imports viem', () => {
    const offenders = sources(srcDir)
      .filter((path) => !isTest(path) && relative(srcDir, path) !== 'print.ts')
      .filter((path) => viemImports(readFileSync(path, 'utf8')).length > 0)
      .map((path) => relative(srcDir, path))
    expect(offenders).toEqual([])
  })
})
