import { isIP } from 'node:net'
import { domainToUnicode } from 'node:url'

/** Warnings shown next to a URL in the consent prompt (catalogue #183). */
export type UrlFlag =
  'punycode' | 'non-ascii' | 'mixed-script' | 'ip-address' | 'not-https' | 'lookalike'

/** How a host must present a URL: in full, with the registrable domain emphasised. */
export interface UrlDisplay {
  /** The complete URL, exactly as it will be opened. */
  full: string
  /** `full` split so the domain can be emphasised: `before` + `domain` + `after` === `full`. */
  before: string
  domain: string
  after: string
  /** The host as Unicode, for showing next to the ASCII form when they differ. */
  unicodeHost: string
  flags: UrlFlag[]
  /** The trusted host this one imitates, when `flags` has `lookalike`. */
  imitates?: string
}

// Letters that render like Latin ones (Unicode TR39 confusables, the common subset), digits and
// digraphs used in look-alike registrations.
const CONFUSABLES: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ԁ: 'd',
  ѕ: 's',
  һ: 'h',
  ο: 'o',
  α: 'a',
  ν: 'v',
  ι: 'i',
  κ: 'k',
  τ: 't',
  ρ: 'p',
  '0': 'o',
  '1': 'l',
  '3': 'e',
  '5': 's',
  '!': 'l',
}

/** A canonical "looks like" form: confusables folded, `rn`→`m`, `vv`→`w`, `i`/`1`→`l`, no hyphens. */
export function skeleton(host: string): string {
  let out = ''
  for (const char of domainToUnicode(host).normalize('NFKC').toLowerCase())
    out += CONFUSABLES[char] ?? char
  return out.replaceAll('rn', 'm').replaceAll('vv', 'w').replaceAll('i', 'l').replaceAll('-', '')
}

/** Splits off the registrable domain without a public-suffix list: the last two labels, or three
 * when the second-level label is a short generic one (`example.co.uk`). Display only. */
export function registrableDomain(host: string): string {
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return host
  const labels = host.split('.')
  const second = labels.at(-2) ?? ''
  const take =
    labels.length >= 3 && ['co', 'com', 'org', 'net', 'ac', 'gov', 'edu'].includes(second) ? 3 : 2
  return labels.slice(-take).join('.')
}

/**
 * Describes `url` for a consent prompt and flags what should make a person hesitate: punycode or
 * non-ASCII hosts (IDN homographs), mixed scripts, IP literals, plain http, and hosts whose
 * skeleton matches a trusted host they are not (`paypa1.com` for `paypal.com`).
 */
export function describeUrl(url: URL, trustedHosts: readonly string[] = []): UrlDisplay {
  const host = url.hostname
  const unicodeHost = domainToUnicode(host) || host
  const flags: UrlFlag[] = []
  if (host.split('.').some((label) => label.startsWith('xn--'))) flags.push('punycode')
  if (/[^\u0020-\u007e]/u.test(unicodeHost)) flags.push('non-ascii')
  if (mixesScripts(unicodeHost)) flags.push('mixed-script')
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) flags.push('ip-address')
  if (url.protocol !== 'https:') flags.push('not-https')
  let imitates: string | undefined
  for (const trusted of trustedHosts) {
    const sameSite =
      host === trusted || host.endsWith(`.${trusted}`) || trusted.endsWith(`.${host}`)
    if (sameSite) continue
    const a = registrableDomain(host)
    const b = registrableDomain(trusted)
    if (a !== b && (skeleton(a) === skeleton(b) || nearMiss(skeleton(a), skeleton(b)))) {
      imitates = trusted
      flags.push('lookalike')
      break
    }
  }
  const full = url.href
  const domain = registrableDomain(host)
  const hostStart = full.indexOf(host, url.protocol.length)
  const domainStart = hostStart + host.length - domain.length
  return {
    full,
    before: full.slice(0, domainStart),
    domain,
    after: full.slice(domainStart + domain.length),
    unicodeHost,
    flags,
    ...(imitates === undefined ? {} : { imitates }),
  }
}

function mixesScripts(host: string): boolean {
  const scripts = new Set<string>()
  for (const char of host) {
    if (/\p{Script=Latin}/u.test(char)) scripts.add('latin')
    else if (/\p{Script=Cyrillic}/u.test(char)) scripts.add('cyrillic')
    else if (/\p{Script=Greek}/u.test(char)) scripts.add('greek')
    else if (/\p{L}/u.test(char)) scripts.add('other')
  }
  return scripts.size > 1
}

/** One edit apart (insertion, deletion or substitution) on a name of five or more letters. */
function nearMiss(a: string, b: string): boolean {
  if (Math.min(a.length, b.length) < 5 || Math.abs(a.length - b.length) > 1) return false
  let i = 0
  let j = 0
  let edits = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++
      j++
      continue
    }
    if (++edits > 1) return false
    if (a.length > b.length) i++
    else if (b.length > a.length) j++
    else {
      i++
      j++
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1
}
