// The design system of every page (issue 16): escaping, the strings table, the layout with no
// inline style or script, and the content-addressed stylesheet.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  dataTable,
  html,
  PAGE_CSP,
  PAGE_SCRIPT_PATH,
  pageAsset,
  raw,
  relativeTime,
  renderPage,
  STRINGS,
  stringFragments,
  STYLESHEET,
  STYLESHEET_PATH,
  t,
  text,
  translatedOrRaw,
} from '@mandate/core'

void describe('pages: html and strings', () => {
  void it('escapes every interpolated value unless it is already markup', () => {
    const evil = '<script>alert(1)</script>"\''
    assert.equal(
      html`<p title="${evil}">${evil}${raw('<b>ok</b>')}</p>`.toString(),
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;<b>ok</b></p>',
    )
    // Hono's fragments (isEscaped) are inserted as they are, and ours inside Hono's.
    const hono = Object.assign(new String('<i>x</i>'), { isEscaped: true as const })
    assert.equal(html`${hono}`.toString(), '<i>x</i>')
  })

  void it('t() fills placeholders with escaped values marked translate="no"; text() is plain', () => {
    assert.equal(
      t('nav.signedInAs', { name: '<bob>' }).toString(),
      'Signed in as <span translate="no">&lt;bob&gt;</span>',
    )
    assert.equal(text('nav.signedInAs', { name: 'bob' }), 'Signed in as bob')
  })

  void it('translatedOrRaw: a key, an English text of the table, or foreign text as data', () => {
    assert.equal(translatedOrRaw('error.formExpired').toString(), STRINGS['error.formExpired'])
    assert.equal(
      translatedOrRaw('The form expired. Try again.').toString(),
      'The form expired. Try again.',
    )
    assert.equal(
      translatedOrRaw('grant request is invalid').toString(),
      '<span translate="no">grant request is invalid</span>',
    )
  })

  void it('stringFragments splits entries at their placeholders', () => {
    const fragments = stringFragments()
    assert.ok(fragments.has('Signed in as'))
    assert.ok(fragments.has('wants to act on your behalf.'))
    assert.ok(!fragments.has('{name}'))
  })

  void it('relativeTime: exact datetime, relative words from the table', () => {
    const now = Date.UTC(2026, 11, 4, 12)
    assert.match(
      relativeTime(now - 3 * 3_600_000, now).toString(),
      /datetime="2026-12-04T09:00:00.000Z"[^>]*>\s*<span translate="no">3<\/span> h ago/,
    )
    assert.equal(relativeTime(null, now).toString(), 'never')
  })

  void it('dataTable: a heading per column, escaped cells, data cells marked translate="no"', () => {
    const rows = [{ who: '<ann>', status: true }]
    const table = dataTable({
      testId: 'people',
      columns: [
        { heading: 'admin.user', cell: (r) => r.who, data: true },
        { heading: 'admin.status', cell: (r) => (r.status ? t('admin.active') : '') },
      ],
      rows,
    }).toString()
    const flat = table.replace(/>\s+</g, '><')
    assert.match(flat, /^<div class="table"><table data-testid="people"><thead><tr>/)
    assert.match(flat, /<th scope="col">User<\/th><th scope="col">Status<\/th>/)
    assert.match(flat, /<td translate="no">&lt;ann&gt;<\/td><td>active<\/td>/)
    assert.match(dataTable({ columns: [], rows: [] }).toString(), /<table>/)
  })
})

void describe('pages: layout and assets', () => {
  void it('the stylesheet and script are served under a content hash, with a long cache', () => {
    const hash = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 16)
    assert.equal(STYLESHEET_PATH, `/assets/mandate.${hash}.css`)
    assert.equal(pageAsset(STYLESHEET_PATH)?.body, STYLESHEET)
    assert.match(pageAsset(PAGE_SCRIPT_PATH)?.type ?? '', /javascript/)
    assert.equal(pageAsset('/assets/mandate.0000000000000000.css'), undefined)
    assert.match(STYLESHEET, /prefers-color-scheme:dark/)
  })

  void it('the layout links the assets, has no inline style or script, and a sign-out link', () => {
    const page = renderPage({ title: 'Sign in', body: html`<h1>x</h1>`, user: { name: 'ann' } })
    assert.ok(page.includes(`<link rel="stylesheet" href="${STYLESHEET_PATH}" />`))
    assert.ok(page.includes(`<script src="${PAGE_SCRIPT_PATH}" defer></script>`))
    assert.doesNotMatch(page, /<style|\sstyle=|<script>/)
    assert.match(page, /href="\/account\/sign-out"/)
    assert.match(page, /<title>Sign in · Mandate<\/title>/)
    assert.doesNotMatch(renderPage({ title: 'x', body: '' }), /sign-out/)
  })

  void it('the CSP allows no inline script or style', () => {
    assert.match(PAGE_CSP, /style-src 'self';/)
    assert.match(PAGE_CSP, /script-src 'self';/)
    assert.doesNotMatch(PAGE_CSP, /unsafe-inline|unsafe-eval/)
    assert.match(PAGE_CSP, /frame-ancestors 'none'/)
  })
})
