import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './content-security-policy';

describe('contentSecurityPolicy', () => {
  it('allows only our own files, no inline script, no framing', () => {
    const policy = contentSecurityPolicy(null);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
  });

  it('leaves out what a <meta> tag cannot carry in the variant built into index.html', () => {
    const meta = contentSecurityPolicy(null, 'meta');
    expect(meta).not.toContain('frame-ancestors');
    expect(meta).toContain("script-src 'self'");
  });

  it('opens just enough for the dev server', () => {
    const policy = contentSecurityPolicy('http://localhost:5173');
    expect(policy).toContain("script-src 'self' 'unsafe-inline'");
    expect(policy).toContain("connect-src 'self' ws://localhost:5173");
  });
});
