// The check stage (`npm run check`): typecheck, lint, the assertion lint and the format check run
// at once, each in its own process, and each one's output is printed in one piece when it ends.
// Run one after another they cost their sum; at once, on two cores, about the longest (lint).
import { spawn } from 'node:child_process'

const CHECKS = ['typecheck', 'lint', 'lint:tests', 'format:check'] as const
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(name: string): Promise<boolean> {
  const started = Date.now()
  const child = spawn(npm, ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      const verdict = code === 0 ? 'ok' : `FAILED (exit ${String(code)})`
      process.stdout.write(`\n━━ ${name}: ${verdict} in ${seconds} s\n${output}`)
      resolve(code === 0)
    })
  })
}

const results = await Promise.all(CHECKS.map(run))
const failed = CHECKS.filter((_, i) => results[i] !== true)
if (failed.length > 0) console.error(`\ncheck: ${failed.join(', ')} failed`)
process.exit(failed.length > 0 ? 1 : 0)
