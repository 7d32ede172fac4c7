// Catalogue #163: parseWwwAuthenticate must take linear time on hostile input. Times the parse
// of a hostile header at growing sizes and prints the time per kilobyte, which stays flat for a
// linear parser (a quadratic one grows with the size). A benchmark, not a test: no assertion.
// Run: scripts/node24 node --conditions=@mandate/source bench/parsers/www-authenticate.ts
import { parseWwwAuthenticate } from '@mandate/core'
import { emitJson } from '../lib/emit.ts'

// Many parameters whose quoted values are all escapes: the parser must scan every byte.
const hostile = (n: number): string =>
  `Bearer ${Array.from({ length: n / 100 }, (_, i) => `p${String(i)}="${'\\\\'.repeat(100)}"`).join(', ')}, x=,`

const rows: { chars: number; ms: number; usPerKiB: number }[] = []
for (const n of [12_500, 25_000, 50_000, 100_000, 200_000]) {
  const header = hostile(n)
  const rounds = 20
  const start = process.hrtime.bigint()
  for (let round = 0; round < rounds; round += 1) {
    try {
      parseWwwAuthenticate(header)
    } catch {
      // malformed on purpose
    }
  }
  const ns = Number(process.hrtime.bigint() - start) / rounds
  const perKb = ns / (header.length / 1024) / 1000
  rows.push({ chars: header.length, ms: ns / 1e6, usPerKiB: perKb })
  console.log(
    `${String(header.length).padStart(8)} chars  ${(ns / 1e6).toFixed(2)} ms  ${perKb.toFixed(2)} µs/KiB`,
  )
}
emitJson({ rows })
