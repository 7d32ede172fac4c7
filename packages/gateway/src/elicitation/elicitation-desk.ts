import type { Client, ElicitResult } from '@modelcontextprotocol/client'
import { isSafeElicitationUrl } from './url-safety.ts'

/** A URL elicitation an upstream sent (`elicitation/create`, mode `url`), as the gateway passes it on. */
export interface UpstreamUrlElicitation {
  message: string
  /** Exactly the upstream's string (checked by {@link isSafeElicitationUrl}, never rewritten). */
  url: string
  elicitationId: string
}

/** The upstream's request, waiting for the caller's answer; `answer` settles it once. */
export interface HeldElicitation {
  readonly request: UpstreamUrlElicitation
  answer(result: ElicitResult): void
}

/** A call in flight that wants to hear of URL elicitations its upstream sends while it runs. */
export type ElicitationListener = (held: HeldElicitation) => void

/** What the desk did with an upstream's request, for the gateway's log. */
export type RefusedElicitation = 'form mode' | 'unsafe url' | 'no call in flight'

/**
 * One user's upstream session's side of `elicitation/create` (MCP 2025-11-25 client/elicitation;
 * a 2026-07-28 upstream's input-required rounds arrive here through the SDK client's driver).
 * The session belongs to one `sub` and one client, so a request can only reach that caller:
 * the newest of its calls in flight, never another user. Form mode is declined (the gateway
 * declares URL mode only, catalogue #184); a URL that is not safe to show is declined before
 * anyone sees it (catalogue #185); a request with no call in flight is declined.
 */
export class ElicitationDesk {
  readonly #listeners: ElicitationListener[] = []
  readonly #parked = new Map<string, unknown>()
  readonly #refused: (why: RefusedElicitation) => void

  constructor(refused: (why: RefusedElicitation) => void = () => undefined) {
    this.#refused = refused
  }

  /** Runs `run` with `listener` hearing this session's URL elicitations while it is the newest. */
  async during<T>(listener: ElicitationListener, run: () => Promise<T>): Promise<T> {
    this.#listeners.push(listener)
    try {
      return await run()
    } finally {
      this.#listeners.splice(this.#listeners.lastIndexOf(listener), 1)
    }
  }

  /** Answers one upstream `elicitation/create` (the SDK client's request handler). */
  handle(params: Record<string, unknown>): Promise<ElicitResult> {
    if (params['mode'] !== 'url') return this.#decline('form mode')
    const { url, message, elicitationId } = params
    if (!isSafeElicitationUrl(url)) return this.#decline('unsafe url')
    const listener = this.#listeners.at(-1)
    if (listener === undefined) return this.#decline('no call in flight')
    const request: UpstreamUrlElicitation = {
      url,
      message: typeof message === 'string' ? message : '',
      elicitationId: typeof elicitationId === 'string' ? elicitationId : '',
    }
    return new Promise<ElicitResult>((resolve) => {
      let answered = false
      listener({
        request,
        answer: (result) => {
          if (answered) return
          answered = true
          resolve(result)
        },
      })
    })
  }

  /** Keeps a call waiting for its caller's retry (2026-07-28), on this user's session only. */
  park(id: string, value: unknown): void {
    this.#parked.set(id, value)
  }

  /** The parked call `id` of this session, removed (a retry takes it once). */
  take(id: string): unknown {
    const value = this.#parked.get(id)
    this.#parked.delete(id)
    return value
  }

  #decline(why: RefusedElicitation): Promise<ElicitResult> {
    this.#refused(why)
    return Promise.resolve({ action: 'decline' })
  }
}

/**
 * Declares URL-mode elicitation to the upstream (only URL mode: form mode asks the person for
 * data through the model's client, catalogue #184) and answers its requests from `desk`. Called
 * before `connect`, only for sessions whose caller can be shown a URL.
 */
export function acceptUrlElicitations(client: Client, desk: ElicitationDesk): void {
  client.registerCapabilities({ elicitation: { url: {} } })
  client.setRequestHandler('elicitation/create', (request) =>
    desk.handle(request.params as Record<string, unknown>),
  )
}
