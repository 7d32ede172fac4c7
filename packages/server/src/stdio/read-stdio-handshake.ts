import { PassThrough } from 'node:stream'
import type { Readable } from 'node:stream'

import { MandateError } from '@mandate/core'

import type { TokenVerifier, VerifiedToken } from '../verify/verified-token.ts'
import { STDIO_HANDSHAKE_MAX_BYTES, STDIO_HANDSHAKE_VERSION } from './handshake-format.ts'

/** How {@link readStdioHandshake} checks the launcher's token. */
export interface ReadStdioHandshakeOptions {
  /** Checks signature, `iss`, `aud` (this server's resource) and expiry, e.g. `createJwtVerifier`. */
  verifier: TokenVerifier
  /** How long to wait for the handshake line. Default 10 s. */
  timeoutMs?: number
}

/** The launcher's verified token, and the rest of stdin for the MCP transport. */
export interface StdioHandshakeResult {
  token: VerifiedToken
  /** The rest of stdin, starting right after the handshake line: give it to the MCP transport. */
  input: Readable
}

/**
 * Reads and validates the Mandate stdio handshake (docs/stdio.md) before any MCP message is
 * accepted: the first line of `input` must be `{"mandate":"stdio-handshake/1","access_token":…}`
 * carrying a token the verifier accepts for this server. A sender-constrained (DPoP) token is
 * refused: stdio has no request to bind a proof to. Anything else rejects with
 * `ERR_STDIO_HANDSHAKE` and nothing of `input` is passed on, so the server refuses to serve.
 */
export async function readStdioHandshake(
  input: Readable,
  options: ReadStdioHandshakeOptions,
): Promise<StdioHandshakeResult> {
  const { line, rest } = await readFirstLine(input, options.timeoutMs ?? 10_000)
  let parsed: unknown
  try {
    parsed = JSON.parse(line.toString('utf8'))
  } catch {
    throw refused('first line is not a handshake')
  }
  const handshake = parsed as { mandate?: unknown; access_token?: unknown }
  if (handshake.mandate !== STDIO_HANDSHAKE_VERSION || typeof handshake.access_token !== 'string') {
    throw refused('first line is not a handshake')
  }
  let token: VerifiedToken
  try {
    token = await options.verifier.verify(handshake.access_token)
  } catch (error) {
    throw refused('handshake token rejected', error)
  }
  if (token.jkt !== undefined) throw refused('sender-constrained token cannot be used over stdio')
  const output = new PassThrough()
  if (rest.length > 0) output.write(rest)
  input.pipe(output)
  input.resume()
  return { token, input: output }
}

function refused(message: string, cause?: unknown): MandateError {
  return new MandateError(
    'ERR_STDIO_HANDSHAKE',
    message,
    cause === undefined ? undefined : { cause },
  )
}

async function readFirstLine(
  input: Readable,
  timeoutMs: number,
): Promise<{ line: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    const finish = (error: Error | undefined, value?: { line: Buffer; rest: Buffer }): void => {
      clearTimeout(timer)
      input.off('data', onData)
      input.off('end', onEnd)
      input.off('error', onError)
      input.pause()
      if (error !== undefined) reject(error)
      else if (value !== undefined) resolve(value)
    }
    const onData = (chunk: Buffer | string): void => {
      buffered = Buffer.concat([buffered, typeof chunk === 'string' ? Buffer.from(chunk) : chunk])
      const newline = buffered.indexOf(0x0a)
      if (newline === -1) {
        if (buffered.length > STDIO_HANDSHAKE_MAX_BYTES) finish(refused('handshake line too long'))
        return
      }
      if (newline > STDIO_HANDSHAKE_MAX_BYTES) {
        finish(refused('handshake line too long'))
        return
      }
      finish(undefined, {
        line: buffered.subarray(0, newline),
        rest: buffered.subarray(newline + 1),
      })
    }
    const onEnd = (): void => {
      finish(refused('stdin closed before the handshake'))
    }
    const onError = (error: Error): void => {
      finish(refused('stdin failed before the handshake', error))
    }
    const timer = setTimeout(() => {
      finish(refused('no handshake in time'))
    }, timeoutMs)
    input.on('data', onData)
    input.once('end', onEnd)
    input.once('error', onError)
    input.resume()
  })
}
