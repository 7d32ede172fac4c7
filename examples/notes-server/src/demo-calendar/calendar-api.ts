import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DemoProvider } from './demo-provider.ts'

/**
 * The Demo Calendar's API, `GET /api/today`: today's events for a valid, unexpired access token
 * with `calendar.read` (RFC 6750 `invalid_token` otherwise).
 */
export async function todayEndpoint(
  provider: DemoProvider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const value = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
  const token = value === undefined ? undefined : await provider.AccessToken.find(value)
  if (
    token === undefined ||
    token.isExpired ||
    !(token.scope ?? '').split(' ').includes('calendar.read')
  ) {
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
    return
  }
  const day = new Date().toISOString().slice(0, 10)
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify({
      user: token.accountId,
      date: day,
      events: [
        { time: '09:30', title: 'Stand-up' },
        { time: '13:00', title: 'Lunch with Sam' },
        { time: '16:00', title: 'Review the Mandate demo' },
      ],
    }),
  )
}
