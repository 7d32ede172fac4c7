// Runs the whole test suite (or the paths given) with Node's built-in test runner, on sources
// (`--conditions=@mandate/source`, TypeScript stripped natively by Node >= 22.18).
// - Each test file runs in its own process group, several files at once (each file gets its own
//   database schema, data directory and ports, so files are independent);
// - a watchdog kills a file's whole process tree when it runs past MANDATE_TEST_FILE_TIMEOUT_S
//   (default 900 s) and reports the file as failed, so a hang cannot stall the run;
// - everything the tests print is scanned for credential shapes: a token in test output fails
//   the run, whatever the tests said.
// Each file's output is printed when the file ends, in one piece; the run ends with Node's
// summary lines and the plain `N passed, N failed` line.
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { glob } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `tests need Node >= 22.18 (this is ${process.version}); run them through scripts/node24`,
  )
  process.exit(1)
}

// A signed JWT (header and payload both JSON objects) or a PEM private key.
const JWT_SHAPE = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{16,}/g
const SECRET_SHAPES = [JWT_SHAPE, /-----BEGIN [A-Z ]*PRIVATE KEY-----/g]
const DEFAULT_TARGETS = [
  'packages/*/test/**/*.test.ts',
  'examples/*/test/**/*.test.ts',
  'test/**/*.test.ts',
]
// Files that take longest start first, so the run is not left waiting on one at the end.
const SLOW_FIRST = [/crash/, /browser|linking|e2e|serve/, /multi|rotation|conformance/]
// Two more files than cores: files wait on browsers, databases and child servers, and on two
// cores the suite ran 623 s three at a time against 566 s four at a time (CPU then at 100 %).
const CONCURRENCY = Number(
  process.env['MANDATE_TEST_CONCURRENCY'] ?? Math.max(3, availableParallelism() + 2),
)
const FILE_TIMEOUT_MS = Number(process.env['MANDATE_TEST_FILE_TIMEOUT_S'] ?? 900) * 1000
// V8's compile cache, shared by every test process and what they start (keyed by file content,
// so an edited file is compiled afresh): each file's process then skips re-parsing the sources.
const CHILD_ENV = {
  NODE_COMPILE_CACHE: join(tmpdir(), 'mandate-test-compile-cache'),
  ...process.env,
}
const COUNTERS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const
type Counts = Record<(typeof COUNTERS)[number], number>

async function testFiles(args: string[]): Promise<string[]> {
  const patterns =
    args.length === 0
      ? DEFAULT_TARGETS
      : args.map((arg) =>
          existsSync(arg) && statSync(arg).isDirectory() ? `${arg}/**/*.test.ts` : arg,
        )
  const files = new Set<string>()
  for (const pattern of patterns) {
    for await (const file of glob(pattern, { exclude: (f) => f.includes('node_modules') })) {
      files.add(file)
    }
  }
  const rank = (file: string) => {
    const index = SLOW_FIRST.findIndex((re) => re.test(file))
    return index === -1 ? SLOW_FIRST.length : index
  }
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

/** Counts the credential shapes in a text; the text is kept whole per file, so none is split. */
function leaksIn(text: string): number {
  return SECRET_SHAPES.reduce((sum, shape) => sum + (text.match(shape)?.length ?? 0), 0)
}

function parseCounts(output: string): Counts {
  const counts = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counts
  for (const name of COUNTERS) {
    const match = new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)
    counts[name] = Number(match?.[1] ?? 0)
  }
  return counts
}

interface FileResult {
  file: string
  code: number | null
  timedOut: boolean
  output: string
  seconds: number
}

function runFile(file: string): Promise<FileResult> {
  const started = Date.now()
  const child = spawn(
    process.execPath,
    [
      '--conditions=@mandate/source',
      '--disable-warning=ExperimentalWarning',
      '--test',
      '--test-isolation=none', // the file already has a process of its own
      '--test-force-exit', // a handle left open after the last test must not hold the file
      '--test-reporter=spec',
      '--test-timeout=600000',
      file,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: CHILD_ENV },
  )
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  let timedOut = false
  const killTree = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const watchdog = setTimeout(() => {
    timedOut = true
    killTree()
  }, FILE_TIMEOUT_MS)
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(watchdog)
      // Whatever a file left running (servers, workers) dies with it.
      killTree()
      resolve({ file, code, timedOut, output, seconds: (Date.now() - started) / 1000 })
    })
  })
}

async function main(): Promise<void> {
  const files = await testFiles(process.argv.slice(2))
  if (files.length === 0) {
    console.error('run-tests: no test file matched')
    process.exit(1)
  }
  const total = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counts
  const failedFiles: string[] = []
  let leaks = 0
  const queue = [...files]
  const startedAt = Date.now()
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const result = await runFile(file)
      leaks += leaksIn(result.output)
      const counts = parseCounts(result.output)
      for (const name of COUNTERS) total[name] += counts[name]
      const failed = result.timedOut || result.code !== 0 || counts.fail > 0
      if (result.timedOut) {
        total.tests += 1
        total.fail += 1
        result.output += `\n✖ ${file}: killed by the watchdog after ${String(FILE_TIMEOUT_MS / 1000)} s\n`
      } else if (result.code !== 0 && counts.fail === 0) {
        // A file that crashed before reporting any failing test still fails the run.
        total.tests += 1
        total.fail += 1
        result.output += `\n✖ ${file}: exited with ${String(result.code)}\n`
      }
      if (failed) failedFiles.push(file)
      process.stdout.write(
        `\n━━ ${file} (${result.seconds.toFixed(1)} s${failed ? ', FAILED' : ''})\n` +
          result.output.replace(JWT_SHAPE, '[token-shaped string]'),
      )
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker))

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1)
  console.log(
    `\n${String(files.length)} test files, ${String(CONCURRENCY)} at a time, ${seconds} s`,
  )
  for (const file of failedFiles) console.log(`✖ failed: ${file}`)
  for (const name of COUNTERS) console.log(`ℹ ${name} ${String(total[name])}`)
  console.log(`ℹ duration_ms ${String(Date.now() - startedAt)}`)
  console.log(
    `${String(total.pass)} passed, ${String(total.fail)} failed, ${String(total.skipped)} skipped`,
  )
  if (leaks > 0) {
    console.error(`\nrun-tests: ${String(leaks)} credential-shaped string(s) in test output`)
    process.exit(1)
  }
  process.exit(failedFiles.length > 0 || total.fail > 0 ? 1 : 0)
}

await main()
