import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { Authorizer } from '@mandate/client'
import {
  AuthorizationError,
  ClientError,
  createMandateAuth,
  createMemoryStore,
} from '@mandate/client'

import type { HostileServers, HostileSetup } from './support/hostile-servers.ts'
import { goodAsMetadata, startHostileServers } from './support/hostile-servers.ts'

const running: HostileServers[] = []
after(async () => {
  await Promise.all(running.map((s) => s.close()))
})

/** An authorizer that records whether the browser would have been opened. */
function recordingAuthorizer(
  answer?: (url: URL, state: string) => URLSearchParams,
): Authorizer & { opened: URL[] } {
  const opened: URL[] = []
  return {
    redirectUrl: 'http://127.0.0.1:9/callback',
    opened,
    authorize: ({ url, state }) => {
      opened.push(url)
      return Promise.resolve(
        answer?.(url, state) ?? new URLSearchParams({ error: 'access_denied', state }),
      )
    },
  }
}

async function connect(
  setup: HostileSetup,
  authorizer: Authorizer,
  allowLoopback = true,
): Promise<unknown> {
  const servers = await startHostileServers(setup)
  running.push(servers)
  const mandate = createMandateAuth({
    serverUrl: servers.mcpUrl,
    authorizer,
    store: createMemoryStore(),
    clientMetadata: { client_name: 'negative-test' },
    allowLoopback,
  })
  const client = new Client({ name: 'negative-test', version: '0' })
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(servers.mcpUrl), { fetch: mandate.fetch }),
    )
    return undefined
  } catch (error) {
    return error
  } finally {
    await client.close().catch(() => undefined)
  }
}

function authorizationErrorOf(error: unknown): AuthorizationError | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof AuthorizationError) return e
  }
  return undefined
}

function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ClientError) return e.code
  }
  return undefined
}

