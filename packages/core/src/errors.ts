/**
 * Base class of every error Mandate throws on purpose. `code` is stable and machine-readable;
 * `message` is short, lower-case and never contains a secret value.
 */
export class MandateError<Code extends string = string> extends Error {
  readonly code: Code

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** Raised when configuration, a key file or the environment makes it unsafe to start. */
export class ConfigurationError extends MandateError<'ERR_CONFIGURATION'> {
  /** The configuration key or file at fault, e.g. `server.port` or `keys.file`. */
  readonly key: string

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super('ERR_CONFIGURATION', message, options)
    this.key = key
  }
}
