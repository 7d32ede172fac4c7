import { bodyLimit } from 'hono/body-limit'

/** The largest sign-in, consent or account form we read (they are a few hundred bytes). */
export const FORM_BODY_LIMIT = 64 * 1024

/**
 * Bounds the bodies of our own pages' form posts before Hono buffers and parses them: a larger
 * body is refused with 413 and an OAuth-style error (RFC 9110 §15.5.14).
 */
export const formBodyLimit = () =>
  bodyLimit({
    maxSize: FORM_BODY_LIMIT,
    onError: (c) =>
      c.json({ error: 'invalid_request', error_description: 'request body too large' }, 413),
  })
