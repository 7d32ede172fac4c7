import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLogger, redact, redactUrl, REDACTED } from '@mandate/core'

const JWT =
  'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6Imh0dHBzOi8vbWNwIn0.c2lnbmF0dXJlLWJ5dGVz'

function capture(fields: Record<string, unknown>, message = 'event'): string {
  const lines: string[] = []
  createLogger({ write: (line) => lines.push(line), now: () => new Date(0) }).info(message, fields)
  return lines.join('')
}

describe('createLogger', () => {
  it('writes one JSON line with time, level, message and fields', () => {
    const line = capture({ requestId: 'r1', status: 200 })
    assert.ok(line.endsWith('\n'))
    assert.deepEqual(JSON.parse(line), {
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'event',
      requestId: 'r1',
      status: 200,
    })
  })

  it('drops lines below its level', () => {
    const lines: string[] = []
    const logger = createLogger({ level: 'warn', write: (line) => lines.push(line) })
    logger.info('quiet')
    logger.warn('loud')
    assert.equal(lines.length, 1)
  })

  for (const name of [
    'access_token',
    'refresh_token',
    'id_token',
    'client_secret',
    'clientSecret',
    'password',
    'code',
    'code_verifier',
    'authorization',
    'cookie',
    'apiKey',
    'privateKey',
    'dpop',
  ]) {
    it(`masks the "${name}" field whatever its value`, () => {
      const line = capture({ nested: { [name]: 'plain-looking-value' } })
      assert.doesNotMatch(line, /plain-looking-value/)
      assert.match(line, new RegExp(`"${name}":"\\[redacted\\]"`))
    })
  }

  it('masks token-shaped strings in the message and in any field', () => {
    const line = capture(
      { note: `got ${JWT} back`, header: 'Bearer abcdefghijklmnop.qrstu', list: [`DPoP ${JWT}`] },
      `token ${JWT}`,
    )
    assert.doesNotMatch(line, /eyJhbGci|abcdefghijklmnop/)
  })

  it('logs errors by name, code and redacted message, following causes', () => {
    const error = Object.assign(new Error(`bad token ${JWT}`, { cause: new Error('inner') }), {
      code: 'ERR_X',
      response: { body: 'secret-body' },
    })
    const parsed = JSON.parse(capture({ error })) as { error: Record<string, unknown> }
    assert.deepEqual(parsed.error, {
      name: 'Error',
      message: `bad token ${REDACTED}`,
      code: 'ERR_X',
      cause: { name: 'Error', message: 'inner' },
    })
  })

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' }
    a['self'] = a
    assert.deepEqual(redact(a), { name: 'a', self: '[circular]' })
  })
})

describe('redactUrl', () => {
  it('masks credentials, secret parameters, state and the fragment', () => {
    const url = redactUrl(
      'https://user:pw@as.example/cb?code=abc123&state=xyz&iss=https%3A%2F%2Fas#access_token=tok',
    )
    assert.doesNotMatch(url, /pw|abc123|xyz|tok$/)
    assert.match(url, /iss=https%3A%2F%2Fas/)
  })
})
