import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { buildWwwAuthenticate, parseWwwAuthenticate } from '@mandate/core'
import type { AuthChallenge } from '@mandate/core'

interface Vector {
  name: string
  header: string
  expect?: AuthChallenge[]
  error?: boolean
}
const vectors = (
  JSON.parse(
    readFileSync(new URL('./fixtures/httpauth-vectors.json', import.meta.url), 'utf8'),
  ) as {
    cases: Vector[]
  }
).cases

void describe('parseWwwAuthenticate: Reschke HTTP authentication test vectors', () => {
  for (const v of vectors) {
    void it(v.name, () => {
      if (v.error === true) {
        assert.throws(() => parseWwwAuthenticate(v.header), { code: 'ERR_HTTP_AUTH_PARSE' })
        return
      }
      assert.deepEqual(parseWwwAuthenticate(v.header), v.expect)
    })
  }
})

void describe('parseWwwAuthenticate: OAuth challenges', () => {
  void it('reads token68 and a DPoP challenge after a Bearer one', () => {
    assert.deepEqual(
      parseWwwAuthenticate('Negotiate abc+/==, DPoP algs="ES256 EdDSA", error="use_dpop_nonce"'),
      [
        { scheme: 'Negotiate', params: {}, token68: 'abc+/==' },
        { scheme: 'DPoP', params: { algs: 'ES256 EdDSA', error: 'use_dpop_nonce' } },
      ],
    )
  })

  void it('catalogue #163: a long hostile header is refused as malformed', () => {
    // Linear time is measured by bench/parsers/www-authenticate.ts, never asserted here.
    const hostile = `Bearer ${'a=,'.repeat(50_000)}x="${'\\'.repeat(100_000)}`
    assert.throws(() => parseWwwAuthenticate(hostile), { code: 'ERR_HTTP_AUTH_PARSE' })
    // Positive control: a long header that is well formed parses, escapes and all.
    const params = Array.from({ length: 1_000 }, (_, i) => `p${String(i)}="${'\\\\'.repeat(50)}"`)
    const [challenge] = parseWwwAuthenticate(`Bearer ${params.join(', ')}`)
    assert.equal(Object.keys(challenge?.params ?? {}).length, 1_000)
    assert.equal(challenge?.params['p999'], '\\'.repeat(50))
  })
})

void describe('buildWwwAuthenticate', () => {
  void it('round-trips values with quotes, backslashes and commas', () => {
    const challenges: AuthChallenge[] = [
      {
        scheme: 'Bearer',
        params: {
          resource_metadata: 'https://mcp.example/.well-known/oauth-protected-resource/mcp',
          scope: 'notes:read notes:write',
          error_description: 'bad "value", realm="evil" \\ end',
        },
      },
      { scheme: 'DPoP', params: { algs: 'ES256' } },
    ]
    const header = buildWwwAuthenticate(challenges)
    assert.deepEqual(parseWwwAuthenticate(header), challenges)
  })

  void it('catalogue #97: refuses a value that would break the header', () => {
    for (const bad of ['a\r\nSet-Cookie: x=1', 'nul\u0000', 'emoji \u{1F600}']) {
      assert.throws(
        () => buildWwwAuthenticate([{ scheme: 'Bearer', params: { error_description: bad } }]),
        {
          code: 'ERR_HTTP_AUTH_PARAM',
        },
      )
    }
    assert.throws(() => buildWwwAuthenticate([{ scheme: 'Bearer x', params: {} }]), {
      code: 'ERR_HTTP_AUTH_PARAM',
      message: /auth-scheme/,
    })
    assert.throws(() => buildWwwAuthenticate([{ scheme: 'Bearer', params: { 'a b': 'x' } }]), {
      code: 'ERR_HTTP_AUTH_PARAM',
      message: /auth-param name/,
    })
  })
})
