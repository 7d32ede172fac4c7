import { postgresBackend } from '../../../test/support/stores.ts'
import { crashSuite } from './support/crash-suite.ts'

// One half of the PostgreSQL kills (the other in crash-postgres-1.test.ts), on its own schema.
crashSuite(postgresBackend(), { shard: 2, shards: 2 })
