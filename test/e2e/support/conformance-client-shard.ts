// Client scenarios of the newest MCP conformance prerelease (0.2.0-alpha.12, issue 17) against
// test/conformance/client, one shard of them per test file. Expected failures, each with its
// reason: test/conformance/expected-failures-next.yaml (a listed scenario that passes fails too).
//
// One scenario per harness run, a few at a time, in three files: `--suite all` starts all ~48
// client processes at once, and even one file running them six at a time outlasted its bound on a
// loaded 2-core CI machine. Shards are fixed by position in the harness's own scenario list.
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
} from './conformance-harness.ts'

const AT_ONCE = 4
export const CLIENT_SHARDS = 3

/** Registers the test for shard `shard` (0-based) of the client scenarios. */
export function clientScenarioShard(shard: number): void {
  void describe(`MCP conformance 0.2.0-alpha.12, client scenarios (shard ${String(shard + 1)} of ${String(CLIENT_SHARDS)})`, () => {
    void it(
      'every client scenario of this shard passes, except the baseline',
      { timeout: 840_000 },
      async (t) => {
        const output = await mkdtemp(join(tmpdir(), 'mandate-conformance-next-'))
        t.after(() => rm(output, { recursive: true, force: true }))
        const all = await clientScenarios()
        assert.ok(all.length >= 40, `the harness lists its scenarios (${String(all.length)})`)
        const scenarios = all.filter((_, index) => index % CLIENT_SHARDS === shard)
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
          unexpected
            .map((run) => `── ${run.scenario}\n${redact(run.text.slice(-2500))}`)
            .join('\n'),
        )
        // Positive control: the runs checked something (a crashed harness prints no results).
        assert.ok(runs.every((run) => /Passed: \d+\/\d+|Baseline check passed/.test(run.text)))
        const checks = runs.map((run) => /Passed: (\d+)\/(\d+)/.exec(run.text))
        const passed = checks.reduce((sum, match) => sum + Number(match?.[1] ?? 0), 0)
        const total = checks.reduce((sum, match) => sum + Number(match?.[2] ?? 0), 0)
        t.diagnostic(
          `${String(runs.length)} scenarios, ${String(passed)} of ${String(total)} checks passed`,
        )
      },
    )
  })
}
