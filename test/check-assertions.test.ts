import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkSource } from '../scripts/check-assertions.ts'

// The assertion lint must catch what it exists for and let well-formed tests through.
void describe('scripts/check-assertions', () => {
  void it('flags rejects/throws without an expected error and self-comparisons', () => {
    const findings = checkSource(
      'x.test.ts',
      [
        'await assert.rejects(p())',
        'assert.throws(() => f())',
        't.assert.throws(() => f())',
        "assert.equal(hits.get('/a') ?? 0, hits.get('/a')  ?? 0)",
        'assert.deepStrictEqual(a.b, a.b)',
      ].join('\n'),
    )
    assert.deepEqual(
      findings.map((f) => [f.line, f.message.split(' ')[0]]),
      [
        [1, 'assert.rejects'],
        [2, 'assert.throws'],
        [3, 'assert.throws'],
        [4, 'assert.equal'],
        [5, 'assert.deepStrictEqual'],
      ],
    )
  })

  void it('passes assertions that can fail', () => {
    const findings = checkSource(
      'x.test.ts',
      [
        "await assert.rejects(p(), { code: 'ERR_X' })",
        'assert.throws(() => f(), /message/)',
        "assert.equal(hits.get('/a') ?? 0, before)",
        'assert.ok(value)',
        'other.rejects(p())',
      ].join('\n'),
    )
    assert.deepEqual(findings, [])
  })
})