void describe('authorization as a client: refusals', () => {
  void test('catalogue #166: protected resource metadata naming another resource is refused', async () => {
    const authorizer = recordingAuthorizer()
    const error = await connect(
      {
        prm: (_mcp, as) => ({ resource: 'https://other.example/mcp', authorization_servers: [as] }),
        asMetadata: goodAsMetadata,
      },
      authorizer,
    )
    assert.equal(codeOf(error), 'ERR_CLIENT_RESOURCE_MISMATCH')
    assert.equal(authorizer.opened.length, 0)
  })

  void test('catalogue #166: a sibling path on the same origin is another resource', async () => {
    const authorizer = recordingAuthorizer()
    const error = await connect(
      {
        prm: (mcp, as) => ({
          resource: mcp.replace(/\/mcp$/, '/other'),
          authorization_servers: [as],
        }),
        asMetadata: goodAsMetadata,
      },
      authorizer,
    )
    assert.equal(codeOf(error), 'ERR_CLIENT_RESOURCE_MISMATCH')
  })

  void test('catalogue #149: an authorization server without S256 is refused', async () => {
    const authorizer = recordingAuthorizer()
    const error = await connect(
      {
        prm: (mcp, as) => ({ resource: mcp, authorization_servers: [as] }),
        asMetadata: (as) => ({
          ...goodAsMetadata(as),
          code_challenge_methods_supported: ['plain'],
        }),
      },
      authorizer,
    )
    assert.equal(codeOf(error), 'ERR_CLIENT_PKCE_UNSUPPORTED')
    assert.equal(authorizer.opened.length, 0)
  })

  void test('catalogue #149: an authorization server that does not list PKCE methods is refused', async () => {
    const authorizer = recordingAuthorizer()
    const error = await connect(
      {
        prm: (mcp, as) => ({ resource: mcp, authorization_servers: [as] }),
        asMetadata: (as) => {
          const metadata = goodAsMetadata(as)
          delete metadata['code_challenge_methods_supported']
          return metadata
        },
      },
      authorizer,
    )
    assert.equal(codeOf(error), 'ERR_CLIENT_PKCE_UNSUPPORTED')
    assert.equal(authorizer.opened.length, 0)
  })

  // javascript:/data: endpoints are also refused by the SDK's metadata schema; shell
  // metacharacters and file: reach our check (assertSafeBrowserUrl, unit-tested in url-safety).
  for (const [name, endpoint] of [
    ['shell metacharacters', (as: string) => `${as}/authorize$(touch /tmp/pwned)`],
    ['file:', () => 'file:///etc/passwd'],
  ] as const) {
    void test(`catalogue #159: an authorization_endpoint with a ${name} payload never reaches the browser`, async () => {
      const authorizer = recordingAuthorizer()
      const error = await connect(
        {
          prm: (mcp, as) => ({ resource: mcp, authorization_servers: [as] }),
          asMetadata: (as) => ({ ...goodAsMetadata(as), authorization_endpoint: endpoint(as) }),
        },
        authorizer,
      )
      assert.equal(codeOf(error), 'ERR_CLIENT_UNSAFE_URL')
      assert.equal(authorizer.opened.length, 0)
    })
  }

  void test('catalogue #135: discovery to a loopback server is blocked without the development switch', async () => {
    const authorizer = recordingAuthorizer()
    const error = await connect(
      {
        prm: (mcp, as) => ({ resource: mcp, authorization_servers: [as] }),
        asMetadata: goodAsMetadata,
      },
      authorizer,
      false,
    )
    assert.equal(codeOf(error), 'ERR_CLIENT_UNSAFE_URL')
    assert.equal(authorizer.opened.length, 0)
  })

  void test('catalogue #135: authorization_servers pointing at the metadata service (169.254.169.254) is blocked', async () => {
    const authorizer = recordingAuthorizer()
    const error = await connect(
      {
        prm: (mcp) => ({ resource: mcp, authorization_servers: ['http://169.254.169.254/latest'] }),
      },
      authorizer,
    )
    assert.equal(codeOf(error), 'ERR_CLIENT_UNSAFE_URL')
  })

  void test('RFC 6749 §10.12: a callback with another state is refused before the code is used', async () => {
    const authorizer = recordingAuthorizer(
      () => new URLSearchParams({ code: 'attacker-code', state: 'forged' }),
    )
    const error = await connect(
      {
        prm: (mcp, as) => ({ resource: mcp, authorization_servers: [as] }),
        asMetadata: goodAsMetadata,
      },
      authorizer,
    )
    assert.equal(codeOf(error), 'ERR_CLIENT_STATE_MISMATCH')
    assert.equal(authorizer.opened.length, 1)
  })

  void test('catalogue #11: a callback whose iss names another authorization server is refused (RFC 9207)', async () => {
    const authorizer = recordingAuthorizer(
      (_url, state) => new URLSearchParams({ code: 'c', state, iss: 'https://attacker.example' }),
    )
    const error = await connect(
      {
        prm: (mcp, as) => ({ resource: mcp, authorization_servers: [as] }),
        asMetadata: (as) => ({
          ...goodAsMetadata(as),
          authorization_response_iss_parameter_supported: true,
        }),
      },
      authorizer,
    )
    assert.equal(codeOf(error), 'ERR_CLIENT_ISSUER_MISMATCH')
  })

  void test('RFC 6749 §4.1.2.1: an error response is a typed AuthorizationError with its OAuth code', async () => {
    const setup: HostileSetup = {
      prm: (mcp, as) => ({ resource: mcp, authorization_servers: [as] }),
      asMetadata: goodAsMetadata,
    }
    const denied = authorizationErrorOf(await connect(setup, recordingAuthorizer()))
    assert.ok(denied)
    assert.equal(denied.code, 'ERR_CLIENT_AUTHORIZATION_DENIED')
    assert.equal(denied.error, 'access_denied')
    // A value that is not a plain error code is not passed on as one.
    const odd = authorizationErrorOf(
      await connect(
        setup,
        recordingAuthorizer((_url, state) => new URLSearchParams({ error: 'Bad <b>', state })),
      ),
    )
    assert.ok(odd)
    assert.equal(odd.error, 'invalid_response')
    assert.equal(odd.message, 'authorization failed: invalid_response')
  })

  void test('catalogue #166: the authorization request carries resource, PKCE S256 and state', async () => {
    const authorizer = recordingAuthorizer()
    await connect(
      {
        prm: (mcp, as) => ({ resource: mcp, authorization_servers: [as] }),
        asMetadata: goodAsMetadata,
      },
      authorizer,
    )
    const [url] = authorizer.opened
    assert.ok(url)
    assert.match(url.searchParams.get('resource') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.ok((url.searchParams.get('state') ?? '').length >= 43)
  })
})
