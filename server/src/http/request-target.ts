import type { IncomingMessage } from 'node:http';

/** Every URL built here has this origin: routing looks at the path and query only, never at a host a client named. */
const ORIGIN = 'http://parley';

/**
 * The path and query a request asks for, or undefined when its target is not
 * one (answered 400). `new URL(req.url, base)` is not enough: it throws on a
 * target such as `http://[` (an exception in the 'request' listener takes the
 * process down), and it reads the origin-form path `//x/graphql` as host `x`
 * with path `/graphql`. RFC 9112 §3.2: an origin-form target is a path
 * starting with `/`; the absolute form (`http://host/path`, what a proxy
 * sends) must be accepted, and only its path and query count here; the
 * asterisk form (`OPTIONS *`) names no resource Parley has.
 */
export function requestTarget(req: IncomingMessage): URL | undefined {
  const raw = req.url ?? '';
  if (raw.startsWith('/')) return parse(`${ORIGIN}${raw}`);
  if (/^https?:\/\//i.test(raw)) {
    const absolute = parse(raw);
    return absolute ? parse(`${ORIGIN}${absolute.pathname}${absolute.search}`) : undefined;
  }
  return undefined;
}

function parse(text: string): URL | undefined {
  // URL.canParse would parse twice; the constructor's TypeError is the only failure.
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
