import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLogger, redact, redactPath, redactUrl, REDACTED } from '@mandate/core'

const ID = 'Zq3v9Xb2LmN8pR4sT6uW0yA1cD5eF7gH9jK2lM4nP6r'

describe('redactPath (issue 11, defect 11)', () => {
  it('issue 11 defect 11: masks connect-link ids and interaction uids, however the path is spelled', () => {
    for (const [path, expected] of [
      [`/connect/${ID}`, `/connect/${REDACTED}`],
      [`/connect/${ID}/`, `/connect/${REDACTED}/`],
      [`//connect/${ID}`, `//connect/${REDACTED}`],
      [`/Conn%65ct/${ID}?x=1`, `/Conn%65ct/${REDACTED}`],
      [`/oauth/interaction/${ID}/login`, `/oauth/interaction/${REDACTED}/login`],
      [`/oauth/authorize/${ID}`, `/oauth/authorize/${REDACTED}`],
    ] as const) {
      assert.equal(redactPath(path), expected)
    }
  })

  it('positive control: other paths, and the literal connect routes, are unchanged (query dropped)', () => {
    for (const path of [
      '/healthz',
      '/connect/callback',
      '/connect/accounts',
      '/connect',
      '/oauth/authorize',
      '/mcp',
    ]) {
      assert.equal(redactPath(`${path}?code=abc`), path)
    }
  })

  it('issue 11 defect 11: every log line and logged URL masks them through the redactor', () => {
    const lines: string[] = []
    createLogger({ write: (line) => lines.push(line) }).info('request', {
      path: `/connect/${ID}`,
      url: new URL(`https://mandate.example/connect/${ID}`),
      returnTo: redactUrl(`https://mandate.example/oauth/interaction/${ID}`),
    })
    assert.ok(!lines.join('').includes(ID))
    assert.deepEqual(redact({ path: '/healthz' }), { path: '/healthz' })
  })

  it('a value nested deeper than the redactor walks is cut, not a stack overflow', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 10_000; i++) deep = [deep]
    assert.doesNotThrow(() => JSON.stringify(redact({ deep })))
  })
})
