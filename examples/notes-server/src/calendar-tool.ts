import { defineTool } from '@mandate/server'
import type { ProtectedTool } from '@mandate/server'
import type { Linking, LinkedCredentials } from '@mandate/server/linking'

/**
 * Where a linked-account tool gets its credentials: the server's `Linking`
 * (`@mandate/server/linking`), of which it uses only `credentials(ctx, options)`.
 */
export type CredentialsSource = Pick<Linking, 'credentials'>

/** The third-party access `calendar_today` declares (the vault refuses anything else). */
export const CALENDAR_ACCESS = [{ provider: 'demo-calendar', scopes: ['calendar.read'] }] as const

interface Today {
  date: string
  events: { time: string; title: string }[]
}

/**
 * `calendar_today`: reads the user's Demo Calendar through the vault. The first call asks the
 * user to link their account (URL elicitation, or a message for the user); the token never
 * reaches the client or the model, only the events do.
 * @param api the calendar API base, e.g. `startDemoCalendarProvider(…).api`
 */
export function calendarTodayTool(linking: CredentialsSource, api: string): ProtectedTool {
  return defineTool(
    'calendar_today',
    {
      title: "Today's calendar",
      description: "Lists today's events in the user's Demo Calendar (asks to link it first).",
      annotations: { readOnlyHint: true, openWorldHint: true },
      access: CALENDAR_ACCESS,
    },
    async (ctx) => {
      let outcome = await linking.credentials(ctx)
      if (!outcome.ok) return outcome.answer
      let response = await readToday(api, outcome.credentials)
      if (response.status === 401) {
        // Revoked or expired early at the provider: the vault refreshes it now, once (or asks
        // the user to link again when it cannot).
        outcome = await linking.credentials(ctx, { rejected: outcome.credentials })
        if (!outcome.ok) return outcome.answer
        response = await readToday(api, outcome.credentials)
      }
      if (!response.ok) {
        return {
          isError: true,
          content: [{ type: 'text', text: 'Demo Calendar did not answer; try again later.' }],
        }
      }
      const today = (await response.json()) as Today
      const lines = today.events.map((e) => `${e.time} ${e.title}`)
      return {
        content: [{ type: 'text', text: [`Events on ${today.date}:`, ...lines].join('\n') }],
      }
    },
  )
}

function readToday(api: string, credentials: LinkedCredentials): Promise<Response> {
  const token = credentials['demo-calendar']?.access_token ?? ''
  return fetch(`${api}/today`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  })
}
