import { lookup as dnsLookup } from 'node:dns/promises'
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import type { LookupFunction } from 'node:net'
import { rootCertificates } from 'node:tls'

import { NetError } from './net-error.ts'
import { resolveChecked } from './resolve-checked.ts'
import type { Resolver } from './resolve-checked.ts'

export type { Resolver } from './resolve-checked.ts'

/** Limits and development relaxations of {@link createSsrfSafeFetch}; the defaults suit production. */
export interface SsrfSafeFetchOptions {
  /** Largest response body accepted, counted while streaming. Default 1 MiB. */
  maxResponseBytes?: number
  /** Time limit for the whole exchange, body included. Default 5 s. */
  timeoutMs?: number
  /** Name resolution, called once per request; injectable for tests. Default `dns.lookup`. */
  resolve?: Resolver
  /** DEVELOPMENT ONLY: allow `http:` URLs. Never set in production. */
  dangerouslyAllowHttp?: boolean
  /** DEVELOPMENT ONLY: allow `127.0.0.0/8` and `::1` (no other special-use range). */
  dangerouslyAllowLoopback?: boolean
  /**
   * Operator allow-list: called with the URL's host name (lower case, IP literals without
   * brackets); `true` lets that host resolve to special-use addresses (an internal IdP, a test
   * server). The connection is still pinned to the address resolved once.
   */
  allowSpecialUseHost?: (hostname: string) => boolean
  /** Extra CA certificates (PEM) trusted besides Node's bundled roots (private PKI, tests). */
  ca?: string
}

/** `fetch`-compatible; `init.dispatcher`, `redirect` and agent-like settings have no effect. */
export type SsrfSafeFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])

const defaultResolve: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, order: 'verbatim' })).map((entry) => entry.address)

/**
 * Outbound fetch for URLs that come from outside (metadata, CIMD, provider endpoints): `https:`
 * only, the host is resolved once and refused if ANY address is special-use (catalogue #135), the
 * connection goes to that validated address with Host and TLS SNI of the name, so a second
 * resolution cannot rebind it (catalogue #136). Redirects are never followed: a 3xx is returned
 * as is, `Location` untouched, for the caller to refuse or re-validate (catalogue #137). The body
 * is capped and the whole exchange is time-limited.
 */
export function createSsrfSafeFetch(options: SsrfSafeFetchOptions = {}): SsrfSafeFetch {
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024
  const timeoutMs = options.timeoutMs ?? 5000
  const resolve = options.resolve ?? defaultResolve
  const allowHttp = options.dangerouslyAllowHttp === true
  const allowLoopback = options.dangerouslyAllowLoopback === true
  const allowHost = options.allowSpecialUseHost ?? (() => false)
  const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca]

  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) {
      throw new NetError('ERR_NET_BLOCKED', `scheme ${url.protocol} refused`)
    }
    if (url.username !== '' || url.password !== '') {
      throw new NetError('ERR_NET_BLOCKED', 'credentials in url refused')
    }
    const request = input instanceof Request ? new Request(input, init) : new Request(url, init)
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = AbortSignal.any([request.signal, timeout])
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    const address = await resolveChecked(host, resolve, {
      allowLoopback,
      allowAll: allowHost(host.toLowerCase()),
    })
    if (signal.aborted) {
      throw timeout.aborted
        ? new NetError('ERR_NET_TIMEOUT', 'request timed out')
        : (signal.reason as Error)
    }
    const body =
      request.method === 'GET' || request.method === 'HEAD'
        ? undefined
        : Buffer.from(await request.arrayBuffer())
    return send(url, host, address, request, body, { signal, timeout, maxBytes, ca })
  }
}

interface Limits {
  signal: AbortSignal
  timeout: AbortSignal
  maxBytes: number
  ca: string[] | undefined
}

function send(
  url: URL,
  host: string,
  address: string,
  request: Request,
  body: Buffer | undefined,
  limits: Limits,
): Promise<Response> {
  const family = isIP(address)
  // Pinned: the socket connects to `address`; should anything ask again, it gets the same answer.
  const lookup: LookupFunction = (_name, lookupOptions, callback) => {
    if (lookupOptions.all === true) callback(null, [{ address, family }])
    else callback(null, address, family)
  }
  const headers: OutgoingHttpHeaders = {}
  for (const [name, value] of request.headers) headers[name] = value
  headers.host = url.host
  if (body !== undefined) headers['content-length'] = String(body.length)
  const isHttps = url.protocol === 'https:'
  const requestFn = isHttps ? httpsRequest : httpRequest
  const abortError = () =>
    limits.timeout.aborted
      ? new NetError('ERR_NET_TIMEOUT', 'request timed out')
      : (limits.signal.reason as Error)

  return new Promise<Response>((resolvePromise, reject) => {
    const req = requestFn({
      host: address,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers,
      lookup,
      // A fresh agent per request: no pooled socket to another address, no caller-supplied agent
      // or `socketPath` (catalogue #136).
      agent: false,
      ...(isHttps && isIP(host) === 0 ? { servername: host } : {}),
      ...(isHttps && limits.ca !== undefined ? { ca: limits.ca } : {}),
    })
    const onAbort = () => {
      const error = abortError()
      req.destroy(error)
      reject(error)
    }
    limits.signal.addEventListener('abort', onAbort, { once: true })
    req.on('error', (error) => {
      limits.signal.removeEventListener('abort', onAbort)
      reject(error)
    })
    req.on('response', (res) => {
      limits.signal.removeEventListener('abort', onAbort)
      try {
        resolvePromise(toResponse(req, res, request.method, limits, abortError))
      } catch (error) {
        req.destroy()
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
    req.end(body)
  })
}

function toResponse(
  req: ReturnType<typeof httpRequest>,
  res: IncomingMessage,
  method: string,
  limits: Limits,
  abortError: () => Error,
): Response {
  const status = res.statusCode ?? 0
  if (status < 200 || status > 599) throw new NetError('ERR_NET_BLOCKED', 'unexpected status')
  const headers = new Headers()
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string)
  }
  const declared = Number(res.headers['content-length'] ?? 0)
  if (declared > limits.maxBytes) {
    throw new NetError('ERR_NET_RESPONSE_TOO_LARGE', 'response too large')
  }
  if (NULL_BODY_STATUS.has(status) || method === 'HEAD') {
    res.resume()
    return new Response(null, { status, statusText: res.statusMessage ?? '', headers })
  }
  let received = 0
  let done = false
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: Error) => {
        if (done) return
        done = true
        limits.signal.removeEventListener('abort', onAbort)
        req.destroy()
        controller.error(error)
      }
      const onAbort = () => {
        fail(abortError())
      }
      limits.signal.addEventListener('abort', onAbort, { once: true })
      res.on('data', (chunk: Buffer) => {
        if (done) return
        received += chunk.length
        if (received > limits.maxBytes) {
          fail(new NetError('ERR_NET_RESPONSE_TOO_LARGE', 'response too large'))
          return
        }
        controller.enqueue(new Uint8Array(chunk))
      })
      res.on('end', () => {
        if (done) return
        done = true
        limits.signal.removeEventListener('abort', onAbort)
        controller.close()
      })
      res.on('error', fail)
    },
    cancel() {
      done = true
      req.destroy()
    },
  })
  return new Response(stream, { status, statusText: res.statusMessage ?? '', headers })
}
