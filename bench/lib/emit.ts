// Hands a scenario's structured results to `bench/run-all.ts`: when MANDATE_BENCH_JSON names a
// file, the scenario writes its rows there as JSON (the printed table stays for standalone runs).
import { writeFileSync } from 'node:fs'

export function emitJson(data: unknown): void {
  const file = process.env['MANDATE_BENCH_JSON']
  if (file !== undefined && file !== '') writeFileSync(file, JSON.stringify(data, null, 2))
}
