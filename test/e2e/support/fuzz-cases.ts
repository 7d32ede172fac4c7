// Deterministic malformed HTTP requests for the hostile sweep (issue 11): a counter-based
// generator over SHA-256 (no Math.random), so every run sends the same inputs.
import { createHash } from 'node:crypto'

export interface FuzzCase {
  family: string
  head: string[]
  body: Uint8Array | string
}

/** Bytes from SHA-256(seed:counter), one block at a time. */
export class SeededBytes {
  private block = Buffer.alloc(0)
  private at = 0
  private counter = 0
  private readonly seed: string
  constructor(seed: string) {
    this.seed = seed
  }

  byte(): number {
    if (this.at >= this.block.length) {
      this.block = createHash('sha256')
        .update(`${this.seed}:${String(this.counter++)}`)
        .digest()
      this.at = 0
    }
    return this.block[this.at++] ?? 0
  }
  int(max: number): number {
    return ((this.byte() << 16) | (this.byte() << 8) | this.byte()) % max
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }
  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.byte()))
  }
}

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`

/** Malformed JSON texts, from syntax errors to bombs. */
export function badJson(rng: SeededBytes): string {
  return rng.pick([
    () => '{',
    () => '{"redirect_uris":',
    () => '{"a":1}{"b":2}',
    () => '[1,2,]',
    () => "{'single':'quotes'}",
    () => '{"n":1e99999}',
    () => '{"n":NaN}',
    () => '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
    () => `{"redirect_uris":["http://127.0.0.1:9/cb"],"software_id":${deepArray(5_000)}}`,
    () => `{"redirect_uris":["http://127.0.0.1:9/cb"],"x":${deepObject(3_000 + rng.int(3_000))}}`,
    () => deepArray(20_000 + rng.int(20_000)),
    () => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${deepArray(4_000)}}`,
    () => `"${'\\u0000'.repeat(50)}"`,
    () => `{"s":"${'\\ud800'.repeat(20)}"}`,
    () => `{"redirect_uris":[${'"http://127.0.0.1:9/cb",'.repeat(2_000)}"x"]}`,
    () => 'null',
    () => '12345',
    () => '"string"',
    () => `{"${'k'.repeat(10_000)}":1}`,
    () => ' '.repeat(1_000),
  ])()
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'application/json; charset=nonsense',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=latin1',
  'multipart/form-data; boundary=xyz',
  'multipart/form-data',
  'text/plain',
  'application/jwt',
  'application/json, application/json',
  '*/*',
  '',
]

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'TRACE']

const FORM_NAMES = [
  'grant_type',
  'code',
  'client_id',
  'token',
  'refresh_token',
  'redirect_uri',
  'username',
  'password',
  'csrf',
  'scope',
  'resource',
  'code_verifier',
  'subject_token',
  'decision',
  'return_to',
]

/** A body in one of the ways a server can choke on. */
function badBody(rng: SeededBytes): { type: string; body: Uint8Array | string; family: string } {
  switch (rng.int(8)) {
    case 0:
      return { family: 'bad-json', type: 'application/json', body: badJson(rng) }
    case 1:
      return { family: 'wrong-type', type: rng.pick(CONTENT_TYPES), body: badJson(rng) }
    case 2: {
      const name = rng.pick(FORM_NAMES)
      const dup = `${name}=a&${name}=b&${name}[]=c&${name}[x][y]=d`
      return { family: 'duplicate-params', type: 'application/x-www-form-urlencoded', body: dup }
    }
    case 3:
      return {
        family: 'invalid-utf8',
        type: rng.pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain']),
        body: Buffer.concat([
          Buffer.from('{"a":"'),
          rng.bytes(64),
          Buffer.from([0xff, 0xc0]),
          Buffer.from('"}'),
        ]),
      }
    case 4:
      return {
        family: 'null-bytes',
        type: rng.pick(['application/x-www-form-urlencoded', 'application/json']),
        body: `${rng.pick(FORM_NAMES)}=a%00b\u0000&client_id=%00&x=${'%FF'.repeat(10)}`,
      }
    case 5:
      return {
        family: 'long-params',
        type: 'application/x-www-form-urlencoded',
        body: Array.from({ length: 3_000 }, (_, i) => `p${String(i)}=${'v'.repeat(8)}`).join('&'),
      }
    case 6:
      return {
        family: 'multipart',
        type: 'multipart/form-data; boundary=b',
        body: `--b\r\nContent-Disposition: form-data; name="${rng.pick(FORM_NAMES)}"\r\n\r\n${'x'.repeat(rng.int(100))}\r\n--b--garbage`,
      }
    default:
      return {
        family: 'random-bytes',
        type: rng.pick(CONTENT_TYPES),
        body: rng.bytes(16 + rng.int(512)),
      }
  }
}

