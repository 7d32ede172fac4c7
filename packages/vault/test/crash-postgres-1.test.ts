import { postgresBackend } from '../../../test/support/stores.ts'
import { crashSuite } from './support/crash-suite.ts'

// One half of the PostgreSQL kills (the other in crash-postgres-2.test.ts), on its own schema.
crashSuite(postgresBackend(), { shard: 1, shards: 2 })
