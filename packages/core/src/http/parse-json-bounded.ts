import { MandateError } from '../errors.ts'

/** Stable codes of {@link parseJsonBounded}. */
export type JsonBoundsErrorCode = 'ERR_JSON_TOO_LARGE' | 'ERR_JSON_TOO_DEEP' | 'ERR_JSON_INVALID'

/** A request body that is not JSON, or is JSON beyond the limits a server accepts. */
export class JsonBoundsError extends MandateError<JsonBoundsErrorCode> {}

/** Limits for {@link parseJsonBounded}; unset members take {@link DEFAULT_JSON_BOUNDS}. */
export interface JsonBounds {
  /** Largest accepted size in bytes (UTF-8). Default 1 MiB. */
  maxBytes?: number
  /** Deepest accepted nesting of arrays and objects. Default 64. */
  maxDepth?: number
}

/** The limits every JSON body gets unless a caller sets its own: 1 MiB, nesting 64. */
export const DEFAULT_JSON_BOUNDS = { maxBytes: 1024 * 1024, maxDepth: 64 } as const

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Parses untrusted JSON (a request body) within size and depth limits. Every JSON body a
 * Mandate server reads goes through here: RFC 8259 §9 lets a parser limit size and nesting,
 * and a value nested thousands deep exhausts the stack of whatever walks it next (validators,
 * serialisers, the logger's redactor). Bytes must be well-formed UTF-8 (RFC 8259 §8.1).
 * @throws {JsonBoundsError} `ERR_JSON_TOO_LARGE`, `ERR_JSON_TOO_DEEP` or `ERR_JSON_INVALID`
 */
export function parseJsonBounded(input: string | Uint8Array, bounds: JsonBounds = {}): unknown {
  const maxBytes = bounds.maxBytes ?? DEFAULT_JSON_BOUNDS.maxBytes
  const maxDepth = bounds.maxDepth ?? DEFAULT_JSON_BOUNDS.maxDepth
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength
  if (size > maxBytes) throw new JsonBoundsError('ERR_JSON_TOO_LARGE', 'json body too large')
  let text: string
  if (typeof input === 'string') {
    text = input
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input)
    } catch {
      throw new JsonBoundsError('ERR_JSON_INVALID', 'json body is not valid utf-8')
    }
  }
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new JsonBoundsError('ERR_JSON_TOO_DEEP', 'json body nested too deeply')
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    // The parser's message quotes the input: never echo it.
    throw new JsonBoundsError('ERR_JSON_INVALID', 'json body is not valid json')
  }
}

/**
 * True when arrays/objects in `text` nest deeper than `maxDepth`. One pass, no recursion;
 * brackets inside strings do not count. Malformed input is left to the parser.
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === BACKSLASH) i++
      else if (char === QUOTE) inString = false
    } else if (char === QUOTE) {
      inString = true
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > maxDepth) return true
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}
