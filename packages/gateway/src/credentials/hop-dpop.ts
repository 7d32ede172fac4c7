import {
  DpopSession,
  generateDpopKeyPair,
  isDpopNonceChallenge,
} from '@modelcontextprotocol/client'

/**
 * The gateway's DPoP keys for the gateway → upstream hop, one per configured upstream
 * credential (its configuration object), made on first use and held in this process only.
 * Non-extractable (RFC 9449 §11.1): the private key can sign proofs but never leaves the
 * process, so a copied exchanged token is useless anywhere else. One key per upstream rather
 * than one for the gateway: a token bound for one upstream is bound to a key no other upstream
 * ever sees a proof of, and keys are never shared across instances (each instance exchanges and
 * caches its own tokens, so nothing has to be distributed).
 */
const keys = new WeakMap<object, Promise<DpopSession>>()

/** The DPoP key (with its per-origin nonces) the gateway uses for `credential`'s upstream. */
export function hopDpopSession(credential: object): Promise<DpopSession> {
  let session = keys.get(credential)
  if (session === undefined) {
    session = generateDpopKeyPair({ alg: 'ES256', extractable: false }).then((keyPair) =>
      DpopSession.create({ keyPair }),
    )
    keys.set(credential, session)
  }
  return session
}

/** Whether a token endpoint answered `use_dpop_nonce` (RFC 9449 §8: a 400 with that error). */
async function isTokenEndpointNonceChallenge(response: Response): Promise<boolean> {
  if (response.status !== 400 || !response.headers.has('dpop-nonce')) return false
  const json = (await response
    .clone()
    .json()
    .catch(() => ({}))) as Record<string, unknown>
  return json['error'] === 'use_dpop_nonce'
}

/**
 * Sends `init` to `url` with a fresh DPoP proof (`htm`, `htu`, `ath` of `accessToken` when
 * given, the server's latest nonce), remembers any `DPoP-Nonce` the answer carries
 * (RFC 9449 §8.2), and on a `use_dpop_nonce` challenge (§8 at the token endpoint, §9 at a
 * resource server) signs a new proof with the new nonce and sends once more. A proof is never
 * reused (§4.2: a unique `jti` per request).
 */
export async function fetchWithDpop(
  fetchImpl: typeof fetch,
  session: DpopSession,
  url: string,
  init: RequestInit,
  accessToken?: string,
): Promise<Response> {
  const send = async () => {
    const headers = new Headers(init.headers)
    const proof = await session.buildProof({
      htm: init.method ?? 'GET',
      htu: url,
      ...(accessToken === undefined ? {} : { accessToken }),
    })
    headers.set('dpop', proof)
    const response = await fetchImpl(url, { ...init, headers })
    session.observeNonce(response, url)
    return response
  }
  const first = await send()
  const replayable = init.body === undefined || init.body === null || !isStream(init.body)
  if (!replayable) return first
  const challenged = isDpopNonceChallenge(first) || (await isTokenEndpointNonceChallenge(first))
  if (!challenged || session.nonceFor(url) === undefined) return first
  await first.body?.cancel().catch(() => undefined)
  return send()
}

function isStream(body: NonNullable<RequestInit['body']>): boolean {
  return body instanceof ReadableStream
}
