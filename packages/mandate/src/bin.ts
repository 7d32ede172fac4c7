#!/usr/bin/env node
import { enableCompileCache } from 'node:module'

// V8's compile cache (in the OS temp directory, keyed by each file's content) makes every
// later start of the CLI skip parsing and compiling what it loads. Enabled before the rest is
// imported, so it covers all of it.
enableCompileCache()
const { main } = await import('./cli/main.ts')

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
})
