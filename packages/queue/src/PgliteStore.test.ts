import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { defaultDataDir, openPgliteStore } from './PgliteStore.ts'
import { storeSuite } from './storeSuite.test-helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'airlock-queue-'))

storeSuite({
  name: 'PGlite',
  open: (options) => openPgliteStore({ dataDir: join(dir, 'queue'), ...options }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
})

test('the embedded store lives in the user data dir by default', () => {
  expect(defaultDataDir({ env: { XDG_DATA_HOME: '/x' }, platform: 'linux' })).toBe('/x/airlock/queue')
  expect(defaultDataDir({ env: {}, platform: 'linux' })).toMatch(/\/\.local\/share\/airlock\/queue$/)
  expect(defaultDataDir({ env: {}, platform: 'darwin' })).toMatch(
    /Library\/Application Support\/airlock\/queue$/,
  )
})
