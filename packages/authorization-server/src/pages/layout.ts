import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

type Content = HtmlEscapedString | Promise<HtmlEscapedString> | string

const STYLE = `
body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}
h1{font-size:1.5rem}label{display:block;margin-top:1rem;font-weight:600}
input[type=text],input[type=password]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}
button:focus,input:focus,a:focus{outline:3px solid #1d4ed8;outline-offset:2px}
.warning{background:#fff4e5;border-left:4px solid #b45309;padding:.5rem 1rem;margin:1rem 0}
.error{background:#fde8e8;border-left:4px solid #b91c1c;padding:.5rem 1rem;margin:1rem 0}
.host{font-size:1.25rem;font-weight:700;font-family:ui-monospace,monospace;word-break:break-all}
fieldset{border:1px solid #ccc;margin-top:1rem}ul.grants{padding-left:1rem}
.qr{margin:1rem 0}.qr svg{width:200px;height:200px;background:#fff}`

/** The shell every page shares: no script, one inline style (hashed in the CSP). */
export function layout(title: string, body: Content): string {
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · Mandate</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`
  // Every fragment we render is synchronous; an async one would be a programming error.
  if (page instanceof Promise) throw new TypeError('pages must render synchronously')
  return page.toString()
}
