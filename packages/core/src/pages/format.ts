import { html } from './safe-html.ts'
import type { SafeHtml } from './safe-html.ts'
import { t } from './strings.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * A moment as relative text ("3 h ago") in a `<time>` element whose `datetime` is exact; the
 * page script adds the reader's local date and time as its tooltip.
 */
export function relativeTime(ms: number | null | undefined, now: number = Date.now()): SafeHtml {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return t('time.never')
  const iso = new Date(ms).toISOString()
  const ago = now - ms
  const label =
    ago < 0
      ? t('time.inFuture', { date: iso.slice(0, 10) })
      : ago < MINUTE
        ? t('time.justNow')
        : ago < HOUR
          ? t('time.minutesAgo', { n: Math.floor(ago / MINUTE) })
          : ago < DAY
            ? t('time.hoursAgo', { n: Math.floor(ago / HOUR) })
            : ago < 30 * DAY
              ? t('time.daysAgo', { n: Math.floor(ago / DAY) })
              : t('time.onDate', { date: iso.slice(0, 10) })
  return html`<time datetime="${iso}" title="${iso.replace('T', ' ').slice(0, 16)} UTC"
    >${label}</time
  >`
}
