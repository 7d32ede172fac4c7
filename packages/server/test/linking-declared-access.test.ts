// catalogue #200: a tool reads only the third-party access it declared in `defineTool`, through
// a real MCP endpoint (SDK v2 client, verified token) and the real vault. Alice has linked Demo
// Calendar (granted `calendar.read calendar.write`) and Demo Mail; the probe tools all declare
// Demo Calendar with `calendar.read` only, so what they may read is what they declared, not what
// Alice linked or granted.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Store } from '@mandate/store'
import type { CallToolResult } from '@modelcontextprotocol/server'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { defineTool } from '../src/index.ts'
import type { LinkedAccess, ProtectedTool } from '../src/index.ts'
import type { AccessRequest, Linking } from '../src/linking/index.ts'
import { connectClient, text } from './support/linking-browser.ts'
import { startLinkingEnv } from './support/linking-env.ts'
import type { LinkingEnv } from './support/linking-env.ts'

const CALENDAR_READ: readonly LinkedAccess[] = [
  { provider: 'demo-calendar', scopes: ['calendar.read'] },
]

/** What a probe saw: the providers and scopes it read, a link request, or the refusal's code. */
async function probe(
  linking: Linking,
  ctx: Parameters<Linking['credentials']>[0],
  only: readonly AccessRequest[] | undefined,
): Promise<CallToolResult> {
  try {
    const outcome = await linking.credentials(ctx, only === undefined ? undefined : { only })
    if (!outcome.ok) return { content: [{ type: 'text', text: 'link required' }] }
    const read = Object.values(outcome.credentials).map(
      (c) => `${c.provider}:${c.scopes.join(',')}`,
    )
    return { content: [{ type: 'text', text: `read ${read.sort().join(' ')}` }] }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return { isError: true, content: [{ type: 'text', text: `refused ${String(code)}` }] }
  }
}

/** Tools that declare Demo Calendar (`calendar.read`) and ask for more or less at call time. */
function probeTools(linking: Linking): ProtectedTool[] {
  const declared = (name: string, only?: readonly AccessRequest[], access = CALENDAR_READ) =>
    defineTool(name, { description: name, access }, (ctx) => probe(linking, ctx, only))
  return [
    declared('declared_all'),
    declared('declared_read', [{ provider: 'demo-calendar', scopes: ['calendar.read'] }]),
    declared('undeclared_provider', [{ provider: 'demo-mail' }]),
    declared('undeclared_scope', [{ provider: 'demo-calendar', scopes: ['calendar.write'] }]),
    defineTool('no_declaration', { description: 'declares nothing' }, (ctx) =>
      probe(linking, ctx, undefined),
    ),
    declared('optional_mail', undefined, [
      ...CALENDAR_READ,
      { provider: 'demo-mail', scopes: ['mail.read'], optional: true },
    ]),
    declared(
      'optional_mail_now',
      [{ provider: 'demo-mail' }],
      [...CALENDAR_READ, { provider: 'demo-mail', scopes: ['mail.read'], optional: true }],
    ),
  ]
}

const backend = sqliteBackend()

void describe('catalogue #200: a tool reads only the access it declared in defineTool', async () => {
  const skip = await backend.skip()
  let store: Store
  let env: LinkingEnv
  let keyDir: string
  const call = async (sub: string, name: string): Promise<{ text: string; isError: boolean }> => {
    const client = await connectClient(env, sub, false, false)
    try {
      const result = await client.callTool({ name, arguments: {} })
      return { text: text(result), isError: result.isError === true }
    } finally {
      await client.close()
    }
  }
  const pendingLinks = async (sub: string): Promise<string[]> =>
    (
      await store.db
        .selectFrom('server_pending_links')
        .select('provider')
        .where('sub', '=', sub)
        .execute()
    ).map((row) => row.provider)

  before(async () => {
    if (skip !== false) return
    keyDir = mkdtempSync(join(tmpdir(), 'mandate-linking-'))
    store = await backend.open({ migrate: true })
    env = await startLinkingEnv(store, join(keyDir, 'master.key'), { tools: probeTools })
    const link = (sub: string, provider: string, scope: string) =>
      env.vault.saveOAuthCredential({
        sub,
        provider,
        account: `${sub}-${provider}`,
        tokens: {
          access_token: `${provider}-token`,
          token_type: 'bearer',
          expires_in: 3600,
          scope,
        },
      })
    await link('alice', 'demo-calendar', 'calendar.read calendar.write')
    await link('alice', 'demo-mail', 'mail.read')
    await link('bob', 'demo-calendar', 'calendar.read')
  })
  after(async () => {
    if (skip !== false) return
    await env.close()
    await store.close()
    await backend.cleanup()
    rmSync(keyDir, { recursive: true, force: true })
  })

  void it('the declared provider and scope are read (positive control)', { skip }, async () => {
    assert.deepEqual(await call('alice', 'declared_all'), {
      text: 'read demo-calendar:calendar.read',
      isError: false,
    })
    assert.deepEqual(await call('alice', 'declared_read'), {
      text: 'read demo-calendar:calendar.read',
      isError: false,
    })
  })

  void it(
    'a provider the tool did not declare is refused, although the user linked it',
    { skip },
    async () => {
      assert.deepEqual(await call('alice', 'undeclared_provider'), {
        text: 'refused ERR_LINKING_UNDECLARED_ACCESS',
        isError: true,
      })
      // Refused before the vault or a connect link: nothing was asked of the user.
      assert.deepEqual(await pendingLinks('alice'), [])
    },
  )

  void it(
    'a scope the tool did not declare is refused, although the account granted it',
    { skip },
    async () => {
      assert.deepEqual(await call('alice', 'undeclared_scope'), {
        text: 'refused ERR_LINKING_UNDECLARED_ACCESS',
        isError: true,
      })
      assert.deepEqual(await pendingLinks('alice'), [])
    },
  )

  void it('a tool that declared no access reads nothing', { skip }, async () => {
    assert.deepEqual(await call('alice', 'no_declaration'), {
      text: 'refused ERR_LINKING_UNDECLARED_ACCESS',
      isError: true,
    })
  })

  void it(
    'the vault itself refuses what the declaration lacks (defence in depth)',
    { skip },
    async () => {
      const reader = env.vault.forTool(CALENDAR_READ)
      const granted = await reader.getFreshCredential({
        sub: 'alice',
        provider: 'demo-calendar',
        scopes: ['calendar.read'],
      })
      assert.equal(granted.access_token, 'demo-calendar-token')
      await assert.rejects(reader.getFreshCredential({ sub: 'alice', provider: 'demo-mail' }), {
        code: 'ERR_VAULT_UNDECLARED_ACCESS',
      })
      await assert.rejects(
        reader.getFreshCredential({
          sub: 'alice',
          provider: 'demo-calendar',
          scopes: ['calendar.write'],
        }),
        { code: 'ERR_VAULT_UNDECLARED_ACCESS' },
      )
    },
  )

  void it(
    'an optional provider the user has not linked is skipped, unless the tool asks for it now',
    { skip },
    async () => {
      assert.deepEqual(await call('bob', 'optional_mail'), {
        text: 'read demo-calendar:calendar.read',
        isError: false,
      })
      assert.deepEqual(await pendingLinks('bob'), [])
      assert.deepEqual(await call('bob', 'optional_mail_now'), {
        text: 'link required',
        isError: false,
      })
      assert.deepEqual(await pendingLinks('bob'), ['demo-mail'])
    },
  )
})
