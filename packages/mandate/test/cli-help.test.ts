import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { runCli } from '../../../test/support/cli.ts'
import { parseGlobalFlags } from '../src/cli/global-flags.ts'
import { SETTINGS } from '../src/config/settings.ts'
import { closest } from '../src/cli/suggest.ts'

// The CLI as a person meets it: help for each command, a line for every flag, and a
// suggestion when a command or flag is mistyped (issue 13, "CLI polish").
void describe('mandate help and mistakes', () => {
  for (const command of ['serve', 'migrate', 'config check']) {
    void it(`"${command} --help" explains the command and every flag`, async () => {
      const result = await runCli([...command.split(' '), '--help'])
      assert.equal(result.code, 0)
      assert.match(result.stdout, new RegExp(`^Usage: mandate ${command} `))
      for (const setting of SETTINGS) {
        const flagLine = result.stdout.split('\n').find((l) => l.startsWith(`  --${setting.flag} `))
        assert.ok(flagLine, `no line for --${setting.flag}`)
        assert.ok(flagLine.includes(setting.description), `--${setting.flag} has no description`)
        assert.ok(flagLine.includes(setting.env))
      }
    })
  }

  void it('"config --help" and "config" alone show the config usage', async () => {
    for (const args of [['config', '--help'], ['config']]) {
      const result = await runCli(args)
      assert.equal(result.code, 0)
      assert.match(result.stdout, /^Usage: mandate config check/)
    }
  })

  void it('a mistyped command or flag gets a suggestion and a usage error', async () => {
    const cases: [string[], RegExp][] = [
      [['sevre'], /^mandate: unknown command "sevre"; did you mean "serve"\?$/m],
      [['serve', '--prot', '1'], /^mandate: unknown flag "--prot"; did you mean "--port"\?$/m],
      [['migrate', '--data-dri=x'], /did you mean "--data-dir"\?$/m],
      [['config', 'chek'], /^mandate: unknown action "config chek"; did you mean "check"\?$/m],
    ]
    for (const [args, message] of cases) {
      const result = await runCli(args)
      assert.notEqual(result.code, 0)
      assert.match(result.stderr, message)
    }
  })

  void it('nothing is suggested for a name unlike any command or flag (control)', async () => {
    const command = await runCli(['frobnicate'])
    assert.equal(command.code, 2)
    assert.match(command.stderr, /^mandate: unknown command "frobnicate"; run "mandate help"$/m)
    const flag = await runCli(['serve', '--zzz'])
    assert.equal(flag.code, 1)
    assert.match(flag.stderr, /unknown flag "--zzz"; see --help/)
  })

  void it('a positional that starts with "-" (a base64url grant id) stays a positional', () => {
    const parsed = parseGlobalFlags(['revoke', '-7Xq_2a', '--data-dir', '/srv/m', 'next'])
    assert.deepEqual(parsed.positionals, ['revoke', '-7Xq_2a', 'next'])
    assert.equal(parsed.settings['data-dir'], '/srv/m')
    // Controls: flags still parse around it, and a mistyped flag is still refused.
    assert.equal(parseGlobalFlags(['list', '-h']).help, true)
    assert.deepEqual(parseGlobalFlags(['revoke', 'abc', '--', '--x']).positionals, [
      'revoke',
      'abc',
      '--x',
    ])
    assert.throws(() => parseGlobalFlags(['revoke', '-7Xq', '--data-dri', 'x']), {
      message: /^unknown flag "--data-dri"; did you mean "--data-dir"\?$/,
    })
  })

  void it('grants revoke takes a grant id that starts with "-", as grants list prints it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-dash-id-'))
    t.after(() => {
      rmSync(dir, { recursive: true, force: true })
    })
    const result = await runCli(['grants', 'revoke', '-7Xq_2aBc', '--data-dir', dir])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /no such grant/)
    assert.doesNotMatch(result.stderr, /unknown flag/)
  })

  void it('closest: swapped letters, prefixes and a distance bound', () => {
    assert.equal(closest('sevre', ['serve', 'users']), 'serve')
    assert.equal(closest('log', ['log-level', 'port']), 'log-level')
    assert.equal(closest('xyz', ['run', 'keys']), undefined)
    assert.equal(closest('us', ['users', 'run']), 'users')
  })
})
