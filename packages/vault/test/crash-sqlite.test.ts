import { sqliteBackend } from '../../../test/support/stores.ts'
import { crashSuite } from './support/crash-suite.ts'

crashSuite(sqliteBackend())
