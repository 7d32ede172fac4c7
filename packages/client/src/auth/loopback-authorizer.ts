import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { ClientError } from '../errors.ts'
import type { AuthorizationRequest, Authorizer } from './authorizer.ts'

export interface LoopbackAuthorizerOptions {
  /** Shows the URL and opens the browser (e.g. {@link openInBrowser}); called once per request. */
  present: (request: AuthorizationRequest) => Promise<void> | void
  /** Time allowed for the person to finish in the browser. Default 5 minutes. */
  timeoutMs?: number
  /** Path of the redirect URI. Default `/callback`. */
  path?: string
}

export interface LoopbackAuthorizer extends Authorizer {
  close(): Promise<void>
}

/**
 * The native-app redirect of RFC 8252 §7.3: a one-route HTTP listener on 127.0.0.1 (by address,
 * never `localhost` or 0.0.0.0; catalogue #160) on an ephemeral port. Only a callback carrying
 * the `state` of the flow in progress is accepted; anything else gets a 400 and is ignored.
 */
export async function createLoopbackAuthorizer(
  options: LoopbackAuthorizerOptions,
): Promise<LoopbackAuthorizer> {
  const path = options.path ?? '/callback'
  let waiting: { state: string; resolve: (params: URLSearchParams) => void } | undefined
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const state = url.searchParams.get('state')
    if (
      req.method !== 'GET' ||
      url.pathname !== path ||
      waiting === undefined ||
      state !== waiting.state
    ) {
      res
        .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
        .end('unexpected request\n')
      return
    }
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'",
        'referrer-policy': 'no-referrer',
      })
      .end(
        '<!doctype html><title>Mandate</title><p>You can close this tab and return to your application.</p>',
      )
    const done = waiting
    waiting = undefined
    done.resolve(url.searchParams)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const redirectUrl = `http://127.0.0.1:${port}${path}`

  return {
    redirectUrl,
    authorize: async (request) => {
      const result = new Promise<URLSearchParams>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = undefined
          reject(
            new ClientError(
              'ERR_CLIENT_AUTHORIZATION_TIMEOUT',
              'authorization was not completed in time',
            ),
          )
        }, options.timeoutMs ?? 300_000)
        waiting = {
          state: request.state,
          resolve: (params) => {
            clearTimeout(timer)
            resolve(params)
          },
        }
      })
      await options.present(request)
      return result
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
