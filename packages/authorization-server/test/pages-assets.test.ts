// The authorization server's pages over HTTP (issue 16): the hashed assets with a year-long
// cache, the one strict CSP on every page, and the consent page of a re-consent that adds no
// permission (after a second factor) shows no empty "Permissions" box.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PAGE_CSP, PAGE_SCRIPT_PATH, STYLESHEET, STYLESHEET_PATH } from '@mandate/core'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { startServer } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { consentPage } from '../src/pages/consent-page.ts'

const client = { id: 'dcr_x', name: 'CLI', host: '127.0.0.1:1', verified: false }
const view = {
  action: '/a',
  abortAction: '/b',
  csrf: 'c',
  user: { name: 'ann' },
  client,
  redirectHost: '127.0.0.1:1',
  localhostRedirect: true,
}

void describe('pages over HTTP: assets and CSP', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  void it('serves the stylesheet and script under their hash, immutable for a year', async () => {
    for (const path of [STYLESHEET_PATH, PAGE_SCRIPT_PATH]) {
      const response = await fetch(`${h.issuer}${path}`)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable')
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
      const body = await response.text()
      if (path === STYLESHEET_PATH) {
        assert.equal(body, STYLESHEET)
        assert.match(response.headers.get('content-type') ?? '', /^text\/css/)
      }
    }
    // Any other name under /assets is not found (no directory, no old versions).
    const stale = await fetch(`${h.issuer}/assets/mandate.0123456789abcdef.css`)
    assert.equal(stale.status, 404)
    await stale.body?.cancel()
  })

  void it('every page carries the one strict CSP and no inline style or script', async () => {
    for (const path of ['/account/sign-out', '/oauth/interaction/expired', '/account/sign-in']) {
      const response = await fetch(`${h.issuer}${path}`, { redirect: 'manual' })
      assert.equal(response.headers.get('content-security-policy'), PAGE_CSP, path)
      const body = await response.text()
      assert.doesNotMatch(body, /<style|\sstyle=|<script>/, path)
    }
  })
})

void describe('consent page', () => {
  void it('a re-consent that asks for no new permission has no empty Permissions box', () => {
    const page = consentPage({ ...view, scopes: [] })
    assert.doesNotMatch(page, /<fieldset/)
    assert.match(page, /data-testid="no-new-scopes"/)
    assert.match(page, /Allow<\/button>/)
  })

  void it('(positive control) a consent with scopes lists them with the raw name on demand', () => {
    const page = consentPage({ ...view, scopes: [{ name: 'offline_access' }, { name: 'x:y' }] })
    assert.match(page, /<fieldset/)
    assert.match(page, /Keep access while you are away/)
    assert.match(
      page,
      /<summary>Technical name<\/summary>\s*<code translate="no">offline_access<\/code>/,
    )
    assert.match(page, /Signed in as <span translate="no">ann<\/span>/)
  })
})
