import { hasString, html, t } from '@mandate/core'
import type { SafeHtml } from '@mandate/core'

/** A scope as people read it: the operator's description, a built-in one, or its name. */
export interface ScopeView {
  name: string
  /** From configuration (`scopeDescriptions`): operator text, shown as is. */
  description?: string | undefined
}

/** The scope's label: the operator's description, the built-in text, or the name as code. */
export function scopeLabel(scope: ScopeView): SafeHtml {
  if (scope.description !== undefined) return html`<span translate="no">${scope.description}</span>`
  const key = `scope.${scope.name}`
  if (hasString(key)) return t(key)
  return html`<code translate="no">${scope.name}</code>`
}
