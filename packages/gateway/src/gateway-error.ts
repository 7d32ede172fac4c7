import { MandateError } from '@mandate/core'

/** Gateway failures with a stable `code` (`ERR_GATEWAY_*`). */
export class GatewayError extends MandateError {}
