/**
 * The token the web UI sends as `Authorization: Bearer`. A `?token=` link (what the Team tab
 * shares) is saved to localStorage and removed from the address bar so it is not bookmarked.
 */
const STORAGE_KEY = 'lmq.token';

export interface TokenSources {
  location: { href: string };
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** history.replaceState, to drop the token from the visible URL. */
  replaceUrl?: (url: string) => void;
}

export function readAccessToken({ location, storage, replaceUrl }: TokenSources): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage?.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    replaceUrl?.(url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage?.getItem(STORAGE_KEY) ?? null;
}

export function saveAccessToken(storage: TokenSources['storage'], token: string | null): void {
  if (!storage) return;
  if (token) storage.setItem(STORAGE_KEY, token);
  else storage.removeItem(STORAGE_KEY);
}
