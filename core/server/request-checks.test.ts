/**
 * The request-target and Host parsers are total (never throw) and implement the documented policy:
 * loopback binds accept loopback names only, other binds also IP literals, never DNS names; always
 * with our port.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostAllowed, isLoopbackName, parseHostHeader, parseRequestTarget } from './request-checks';

/** Strings rich in what breaks URL parsers: escapes, brackets, colons, any code point. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
  fc
    .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 100 })
    .map((cps) => cps.map((c) => String.fromCodePoint(c)).join('')),
  fc
    .array(fc.constantFrom('%', '%f', '%ff', '%c0', '%ae', '%00', '/', '?', '[', ']', ':', '.', 'a', '1'), {
      maxLength: 40,
    })
    .map((xs) => xs.join('')),
);

describe('parseRequestTarget', () => {
  it('decodes origin-form targets and refuses malformed ones', () => {
    expect(parseRequestTarget('/a%20b?token=x%ff&y')?.pathname).toBe('/a b');
    expect(parseRequestTarget('/a?token=x%ff')?.searchParams.get('token')).toBe('x\ufffd');
    expect(parseRequestTarget('//')?.pathname).toBe('//');
    for (const bad of ['/%', '/%ff', '/%c0%ae', '/%zz', '/a%00', '*', 'http://x/', '', undefined])
      expect(parseRequestTarget(bad), String(bad)).toBeNull();
  });

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const t = parseRequestTarget(`/${s}`);
        if (t) expect(t.pathname.startsWith('/') && !t.pathname.includes('\0')).toBe(true);
        parseHostHeader(s);
        hostAllowed(s, '127.0.0.1', 5317);
        hostAllowed(s, '0.0.0.0', 5317);
      }),
      { seed: 9, numRuns: 2000 },
    );
  });
});

describe('hostAllowed', () => {
  it('on a loopback bind accepts localhost, 127/8 and [::1] with our port only', () => {
    for (const ok of [
      'localhost:5317',
      '127.0.0.1:5317',
      '127.255.0.1:5317',
      '[::1]:5317',
      '[0:0:0:0:0:0:0:1]:5317',
    ])
      expect(hostAllowed(ok, '127.0.0.1', 5317), ok).toBe(true);
    for (const bad of [
      'localhost',
      'localhost:80',
      'evil.example:5317',
      '10.0.0.1:5317',
      '[::2]:5317',
      '127.1:5317',
      '0x7f000001:5317',
      'localhost:5317:5317',
      'localhost:99999',
      '[::1:5317',
      'loc alhost:5317',
    ])
      expect(hostAllowed(bad, '127.0.0.1', 5317), bad).toBe(false);
    expect(hostAllowed('localhost', '127.0.0.1', 80)).toBe(true);
    expect(hostAllowed(undefined, '127.0.0.1', 5317)).toBe(false);
  });

  it('on a network bind also accepts IP literals, never DNS names', () => {
    for (const ok of ['192.168.1.5:5317', '[fe80::1]:5317', 'localhost:5317', '0.0.0.0:5317'])
      expect(hostAllowed(ok, '0.0.0.0', 5317), ok).toBe(true);
    for (const bad of ['gpu-box.lan:5317', 'evil.example:5317', '192.168.1.5:8080'])
      expect(hostAllowed(bad, '0.0.0.0', 5317), bad).toBe(false);
  });

  it('knows which bind addresses are loopback', () => {
    for (const l of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.1.1'])
      expect(isLoopbackName(l), l).toBe(true);
    for (const n of ['0.0.0.0', '::', '192.168.1.5', 'example.com']) expect(isLoopbackName(n), n).toBe(false);
  });
});
