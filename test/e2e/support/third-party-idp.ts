// A third-party OpenID provider on loopback (a second `oidc-provider`), registered with
// `mandate providers add --definition-file` the way an operator registers a real one.
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import Provider from 'oidc-provider'

/** The running provider: its issuer, the client secret to type, the `providers add` arguments. */
export interface ThirdPartyIdp {
  issuer: string
  clientSecret: string
  addArgs(id: string, dir: string, extra: readonly string[]): string[]
  close(): Promise<void>
}

/** Starts the provider on 127.0.0.1 (port 0) with one confidential client `mandate`. */
export async function startThirdPartyIdp(): Promise<ThirdPartyIdp> {
  const http = createServer()
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const issuer = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`
  const clientSecret = 'third-party-client-secret'
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'mandate',
        client_secret: clientSecret,
        redirect_uris: ['http://127.0.0.1:9/cb'],
      },
    ],
    features: { revocation: { enabled: true }, devInteractions: { enabled: false } },
  })
  const handle = provider.callback()
  http.on('request', (req, res) => {
    void handle(req, res)
  })
  return {
    issuer,
    clientSecret,
    addArgs(id, dir, extra) {
      const file = join(dir, `${id}.json`)
      writeFileSync(
        file,
        JSON.stringify({
          id,
          kind: 'oidc',
          display_name: id,
          issuer,
          discovery: true,
          scope_separator: ' ',
          pkce: 'required',
          token_endpoint_auth_method: 'client_secret_basic',
          refresh: 'rotating',
          revocation: 'rfc7009',
          allow_loopback_http: true,
        }),
      )
      return ['providers', 'add', id, '--definition-file', file, '--client-id', 'mandate', ...extra]
    },
    close: () => {
      http.closeAllConnections()
      return new Promise((resolve) => {
        http.close(() => {
          resolve()
        })
      })
    },
  }
}
