// The design system's checks of one page in Chromium (issue 16): a <h1>, a label for every form
// control, no English outside the strings table (@mandate/core), no inline script or style,
// 0 serious or critical axe-core violations, and screenshots in light and dark at desktop and
// phone width. Never call `screenshots` on a page that shows a TOTP secret or recovery codes.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { STRINGS, stringFragments } from '@mandate/core'

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)

const FRAGMENTS = stringFragments()
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** Each table entry as a pattern: a placeholder matches any value. */
const ENTRY_PATTERNS = Object.values(STRINGS).map(
  (value) =>
    new RegExp(
      `^${value
        .split(/\{\w+\}/)
        .map(escapeRe)
        .join('.+')}$`,
      's',
    ),
)
/** Punctuation, symbols, digits and spaces need no translation. */
const NEUTRAL = /^[\s\p{P}\p{S}\d]*$/u

/** Whether a visible text (a text node, an aria-label, a title part) is in the strings table. */
export function inStringsTable(text: string): boolean {
  const trimmed = text.replace(/\s+/g, ' ').trim()
  if (NEUTRAL.test(trimmed) || FRAGMENTS.has(trimmed)) return true
  // A fragment may carry neighbouring punctuation, e.g. "(linked)" or ": sign in…".
  const core = trimmed.replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
  if (
    core === '' ||
    [...FRAGMENTS].some((f) => f.replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '') === core)
  ) {
    return true
  }
  return ENTRY_PATTERNS.some((pattern) => pattern.test(trimmed))
}

interface PageTexts {
  texts: string[]
  labels: string[]
  title: string
  h1: number
  unlabelled: string[]
  inlineStyle: number
  inlineScript: number
}

/** Reads the page's texts and structure (runs in the page; JavaScript may be disabled). */
async function readPage(page: Page): Promise<PageTexts> {
  return page.evaluate(() => {
    const texts: string[] = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const parent = node.parentElement
      if (parent === null || parent.closest('[translate="no"], script, style, svg, code') !== null)
        continue
      const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim()
      if (text !== '') texts.push(text)
    }
    const labels = [...document.querySelectorAll('[aria-label]')]
      .filter((el) => el.closest('[translate="no"]') === null)
      .map((el) => el.getAttribute('aria-label') ?? '')
    const controls = [...document.querySelectorAll('input, select, textarea')].filter(
      (el) => (el as HTMLInputElement).type !== 'hidden',
    )
    const unlabelled = controls
      .filter((el) => {
        const input = el as HTMLInputElement
        return (input.labels?.length ?? 0) === 0 && !input.hasAttribute('aria-label')
      })
      .map((el) => el.outerHTML.slice(0, 120))
    return {
      texts,
      labels,
      title: document.title,
      h1: document.querySelectorAll('h1').length,
      unlabelled,
      inlineStyle: document.querySelectorAll('style, [style]').length,
      inlineScript: [...document.querySelectorAll('script')].filter((s) => !s.hasAttribute('src'))
        .length,
    }
  })
}

/** The structural checks every page must pass; `name` names the page in failures. */
export async function checkStructure(page: Page, name: string): Promise<void> {
  const read = await readPage(page)
  assert.equal(read.h1, 1, `${name}: exactly one <h1>`)
  assert.deepEqual(read.unlabelled, [], `${name}: every form control has a label`)
  assert.equal(read.inlineStyle, 0, `${name}: no inline style`)
  assert.equal(read.inlineScript, 0, `${name}: no inline script`)
  const english = [...read.texts, ...read.labels, ...read.title.split(' · ')].filter(
    (text) => !inStringsTable(text),
  )
  assert.deepEqual(english, [], `${name}: every text is in the strings table`)
}

/** axe-core in the page (a context with `bypassCSP`: the injected script is inline). */
export async function checkAccessibility(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ content: AXE_SOURCE })
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{
            violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[]
          }>
        }
      }
    ).axe
    const result = await axe.run()
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact ?? ''}): ${JSON.stringify(v.nodes.map((n) => n.target).slice(0, 3))}`,
      )
  })
  assert.deepEqual(violations, [], `${name}: no serious or critical accessibility violation`)
}

const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const

/** Light and dark, desktop and phone width: four full-page screenshots under `dir`. */
export async function screenshots(page: Page, dir: string, name: string): Promise<void> {
  const before = page.viewportSize()
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport)
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.screenshot({ path: join(dir, `${name}-${size}-${scheme}.png`), fullPage: true })
    }
  }
  await page.emulateMedia({ colorScheme: 'light' })
  if (before !== null) await page.setViewportSize(before)
}

/** The stylesheet really applies (it is served and the CSP lets it in). */
export async function assertStyled(page: Page, name: string): Promise<void> {
  // The load event waits for stylesheets (a heading can be there before the CSS is).
  await page.waitForLoadState('load')
  const font = await page.evaluate(() => getComputedStyle(document.documentElement).fontFamily)
  assert.match(font, /system-ui/, `${name}: the design system's stylesheet applies`)
}