/** A request target for `path` with a hostile query or path twist. */
function badTarget(rng: SeededBytes, path: string): { target: string; family: string } {
  switch (rng.int(7)) {
    case 0:
      return {
        family: 'dup-query',
        target: `${path}?client_id=a&client_id=b&scope=x&scope=y&response_type=code&response_type=token`,
      }
    case 1:
      return {
        family: 'long-query',
        target: `${path}?state=${'s'.repeat(6_000)}&redirect_uri=${'u'.repeat(1_000)}`,
      }
    case 2:
      return {
        family: 'null-query',
        target: `${path}?client_id=%00&redirect_uri=http://x/%00&code=%FF%FE`,
      }
    case 3:
      return { family: 'bad-percent', target: `${path}/%E0%A4%A?x=%ZZ&y=%` }
    case 4:
      return { family: 'invalid-utf8-path', target: `${path}/%C0%AF%FF..%2F..%2Fetc` }
    case 5:
      return {
        family: 'many-params',
        target: `${path}?${Array.from({ length: 500 }, (_, i) => `k${String(i)}=v`).join('&')}`,
      }
    default:
      return {
        family: 'plain',
        target: `${path}?response_type=code&client_id=${'x'.repeat(rng.int(300))}&code_challenge_method=plain&resource=javascript:alert(1)`,
      }
  }
}

/** Headers that are malformed, oversized or hostile. */
function badHeaders(rng: SeededBytes): { headers: string[]; family: string } {
  switch (rng.int(6)) {
    case 0:
      return {
        family: 'authz',
        headers: [
          rng.pick([
            'Authorization: Bearer',
            'Authorization: Bearer a b c',
            'Authorization: Basic !!!notbase64',
            'Authorization: Basic Og==',
            'Authorization: DPoP eyJ.eyJ.x',
            `Authorization: Bearer ${'t'.repeat(4_000)}`,
          ]),
        ],
      }
    case 1:
      return {
        family: 'dpop',
        headers: [
          'Authorization: DPoP abc',
          rng.pick(['DPoP: a.b.c', 'DPoP: eyJhbGciOiJub25lIn0.e30.', `DPoP: ${'x'.repeat(3_000)}`]),
        ],
      }
    case 2:
      return {
        family: 'cookie',
        headers: [
          rng.pick([
            'Cookie: _interaction=%FF; _session=\u0000',
            `Cookie: ${'a=b; '.repeat(500)}`,
            'Cookie: =; ==; ;;;',
            'Cookie: _session.sig=garbage; _session=x',
          ]),
        ],
      }
    case 3:
      return { family: 'long-header', headers: [`X-Long: ${'h'.repeat(12_000 + rng.int(8_000))}`] }
    case 4:
      return {
        family: 'mcp-headers',
        headers: [
          'Mcp-Session-Id: \u00ff\u00fe',
          'Mcp-Protocol-Version: 9999-99-99',
          'Accept: text/event-stream',
          'Last-Event-ID: %00',
        ],
      }
    default:
      return {
        family: 'origin',
        headers: ['Origin: null', 'Accept: */*', 'Content-Encoding: gzip'],
      }
  }
}

/** `count` cases spread over `paths`, each combining a method, target, headers and body. */
export function fuzzCases(
  seed: string,
  paths: readonly string[],
  host: string,
  count: number,
): FuzzCase[] {
  const rng = new SeededBytes(seed)
  const cases: FuzzCase[] = []
  for (let i = 0; i < count; i++) {
    const path = paths[i % paths.length] ?? '/'
    const method = i % 3 === 0 ? 'POST' : rng.pick(METHODS)
    const target = badTarget(rng, path)
    const headers = badHeaders(rng)
    const body = method === 'GET' || method === 'HEAD' ? undefined : badBody(rng)
    const head = [`${method} ${target.target} HTTP/1.1`, `Host: ${host}`, ...headers.headers]
    if (body !== undefined && body.type !== '') head.push(`Content-Type: ${body.type}`)
    cases.push({
      family: [target.family, headers.family, body?.family ?? 'no-body'].join('/'),
      head,
      body: body?.body ?? '',
    })
  }
  return cases
}
