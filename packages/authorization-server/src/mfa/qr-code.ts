import { escapeHtml, text as pageText } from '@mandate/core'

/**
 * The otpauth URI as an inline SVG QR code (server-rendered, no JavaScript; inline SVG is
 * not an `img-src` load, so the pages' `default-src 'none'` CSP stays as it is).
 */
export async function qrCodeSvg(text: string): Promise<string> {
  // Loaded on first use: only TOTP enrolment pages draw a code, and `qrcode` with `pngjs` is
  // some sixty modules every process would otherwise load at start-up.
  const { default: QRCode } = await import('qrcode')
  const svg = await QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 200,
  })
  // Only the library's own markup (a viewBox and path data) is emitted; make it an image for
  // assistive technology, whose text alternative is the secret shown next to it.
  return svg.replace(
    '<svg ',
    `<svg role="img" aria-label="${escapeHtml(pageText('enrol.qrLabel'))}" `,
  )
}
