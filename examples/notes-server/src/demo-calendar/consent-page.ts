import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DemoProvider } from './demo-provider.ts'

const escape = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`)

/** Writes a small self-contained HTML page (the Demo Calendar is not a Mandate page). */
function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http:; frame-ancestors 'none'",
  })
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo Calendar</title></head><body style="font-family:system-ui;max-width:36rem;margin:3rem auto">${body}</body></html>`,
  )
}

/**
 * The Demo Calendar's sign-in-and-consent page (`/interaction/<uid>`): `GET` asks, `POST`
 * grants the requested scopes to the typed user name, or denies (`access_denied`).
 */
export async function consentInteraction(
  provider: DemoProvider,
  clientId: string,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
): Promise<void> {
  const details = await provider.interactionDetails(req, res)
  const requested = details.params['scope']
  if (req.method !== 'POST') {
    const scope = typeof requested === 'string' ? requested : ''
    sendHtml(
      res,
      200,
      `<h1>Demo Calendar</h1><p>An application asks to read your calendar (<code>${escape(scope)}</code>).</p>
        <form method="post" action="/interaction/${escape(uid)}"><p><label>Demo Calendar user <input name="user" value="demo-user"></label></p>
        <button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button></form>`,
    )
    return
  }
  let body = ''
  for await (const chunk of req) body += String(chunk)
  const form = new URLSearchParams(body)
  if (form.get('decision') !== 'allow') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'the user denied access' },
      { mergeWithLastSubmission: false },
    )
    return
  }
  const user = /^[\w.-]{1,64}$/.test(form.get('user') ?? '')
    ? (form.get('user') ?? '')
    : 'demo-user'
  const grant = new provider.Grant({ accountId: user, clientId })
  grant.addOIDCScope(typeof requested === 'string' ? requested : 'openid')
  const grantId = await grant.save()
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  )
}
