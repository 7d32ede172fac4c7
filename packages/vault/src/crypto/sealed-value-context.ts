import type { SealedValuePurpose } from '@mandate/store'

/**
 * What a sealed value is bound to (AES-GCM associated data): its purpose and the id of the
 * row that holds it. A value copied to another row or column fails to open.
 */
export interface SealedValueContext {
  purpose: SealedValuePurpose
  recordId: string
}
