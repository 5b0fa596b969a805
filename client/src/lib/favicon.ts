import faviconSvg from '../favicon.svg?raw';

/*
 * The tab's icon with the unread count on it: Parley's favicon.svg and a
 * badge, as an SVG data: URL (the page's CSP allows `img-src 'self' data:`).
 */

/** The favicon for `count` unread messages; null for none (keep the plain icon). */
export function badgedFavicon(count: number, svg: string = faviconSvg): string | null {
  if (!Number.isFinite(count) || count <= 0) return null;
  const label = count > 99 ? '99+' : String(Math.floor(count));
  const size = label.length === 1 ? 14 : label.length === 2 ? 12 : 9;
  const badge =
    `<circle cx="22" cy="10" r="10" fill="#b42318"/>` +
    `<text x="22" y="10" dy="0.35em" text-anchor="middle" font-family="Arial,Helvetica,sans-serif" font-weight="700" font-size="${size}" fill="#fff">${label}</text>`;
  return `data:image/svg+xml,${encodeURIComponent(svg.trim().replace(/<\/svg>$/, `${badge}</svg>`))}`;
}

/** Puts the badge for `count` on the page's icon link; `plain` is the icon without a badge. */
export function showFaviconCount(count: number, plain: string, doc: Document = document): void {
  const link = doc.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) return;
  const href = badgedFavicon(count) ?? plain;
  if (link.getAttribute('href') !== href) link.setAttribute('href', href);
}
