import type { Bridge } from '../../../shared/contract';

/**
 * The shared Bridge plus what the UI needs to tell the user about the link itself: whether
 * pushed events are flowing, and where teammates reach this queue.
 */
export interface AppBridge extends Bridge {
  /** Calls back now and whenever the event stream connects or drops. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  /** URLs to share with teammates (empty when the server listens on loopback only). */
  readonly shareUrls: readonly string[];
  /**
   * A URL that opens `path` of the LAN server in a browser (with this page's token: a link cannot
   * set a header), or null where there is no server URL to give.
   */
  linkTo(path: string): string | null;
  /** Use another token from now on (HTTP only; the desktop app needs none). */
  setToken(token: string | null): void;
}
