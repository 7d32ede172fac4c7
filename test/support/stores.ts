// The same tests run against both store backends: SQLite in a temporary directory and
// PostgreSQL in a fresh schema.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@mandate/store'
import type { OpenStoreOptions, Store } from '@mandate/store'
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, postgresSkipReason } from './postgres.ts'

export interface TestBackend {
  name: 'sqlite' | 'postgres'
  /** A skip reason when this backend cannot run here (PostgreSQL outside CI only). */
  skip(): Promise<string | false>
  /** Options for a store in this backend's fresh location (stable across calls). */
  options(): OpenStoreOptions
  open(options?: { migrate?: boolean }): Promise<Store>
  cleanup(): Promise<void>
}

export function sqliteBackend(): TestBackend {
  let dir: string | undefined
  const options = (): OpenStoreOptions => {
    dir ??= mkdtempSync(join(tmpdir(), 'mandate-store-'))
    return { kind: 'sqlite', filename: join(dir, 'mandate.db') }
  }
  return {
    name: 'sqlite',
    skip: () => Promise.resolve(false),
    options,
    open: (flags) => openStore(options(), flags),
    cleanup: () => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
      return Promise.resolve()
    },
  }
}

export function postgresBackend(): TestBackend {
  const schema = freshSchemaName()
  const options = (): OpenStoreOptions => ({ kind: 'postgres', url: POSTGRES_TEST_URL, schema })
  return {
    name: 'postgres',
    skip: postgresSkipReason,
    options,
    open: (flags) => openStore(options(), flags),
    cleanup: () => dropSchema(schema),
  }
}

export const backends = (): TestBackend[] => [sqliteBackend(), postgresBackend()]
