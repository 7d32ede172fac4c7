// The audit trail end to end through `mandate serve` on PostgreSQL (test/e2e/support/serve-audit-suite.ts).
import { auditSuite } from './support/serve-audit-suite.ts'

await auditSuite('postgres')
