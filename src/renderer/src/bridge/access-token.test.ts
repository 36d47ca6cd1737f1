import { describe, expect, it, vi } from 'vitest';
import { readAccessToken } from './access-token';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

describe('readAccessToken', () => {
  it('takes ?token= from the link, keeps it, and removes it from the address bar', () => {
    const storage = memoryStorage();
    const replaceUrl = vi.fn();
    expect(readAccessToken({ location: { href: 'http://h/?token=abc&x=1#team' }, storage, replaceUrl })).toBe('abc');
    expect(replaceUrl).toHaveBeenCalledWith('/?x=1#team');
    expect(readAccessToken({ location: { href: 'http://h/' }, storage })).toBe('abc');
  });

  it('has no token when neither the link nor storage has one', () => {
    expect(readAccessToken({ location: { href: 'http://h/' }, storage: memoryStorage() })).toBeNull();
    expect(readAccessToken({ location: { href: 'http://h/' }, storage: null })).toBeNull();
  });
});
