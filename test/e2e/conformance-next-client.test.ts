// Every client scenario of the newest MCP conformance prerelease (0.2.0-alpha.12, issue 17)
// against test/conformance/client. Expected failures, each with its reason:
// test/conformance/expected-failures-next.yaml (a listed scenario that passes fails too).
//
// One scenario per harness run, six at a time: `--suite all` starts all ~48 client processes
// at once, which on a loaded 2-core CI machine made the whole run outlast any sane bound.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  baseline,
  clientScenarios,
  conformance,
  mapLimited,
  redact,
  root,
} from './support/conformance-harness.ts'

const AT_ONCE = 6

void describe('MCP conformance 0.2.0-alpha.12, client scenarios', () => {
  void it('every client scenario passes, except the baseline', { timeout: 840_000 }, async (t) => {
    const output = await mkdtemp(join(tmpdir(), 'mandate-conformance-next-'))
    t.after(() => rm(output, { recursive: true, force: true }))
    const scenarios = await clientScenarios()
    assert.ok(
      scenarios.length >= 40,
      `the harness lists its scenarios (${String(scenarios.length)})`,
    )
    const runs = await mapLimited(scenarios, AT_ONCE, async (scenario) => ({
      scenario,
      ...(await conformance([
        'client',
        '--command',
        join(root, 'test/conformance/client'),
        '--scenario',
        scenario,
        // Only stops a hang: a scenario's client under load can take far longer than usual.
        '--timeout',
        '300000',
        '--expected-failures',
        baseline,
        '-o',
        output,
      ])),
    }))
    const unexpected = runs.filter((run) => run.code !== 0)
    assert.deepEqual(
      unexpected.map((run) => run.scenario),
      [],
      unexpected.map((run) => `── ${run.scenario}\n${redact(run.text.slice(-2500))}`).join('\n'),
    )
    // Positive control: the runs checked something (a crashed harness prints no results).
    assert.ok(runs.every((run) => /Passed: \d+\/\d+|Baseline check passed/.test(run.text)))
    const checks = runs.map((run) => /Passed: (\d+)\/(\d+)/.exec(run.text))
    const passed = checks.reduce((sum, match) => sum + Number(match?.[1] ?? 0), 0)
    const total = checks.reduce((sum, match) => sum + Number(match?.[2] ?? 0), 0)
    t.diagnostic(
      `${String(runs.length)} scenarios, ${String(passed)} of ${String(total)} checks passed`,
    )
  })
})
