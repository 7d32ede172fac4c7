import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JsonBoundsError, jsonDepthExceeds, parseJsonBounded } from '@mandate/core'

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

describe('parseJsonBounded (issue 11, defect 9)', () => {
  it('issue 11 defect 9: nesting beyond maxDepth is ERR_JSON_TOO_DEEP, for arrays and objects', () => {
    for (const text of [
      nested(5_000),
      `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
      nested(65),
    ]) {
      assert.throws(() => parseJsonBounded(text), {
        name: 'JsonBoundsError',
        code: 'ERR_JSON_TOO_DEEP',
        message: 'json body nested too deeply',
      })
    }
    assert.throws(() => parseJsonBounded('{"a":[[1]]}', { maxDepth: 2 }), {
      code: 'ERR_JSON_TOO_DEEP',
    })
  })

  it('positive control: nesting up to maxDepth, and brackets inside strings, parse', () => {
    assert.deepEqual(parseJsonBounded(nested(64)), JSON.parse(nested(64)))
    assert.deepEqual(parseJsonBounded(`{"s":"${'['.repeat(1_000)}\\"{"}`), {
      s: `${'['.repeat(1_000)}"{`,
    })
    assert.deepEqual(parseJsonBounded(new TextEncoder().encode('{"a":[1,{"b":null}]}')), {
      a: [1, { b: null }],
    })
    assert.equal(jsonDepthExceeds('"[[[["', 1), false)
  })

  it('refuses bodies over maxBytes (counted in UTF-8 bytes) with ERR_JSON_TOO_LARGE', () => {
    assert.throws(() => parseJsonBounded(`"${'é'.repeat(6)}"`, { maxBytes: 12 }), {
      name: 'JsonBoundsError',
      code: 'ERR_JSON_TOO_LARGE',
      message: 'json body too large',
    })
    assert.equal(parseJsonBounded(`"${'é'.repeat(5)}"`, { maxBytes: 12 }), 'ééééé')
  })

  it('refuses invalid UTF-8 and malformed JSON with ERR_JSON_INVALID, never echoing the input', () => {
    assert.throws(() => parseJsonBounded(new Uint8Array([0x22, 0xff, 0x22])), {
      code: 'ERR_JSON_INVALID',
      message: 'json body is not valid utf-8',
    })
    for (const text of ['{"token":"SECRETVALUE"', '{"a":1}{"b":2}', '']) {
      assert.throws(
        () => parseJsonBounded(text),
        (error: unknown) =>
          error instanceof JsonBoundsError &&
          error.code === 'ERR_JSON_INVALID' &&
          !error.message.includes('SECRETVALUE'),
      )
    }
  })
})
