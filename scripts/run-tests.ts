// Runs the whole test suite (or the paths given) with Node's built-in test runner, on sources
// (`--conditions=@mandate/source`, TypeScript stripped natively by Node >= 22.18). Everything
// the tests print is scanned for credential shapes: a token in test output fails the run.
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'

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

const args = process.argv.slice(2)
// A directory stands for the test files below it.
const targets =
  args.length > 0
    ? args.map((arg) =>
        existsSync(arg) && statSync(arg).isDirectory() ? `${arg}/**/*.test.ts` : arg,
      )
    : ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts']
const child = spawn(
  process.execPath,
  [
    '--conditions=@mandate/source',
    '--disable-warning=ExperimentalWarning',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env['MANDATE_TEST_CONCURRENCY'] ?? '2'}`,
    '--test-timeout=600000',
    ...targets,
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
)

let leaks = 0
let tail = ''
const scan = (chunk: string): void => {
  // Keep the end of the previous chunk so a token split across chunks is still seen.
  const text = tail + chunk
  for (const shape of SECRET_SHAPES) leaks += text.match(shape)?.length ?? 0
  tail = text.slice(-4096)
  for (const shape of SECRET_SHAPES) tail = tail.replace(shape, '')
}
for (const [stream, sink] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
] as const) {
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    scan(chunk)
    sink.write(chunk.replace(JWT_SHAPE, '[token-shaped string]'))
  })
}

child.on('close', (code) => {
  if (leaks > 0) {
    console.error(`\nrun-tests: ${String(leaks)} credential-shaped string(s) in test output`)
    process.exit(1)
  }
  process.exit(code ?? 1)
})
