// Shard 3 of the newest conformance suite's client scenarios (test/e2e/support/conformance-client-shard.ts).
import { clientScenarioShard } from './support/conformance-client-shard.ts'

clientScenarioShard(2)
