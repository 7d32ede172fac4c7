import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

export function page(title: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          body {
            font-family: system-ui, sans-serif;
            max-width: 40rem;
            margin: 3rem auto;
            padding: 0 1rem;
          }
          button {
            font-size: 1rem;
            padding: 0.5rem 1rem;
          }
          code {
            background: #f2f2f2;
            padding: 0 0.25rem;
          }
          table {
            border-collapse: collapse;
          }
          td,
          th {
            padding: 0.25rem 0.75rem;
            text-align: left;
          }
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html>`
}

export function messagePage(title: string, text: string): Html {
  return page(
    title,
    html`<h1>${title}</h1>
      <p>${text}</p>`,
  )
}
