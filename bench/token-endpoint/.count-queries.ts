import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import type { KyselyPlugin } from 'kysely'
import { openStore } from '@mandate/store'
import type { Store } from '@mandate/store'
import { createAuthorizationServer } from '@mandate/authorization-server'
const RESOURCE = 'https://mcp.example.test/mcp'
const REDIRECT = 'http://127.0.0.1:7777/callback'
const VERIFIER = 'bench-verifier-bench-verifier-bench-verifier-0123'
const challenge = createHash('sha256').update(VERIFIER).digest('base64url')
const log: string[] = []
let on = false
const plugin: KyselyPlugin = {
  transformQuery: (a) => { if (on) log.push(`${a.node.kind} ${JSON.stringify((a.node as any).from?.froms?.[0]?.table?.identifier?.name ?? (a.node as any).into?.table?.identifier?.name ?? (a.node as any).table?.table?.identifier?.name ?? '')}`); return a.node },
  transformResult: (a) => Promise.resolve(a.result),
}
const raw = await openStore({ kind: 'sqlite', filename: join(mkdtempSync(join(tmpdir(), 'q-')), 'x.db') }, { migrate: true })
const db = raw.db.withPlugin(plugin)
const orig = db.executeQuery.bind(db)
;(db as any).executeQuery = (q: any) => { if (on) log.push('PRE ' + q.sql.slice(0, 70)); return orig(q) }
const store = new Proxy(raw, { get: (t, p) => p === 'db' ? db : p === 'setIfAbsent' ? (k: string, ttl: number) => { if (on) log.push('setIfAbsent'); return t.setIfAbsent(k, ttl) } : (t as any)[p] }) as Store
const http = createServer()
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
const issuer = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`
const client = { client_id: 'bench', application_type: 'native' as const, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' as const, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code' as const] }
const server = await createAuthorizationServer({ issuer, store, resources: { [RESOURCE]: { scopes: ['tools:read'] } }, clients: [client], refreshGraceSeconds: 0 })
http.on('request', server.handler)
const accountId = (await server.users.add({ username: 'bench', password: 'bench-password' })).id
const provider = server.provider()
const found = await provider.Client.find('bench')
const grant = new provider.Grant({ accountId, clientId: 'bench' })
grant.addResourceScope(RESOURCE, 'tools:read')
const grantId = await grant.save()
const common = { accountId, client: found!, grantId, scope: 'tools:read', resource: RESOURCE, acr: 'pwd', amr: ['pwd'], authTime: Math.floor(Date.now() / 1000) }
const code = await new provider.AuthorizationCode({ ...common, redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256', gty: 'authorization_code' }).save()
const post = async (body: Record<string, string>) => (await fetch(`${issuer}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() })).json() as Promise<Record<string, string>>
on = true
const t = await post({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, client_id: 'bench' })
console.log('CODE', log.length, log); log.length = 0
const r = await post({ grant_type: 'refresh_token', refresh_token: t['refresh_token'] ?? '', client_id: 'bench' })
console.log('REFRESH', log.length, log, Object.keys(r))
await server.close(); http.close(); await raw.close()
