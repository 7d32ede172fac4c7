// Issue 12: every revocation path of the authorization server writes the revocation log and
// announces a typed event on REVOCATION_CHANNEL; introspection honours the log (deny-list of
// jtis, grant cut-offs, user cut-offs) without a record per issued token. Both backends.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oauth from 'oauth4webapi'
import { decodeJwt } from 'jose'
import { REVOCATION_CHANNEL } from '@mandate/core'
import type { RevocationEvent } from '@mandate/core'
import type { Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'
import {
  authorize,
  insecure,
  PASSWORD,
  publicClient,
  redeem,
  RS_CLIENT,
  RS_SECRET,
  startServer,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { listGrantsOf } from '../src/grants/grant-summaries.ts'

for (const backend of backends()) {
  void describe(`revocation log and events (${backend.name})`, async () => {
    const skip = await backend.skip()
    let store: Store
    let h: Harness
    const events: RevocationEvent[] = []
    const waiters: (() => void)[] = []
    const rs: oauth.Client = { client_id: RS_CLIENT }
    const rsAuth = oauth.ClientSecretBasic(RS_SECRET)

    before(async () => {
      if (skip !== false) return
      store = await backend.open({ migrate: true })
      h = await startServer(store)
      await h.server.users.add({ username: 'bob', password: PASSWORD })
      store.subscribe(REVOCATION_CHANNEL, (message) => {
        events.push(message as unknown as RevocationEvent)
        for (const wake of waiters.splice(0)) wake()
      })
    })
    after(async () => {
      if (skip !== false) return
      await h.close()
      await store.close()
      await backend.cleanup()
    })

    /** Waits for the event matching `match` (pub/sub delivers asynchronously). */
    const eventWhere = async (match: (e: RevocationEvent) => boolean): Promise<RevocationEvent> => {
      for (;;) {
        const found = events.find(match)
        if (found !== undefined) return found
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    }
    const active = async (token: string): Promise<boolean> =>
      (
        await oauth.processIntrospectionResponse(
          h.as,
          rs,
          await oauth.introspectionRequest(h.as, rs, rsAuth, token, insecure),
        )
      ).active
    const signIn = async (username: string) =>
      redeem(h, await authorize(h, { username, password: PASSWORD }))

    void it(
      'issuing tokens records nothing per token (deny-list, not an issuance log)',
      { skip },
      async () => {
        const before = await store.db.selectFrom('revocations').select('seq').execute()
        const tokens = await signIn('alice')
        assert.equal(typeof decodeJwt(tokens.access_token)['gid'], 'string')
        const after = await store.db.selectFrom('revocations').select('seq').execute()
        assert.equal(after.length, before.length)
        assert.equal(await active(tokens.access_token), true)
      },
    )

    void it(
      'RFC 7009: the revoked jti is logged and announced with sub and client; introspection inactive; another user unaffected',
      { skip },
      async () => {
        const alice = await signIn('alice')
        const bob = await signIn('bob')
        const claims = decodeJwt(alice.access_token)
        await oauth.processRevocationResponse(
          await oauth.revocationRequest(
            h.as,
            publicClient(),
            oauth.None(),
            alice.access_token,
            insecure,
          ),
        )
        const event = await eventWhere((e) => e.type === 'token' && e.jti === claims.jti)
        assert.equal(event.type === 'token' ? event.sub : undefined, claims.sub)
        assert.equal(event.type === 'token' ? event.client_id : undefined, claims['client_id'])
        assert.equal(typeof event.seq, 'number')
        assert.equal(await active(alice.access_token), false)
        assert.equal(await active(bob.access_token), true)
      },
    )

    void it(
      'grant revoked: every token of the grant refused, a token issued afterwards works',
      { skip },
      async () => {
        const first = await signIn('bob')
        const second = await signIn('bob')
        const sub = decodeJwt(first.access_token).sub ?? ''
        const [grant] = await listGrantsOf(store, sub)
        assert.ok(grant)
        await h.server.revokeGrant(grant.grantId)
        const gid = decodeJwt(first.access_token)['gid']
        await eventWhere((e) => e.type === 'grant' && e.gid === gid)
        assert.equal(await active(first.access_token), false)
        assert.equal(await active(second.access_token), false)
        // Re-authorized a moment later: a new grant, and `iat` with ms keeps it clear of the cut.
        const fresh = await signIn('bob')
        assert.equal(await active(fresh.access_token), true)
      },
    )

    void it(
      'user disabled: a subject event; the user’s tokens inactive and refresh refused; another user unaffected',
      { skip },
      async () => {
        await h.server.users.add({ username: 'carol', password: PASSWORD })
        const carol = await signIn('carol')
        const alice = await signIn('alice')
        await h.server.users.setDisabled('carol', true)
        const sub = decodeJwt(carol.access_token).sub
        await eventWhere((e) => e.type === 'subject' && e.sub === sub)
        assert.equal(await active(carol.access_token), false)
        const refresh = await oauth.refreshTokenGrantRequest(
          h.as,
          publicClient(),
          oauth.None(),
          carol.refresh_token ?? '',
          insecure,
        )
        assert.equal(refresh.status, 400)
        assert.equal(await active(alice.access_token), true)
      },
    )
  })
}
