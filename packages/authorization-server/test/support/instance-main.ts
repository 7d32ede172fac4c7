// One authorization-server instance in its own process, for the multi-instance tests:
// PostgreSQL schema and public issuer from the environment; prints `ready <port>`.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { openStore } from '@mandate/store'
import { createAuthorizationServer } from '../../src/index.ts'
import { serverOptions } from './server-options.ts'

const store = await openStore({
  kind: 'postgres',
  url: process.env['MANDATE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
  schema: process.env['AS_SCHEMA'] ?? '',
})
const server = await createAuthorizationServer({
  ...serverOptions(process.env['AS_ISSUER'] ?? '', store),
  refreshGraceSeconds: 0,
})
const http = createServer(server.handler)
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ready ${String((http.address() as AddressInfo).port)}\n`)
})
process.on('SIGTERM', () => {
  http.closeAllConnections()
  http.close()
  void server
    .close()
    .then(() => store.close())
    .then(() => process.exit(0))
})
