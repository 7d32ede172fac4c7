// A minimal cookie-keeping HTTP user agent that walks oidc-provider's redirects and submits
// our server-rendered forms, for protocol tests (the real browser runs in pages.test.ts).

export interface FormFields {
  [name: string]: string | string[]
}

export class BrowserAgent {
  readonly cookies = new Map<string, string>()
  lastHtml = ''
  lastStatus = 0
  lastHeaders = new Headers()

  async request(url: string, init: { method?: string; form?: FormFields } = {}): Promise<Response> {
    const headers = new Headers()
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    if (cookie !== '') headers.set('cookie', cookie)
    let body: string | undefined
    if (init.form !== undefined) {
      const params = new URLSearchParams()
      for (const [key, value] of Object.entries(init.form)) {
        for (const v of Array.isArray(value) ? value : [value]) params.append(key, v)
      }
      body = params.toString()
      headers.set('content-type', 'application/x-www-form-urlencoded')
    }
    const response = await fetch(url, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const index = pair?.indexOf('=') ?? -1
      if (pair === undefined || index < 0) continue
      const name = pair.slice(0, index).trim()
      const value = pair.slice(index + 1).trim()
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    this.lastStatus = response.status
    this.lastHeaders = response.headers
    return response
  }

  /** Follows redirects until one points at `stopPrefix` (returned) or a page is rendered. */
  async follow(
    url: string,
    stopPrefix: string,
    init: { method?: string; form?: FormFields } = {},
  ): Promise<{ location?: string; html?: string }> {
    let response = await this.request(url, init)
    let current = url
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location')
      if (location === null) {
        this.lastHtml = await response.text()
        return { html: this.lastHtml }
      }
      const next = new URL(location, current).href
      if (next.startsWith(stopPrefix)) return { location: next }
      current = next
      response = await this.request(next)
    }
    throw new Error('too many redirects')
  }
}

/** Reads a form's action and hidden fields from our pages. */
export function parseForm(
  html: string,
  actionContains: string,
): { action: string; fields: Record<string, string> } {
  const forms = [
    ...html.matchAll(/<form\s+method="post"\s+action="([^"]+)"\s*>([\s\S]*?)<\/form>/g),
  ]
  const form = forms.find((m) => (m[1] ?? '').includes(actionContains))
  if (form === undefined) throw new Error(`no form with action containing ${actionContains}`)
  const fields: Record<string, string> = {}
  for (const tag of inputs(form[2] ?? '')) {
    if (!tag.includes('type="hidden"')) continue
    const name = /name="([^"]+)"/.exec(tag)?.[1]
    const value = /value="([^"]*)"/.exec(tag)?.[1]
    if (name !== undefined && value !== undefined) fields[name] = decodeEntities(value)
  }
  return { action: decodeEntities(form[1] ?? ''), fields }
}

export function checkboxValues(html: string): string[] {
  return inputs(html)
    .filter((tag) => tag.includes('type="checkbox"') && tag.includes('name="scope"'))
    .map((tag) => decodeEntities(/value="([^"]*)"/.exec(tag)?.[1] ?? ''))
}

function inputs(html: string): string[] {
  return [...html.matchAll(/<input\b[^>]*>/g)].map((m) => m[0])
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
}
