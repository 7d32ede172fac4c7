/** Edit distance (Levenshtein) between two short strings. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/**
 * The known name closest to a mistyped one, if it is close enough to be what was meant: one
 * edit for names of up to three letters, else two or a third of its length (a swapped pair of
 * letters is two edits), or a unique prefix of it.
 */
export function closest(input: string, known: readonly string[]): string | undefined {
  const prefixed = known.filter((name) => input.length >= 2 && name.startsWith(input))
  if (prefixed.length === 1) return prefixed[0]
  let best: { name: string; edits: number } | undefined
  for (const name of known) {
    const edits = distance(input, name)
    if (best === undefined || edits < best.edits) best = { name, edits }
  }
  const limit = input.length <= 3 ? 1 : Math.max(2, Math.floor(input.length / 3))
  return best !== undefined && best.edits <= limit ? best.name : undefined
}

/** ` (did you mean "x"?)` or nothing. */
export function didYouMean(input: string, known: readonly string[]): string {
  const match = closest(input, known)
  return match === undefined ? '' : `; did you mean "${match}"?`
}
