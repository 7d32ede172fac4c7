import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { ClientError } from '../errors.ts'
import type { AuthorizationRequest, Authorizer } from './authorizer.ts'

/** What {@link createLoopbackAuthorizer} shows the person, and how long it waits. */
export interface LoopbackAuthorizerOptions {
  /** Shows the URL and opens the browser (e.g. {@link openInBrowser}); called once per request. */
  present: (request: AuthorizationRequest) => Promise<void> | void
  /** Time allowed for the person to finish in the browser. Default 5 minutes. */
  timeoutMs?: number
  /** Path of the redirect URI. Default `/callback`. */
  path?: string
}

/** An {@link Authorizer} listening on 127.0.0.1; close it when the host quits. */
export interface LoopbackAuthorizer extends Authorizer {
  readonly timeoutMs: number
  /** Stops listening; a sign-in still waiting fails at once with `ERR_CLIENT_AUTHORIZATION_CANCELLED`. */
  close(): Promise<void>
}

interface Waiting {
  state: string
  resolve: (params: URLSearchParams) => void
  reject: (error: ClientError) => void
}

/** The one sign-in the listener waits for, if any. */
interface Slot {
  waiting: Waiting | undefined
  closed: boolean
}

const CALLBACK_PAGE =
  '<!doctype html><title>Mandate</title><p>You can close this tab and return to your application.</p>'

/**
 * The native-app redirect of RFC 8252 §7.3: a one-route HTTP listener on 127.0.0.1 (by address,
 * never `localhost` or 0.0.0.0; catalogue #160) on an ephemeral port. Only a callback carrying
 * the `state` of the flow in progress is accepted; anything else gets a 400 and is ignored.
 * The port changes from run to run; the AS matches a native client's loopback redirect on any
 * port (RFC 8252 §7.3), so a stored registration keeps working.
 */
export async function createLoopbackAuthorizer(
  options: LoopbackAuthorizerOptions,
): Promise<LoopbackAuthorizer> {
  const path = options.path ?? '/callback'
  const timeoutMs = options.timeoutMs ?? 300_000
  const slot: Slot = { waiting: undefined, closed: false }
  const server = createServer((req, res) => {
    answerCallback(req, res, path, slot)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    redirectUrl: `http://127.0.0.1:${String(port)}${path}`,
    timeoutMs,
    authorize: async (request) => {
      if (slot.closed) throw cancelled()
      const result = waitForCallback(slot, request.state, timeoutMs)
      await options.present(request)
      return result
    },
    close: () => {
      slot.closed = true
      // Nothing may keep the process alive after the host quits (no timer, no pending wait).
      const pending = slot.waiting
      slot.waiting = undefined
      pending?.reject(cancelled())
      return new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      })
    },
  }
}

/** Accepts only `GET <path>` carrying the `state` of the sign-in in progress (RFC 6749 §10.12). */
function answerCallback(req: IncomingMessage, res: ServerResponse, path: string, slot: Slot): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const state = url.searchParams.get('state')
  const waiting = slot.waiting
  if (
    req.method !== 'GET' ||
    url.pathname !== path ||
    waiting === undefined ||
    state !== waiting.state
  ) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('unexpected request\n')
    return
  }
  res
    .writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'",
      'referrer-policy': 'no-referrer',
    })
    .end(CALLBACK_PAGE)
  slot.waiting = undefined
  waiting.resolve(url.searchParams)
}

/** The callback's query parameters, or a timeout error after `timeoutMs`. */
function waitForCallback(slot: Slot, state: string, timeoutMs: number): Promise<URLSearchParams> {
  return new Promise<URLSearchParams>((resolve, reject) => {
    const timer = setTimeout(() => {
      slot.waiting = undefined
      reject(
        new ClientError(
          'ERR_CLIENT_AUTHORIZATION_TIMEOUT',
          'authorization was not completed in time',
        ),
      )
    }, timeoutMs)
    slot.waiting = {
      state,
      resolve: (params) => {
        clearTimeout(timer)
        resolve(params)
      },
      reject: (error) => {
        clearTimeout(timer)
        reject(error)
      },
    }
  })
}

function cancelled(): ClientError {
  return new ClientError('ERR_CLIENT_AUTHORIZATION_CANCELLED', 'sign-in was cancelled')
}
