import { createHash } from 'node:crypto'

/**
 * The one stylesheet of every page (authorization server, connect pages, landing page,
 * operator console). Light and dark follow `prefers-color-scheme`; colours meet WCAG 2.2 AA
 * contrast (4.5:1 text, 3:1 focus ring and borders); the layout is one column on a phone.
 */
export const STYLESHEET = `:root{color-scheme:light dark;--bg:#fff;--fg:#1a1a1a;--muted:#4b5563;--line:#cbd5e1;--panel:#f8fafc;--accent:#1d4ed8;--accent-fg:#fff;--warn-bg:#fff4e5;--warn-line:#b45309;--err-bg:#fde8e8;--err-line:#b91c1c;--ok:#166534;--danger:#b91c1c;--danger-fg:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#111827;--fg:#f3f4f6;--muted:#cbd5e1;--line:#4b5563;--panel:#1f2937;--accent:#93c5fd;--accent-fg:#111827;--warn-bg:#3b2a12;--warn-line:#f59e0b;--err-bg:#3f1d1d;--err-line:#f87171;--ok:#86efac;--danger:#fca5a5;--danger-fg:#111827}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg);font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;-webkit-text-size-adjust:100%}
body{margin:0}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.25rem .5rem;z-index:1}
header.top{border-bottom:1px solid var(--line);background:var(--panel)}
header.top .bar{max-width:56rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg);margin-right:auto}
header.top nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
header.top .who{color:var(--muted);font-size:.9rem}
main{max-width:56rem;margin:0 auto;padding:1rem 1rem 3rem}
main.narrow{max-width:34rem}
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0}
h2{font-size:1.2rem;margin:2rem 0 .5rem;padding-top:.5rem;border-top:1px solid var(--line)}
h3{font-size:1rem;margin:1rem 0 .25rem}
label{display:block;margin-top:1rem;font-weight:600}
label.inline{display:inline;font-weight:400;margin:0}
input[type=text],input[type=password],input[type=search],input[type=email],select{width:100%;max-width:28rem;padding:.55rem;font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--muted);border-radius:.375rem}
input[type=checkbox]{width:1.15rem;height:1.15rem;vertical-align:middle;margin-right:.4rem}
button{margin-top:1rem;padding:.55rem 1.1rem;font:inherit;font-weight:600;cursor:pointer;border-radius:.375rem;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);min-height:2.75rem}
form>button{display:block}form.inline>button{display:inline-block}
button.secondary{background:transparent;color:var(--accent)}
button.danger{background:var(--danger);border-color:var(--danger);color:var(--danger-fg)}
button.small{margin-top:0;padding:.3rem .7rem;min-height:2.25rem;font-size:.9rem}
form.inline{display:inline-block;margin:0 .25rem .25rem 0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.warning{background:var(--warn-bg);border-left:4px solid var(--warn-line);padding:.5rem 1rem;margin:1rem 0}
.error{background:var(--err-bg);border-left:4px solid var(--err-line);padding:.5rem 1rem;margin:1rem 0}
.notice{background:var(--panel);border-left:4px solid var(--accent);padding:.5rem 1rem;margin:1rem 0}
.muted,small{color:var(--muted)}
.host{font-size:1.15rem;font-weight:700;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--panel);padding:0 .25rem;border-radius:.25rem;overflow-wrap:break-word}
.badge{display:inline-block;font-size:.8rem;font-weight:600;padding:0 .45rem;border-radius:1rem;border:1px solid currentColor}
.badge.ok{color:var(--ok)}.badge.warn{color:var(--warn-line)}
fieldset{border:1px solid var(--line);border-radius:.375rem;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.scope{padding:.35rem 0}
details{margin:.15rem 0}summary{cursor:pointer;color:var(--muted);font-size:.9rem}
.card{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0;background:var(--panel)}
.card h3{margin-top:0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-word}
.table{width:100%;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}
ul.plain{list-style:none;padding:0}
.qr svg{width:200px;height:200px;background:#fff;padding:8px}
form.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end}
form.filters label{margin-top:.5rem}
footer.bottom{max-width:56rem;margin:0 auto;padding:1rem;color:var(--muted);font-size:.85rem}
@media (max-width:40rem){h1{font-size:1.35rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}th,td{padding:.35rem .4rem}}
`

/**
 * Progressive enhancement only (every page works without it): shows each `<time>` in the
 * reader's own time zone and language. Served from our origin; no inline script anywhere.
 */
export const PAGE_SCRIPT = `(function(){var f;try{f=new Intl.DateTimeFormat(undefined,{dateStyle:'medium',timeStyle:'short'})}catch(e){return}
document.querySelectorAll('time[datetime]').forEach(function(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d.getTime()))t.setAttribute('title',f.format(d))})})();
`

const digest = (text: string): string =>
  createHash('sha256').update(text).digest('hex').slice(0, 16)

/** The stylesheet's content-addressed path: a new version is a new URL, so it may be cached for a year. */
export const STYLESHEET_PATH = `/assets/mandate.${digest(STYLESHEET)}.css`
/** The page script's content-addressed path (see `STYLESHEET_PATH`). */
export const PAGE_SCRIPT_PATH = `/assets/mandate.${digest(PAGE_SCRIPT)}.js`

/** Response headers of the hashed assets. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable'

/**
 * The Content-Security-Policy of every page: styles and scripts from our origin only (no
 * inline script or style), nothing framed or framing (catalogue #16), forms to our origin or
 * the redirects they lead to (consent returns to the client).
 */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'"

/**
 * The security headers of every page: the policy above, never framed (X-Frame-Options for older
 * browsers), no Referer carrying an id in the URL to another site, no content sniffing.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': PAGE_CSP,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
})

/** The asset at `path` (content type and body), or undefined. */
export function pageAsset(path: string): { type: string; body: string } | undefined {
  if (path === STYLESHEET_PATH) return { type: 'text/css; charset=utf-8', body: STYLESHEET }
  if (path === PAGE_SCRIPT_PATH) {
    return { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT }
  }
  return undefined
}
