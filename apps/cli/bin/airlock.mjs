#!/usr/bin/env node
// The airlock command: runs the esbuild bundle in apps/cli/dist, building it first when a source is
// newer (a fresh clone, or after an edit), so no TypeScript is compiled at run time.
import { pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { current, ensureBuilt } from '../build.mjs'

// Cedar is a large WebAssembly module compiled on every start. V8's optimising tier (TurboFan) then
// recompiles its hot functions, which costs more CPU than a command's whole Cedar work: with the
// baseline compiler alone `sign review` and `policy test` use about a third of the CPU time (measured
// with Node 20 on the 2-core reference machine). Set before any module that loads Cedar is imported.
setFlagsFromString('--liftoff-only')

// `npm run airlock -- …` runs in the repository root; paths on the command line mean the caller's
// directory, which npm passes as INIT_CWD.
if (process.env.npm_lifecycle_event && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD)
await ensureBuilt()
const build = current()
const { main } = await import(pathToFileURL(`${build.dir}/main.mjs`).href)
process.exitCode = await main(process.argv.slice(2), undefined, { commands: build.commands })
