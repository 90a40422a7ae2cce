/**
 * Strict, total parsers for the two parts of an HTTP request the headless server acts on: the
 * request target (path and query) and the Host header. Neither ever throws: a malformed value is
 * `null`, which the server answers with 400 (target) or 421 (host).
 *
 * Host policy (DNS rebinding, the attack where a web page's own host name is re-pointed at
 * 127.0.0.1): a browser always sends the host name it resolved, so a rebound page arrives with
 * `Host: evil.example:PORT`. We accept only host names that cannot be re-pointed — IP literals and
 * `localhost` — and only with our own port (no port only when we are on port 80).
 * - Bound to loopback: `localhost`, 127.0.0.0/8 and [::1].
 * - Bound to anything else (`--host 0.0.0.0` or a LAN address): the same plus any IP literal, so the
 *   box is reachable by its address; DNS names are still refused (a rebinding attack needs one).
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface RequestTarget {
  /** Percent-decoded path, starting with '/'; never contains NUL. */
  pathname: string;
  searchParams: URLSearchParams;
}

/**
 * Parse an origin-form request target (`/path?query`). Null for anything else: absolute or
 * asterisk form, malformed percent-encoding (`/%`, `/%ff`, `/%c0%ae`), or an encoded NUL.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | null {
  if (raw === undefined || !raw.startsWith('/')) return null;
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  let pathname: string;
  try {
    pathname = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  // URLSearchParams never throws: a malformed escape in the query decodes to U+FFFD.
  return { pathname, searchParams: new URLSearchParams(query) };
}

export interface HostHeader {
  /** Lower-case host name or IP literal, without IPv6 brackets. */
  name: string;
  ip: 4 | 6 | null;
  port: number | null;
}

/** Split a Host header into name and port; null when it is not a syntactically valid host. */
export function parseHostHeader(value: string | undefined): HostHeader | null {
  if (value === undefined || value.length === 0 || value.length > 300) return null;
  let name: string;
  let rest: string;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return null;
    name = value.slice(1, end).toLowerCase();
    rest = value.slice(end + 1);
    if (!isIPv6(name)) return null;
  } else {
    const colon = value.lastIndexOf(':');
    name = (colon < 0 ? value : value.slice(0, colon)).toLowerCase();
    rest = colon < 0 ? '' : value.slice(colon);
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name)) return null;
  }
  let port: number | null = null;
  if (rest !== '') {
    if (!/^:[0-9]{1,5}$/.test(rest)) return null;
    port = Number(rest.slice(1));
    if (port > 65535) return null;
  }
  return { name, ip: isIPv6(name) ? 6 : isIPv4(name) ? 4 : null, port };
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (a bind address or a parsed Host name). */
export function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (n === 'localhost') return true;
  if (isIPv4(n)) return n.startsWith('127.');
  if (isIPv6(n)) return new URL(`http://[${n}]/`).hostname === '[::1]';
  return false;
}

/** Whether a request carrying this Host header may be served by a server bound to `bindHost:port`. */
export function hostAllowed(value: string | undefined, bindHost: string, port: number): boolean {
  const host = parseHostHeader(value);
  if (!host) return false;
  const portOk = host.port === port || (host.port === null && port === 80);
  if (!portOk) return false;
  if (isLoopbackName(host.name)) return true;
  return !isLoopbackName(bindHost) && host.ip !== null;
}
