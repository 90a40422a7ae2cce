import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, isNavigationAllowed, isTrustedIpcSender } from './security-policy';

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name = '', ...sources] = part.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

describe('contentSecurityPolicy', () => {
  it('production allows only bundled code and styles', () => {
    const csp = directives(contentSecurityPolicy('production'));
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
  });

  it('never allows eval, inline scripts or remote hosts in either mode', () => {
    for (const mode of ['production', 'development'] as const) {
      const policy = contentSecurityPolicy(mode);
      expect(policy).not.toContain('unsafe-eval');
      expect(directives(policy).get('script-src')).toEqual(["'self'"]);
      expect(policy).not.toMatch(/https?:/);
    }
  });

  it('development relaxes only inline styles and the localhost HMR socket', () => {
    const prod = directives(contentSecurityPolicy('production'));
    const dev = directives(contentSecurityPolicy('development'));
    const changed = [...dev.keys()].filter((name) => dev.get(name)?.join(' ') !== prod.get(name)?.join(' '));
    expect(changed.sort()).toEqual(['connect-src', 'style-src']);
    expect(dev.get('connect-src')).toEqual(["'self'", 'ws://localhost:*', 'ws://127.0.0.1:*']);
  });
});

describe('isNavigationAllowed', () => {
  const fileEntry = 'file:///opt/quotebench/out/renderer/index.html';
  const devEntry = 'http://localhost:5173/';

  it('allows reloading the entry page, ignoring the fragment', () => {
    expect(isNavigationAllowed(fileEntry, fileEntry)).toBe(true);
    expect(isNavigationAllowed(`${fileEntry}#runs`, fileEntry)).toBe(true);
    expect(isNavigationAllowed(devEntry, devEntry)).toBe(true);
  });

  it('denies other pages, files, origins and schemes', () => {
    expect(isNavigationAllowed('file:///etc/passwd', fileEntry)).toBe(false);
    expect(isNavigationAllowed('file:///opt/quotebench/out/renderer/other.html', fileEntry)).toBe(false);
    expect(isNavigationAllowed('http://localhost:5173/other', devEntry)).toBe(false);
    expect(isNavigationAllowed('http://localhost:5174/', devEntry)).toBe(false);
    expect(isNavigationAllowed('https://example.com/', devEntry)).toBe(false);
    expect(isNavigationAllowed('javascript:alert(1)', fileEntry)).toBe(false);
    expect(isNavigationAllowed('data:text/html,<h1>x</h1>', fileEntry)).toBe(false);
  });

  it('denies a query string change and malformed URLs', () => {
    expect(isNavigationAllowed(`${fileEntry}?x=1`, fileEntry)).toBe(false);
    expect(isNavigationAllowed('not a url', fileEntry)).toBe(false);
    expect(isNavigationAllowed(fileEntry, 'not a url')).toBe(false);
  });
});

describe('isTrustedIpcSender', () => {
  const entry = 'file:///opt/quotebench/out/renderer/index.html';
  it('trusts only frames showing the entry page', () => {
    expect(isTrustedIpcSender(entry, entry)).toBe(true);
    expect(isTrustedIpcSender(`${entry}#runs`, entry)).toBe(true);
    expect(isTrustedIpcSender('http://localhost:5173/', 'http://localhost:5173/')).toBe(true);
  });
  it('refuses other pages, origins, missing and malformed URLs', () => {
    expect(isTrustedIpcSender('file:///tmp/evil.html', entry)).toBe(false);
    expect(isTrustedIpcSender('https://example.com/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedIpcSender('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedIpcSender(undefined, entry)).toBe(false);
    expect(isTrustedIpcSender('::', entry)).toBe(false);
  });
});
