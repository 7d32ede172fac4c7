// Runs the whole test suite (or the paths given) with Node's built-in test runner, on sources
// (`--conditions=@mandate/source`, TypeScript stripped natively by Node >= 22.18).
import { spawnSync } from 'node:child_process'

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `tests need Node >= 22.18 (this is ${process.version}); run them through scripts/node24`,
  )
  process.exit(1)
}

const args = process.argv.slice(2)
const targets =
  args.length > 0
    ? args
    : ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts']
const result = spawnSync(
  process.execPath,
  [
    '--conditions=@mandate/source',
    '--disable-warning=ExperimentalWarning',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env['MANDATE_TEST_CONCURRENCY'] ?? '2'}`,
    '--test-timeout=120000',
    ...targets,
  ],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
