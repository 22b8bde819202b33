#!/usr/bin/env node
// The airlock command: runs the esbuild bundle in apps/cli/dist, building it first when a source is
// newer (a fresh clone, or after an edit), so no TypeScript is compiled at run time.
import { pathToFileURL } from 'node:url'
import { current, ensureBuilt } from '../build.mjs'

// `npm run airlock -- …` runs in the repository root; paths on the command line mean the caller's
// directory, which npm passes as INIT_CWD.
if (process.env.npm_lifecycle_event && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD)
await ensureBuilt()
const build = current()
const { main } = await import(pathToFileURL(`${build.dir}/main.mjs`).href)
process.exitCode = await main(process.argv.slice(2), undefined, { commands: build.commands })
