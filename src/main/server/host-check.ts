/**
 * Which names this server answers to (the Host header), and which requests may act as the
 * local user without a token. A web page on a name its owner points at 127.0.0.1 (DNS
 * rebinding) reaches a loopback server with that name as Host; a page on any other site can
 * open a WebSocket to 127.0.0.1 with its own Origin (browsers apply no CORS there). Neither may
 * pass for this machine's user.
 */
import type { FastifyInstance } from 'fastify';
import os from 'node:os';
import { LmqError } from '../../shared/errors';

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);

/** How often the interface addresses may be read again on a miss (DHCP renews, a VPN comes up). */
const INTERFACE_REFRESH_MS = 5_000;

export interface HostPolicyOptions {
  /** The address the server is bound to. */
  bindHost: string;
  /** More names (or addresses) to answer to; `*` answers to any Host. */
  allowedHosts?: readonly string[];
  interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  hostname?: () => string;
  now?: () => number;
}

/** The lower-case name or address of a Host header (no port, no brackets, no trailing dot); null if it is not one. */
export function hostnameOf(header: string | undefined): string | null {
  if (!header || /[@/?#\\\s]/.test(header)) return null;
  let url: URL;
  try {
    url = new URL(`http://${header}`);
  } catch {
    return null;
  }
  let name = url.hostname.toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name === '' ? null : name;
}

/** localhost, 127.0.0.0/8 or ::1 (as a Host or an Origin's host names them). */
export function isLoopbackName(name: string | null): boolean {
  if (name === null) return false;
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/**
 * May this request act as the local user: its Host is loopback and it comes from no web page
 * or from a page this server served (same origin). A page elsewhere, on this machine's other
 * ports included, may still call with a token.
 */
export function mayActAsLocalUser(host: string | undefined, origin: string | undefined): boolean {
  if (!isLoopbackName(hostnameOf(host))) return false;
  if (origin === undefined) return true;
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return false;
  }
  if (page.protocol !== 'http:') return false;
  return page.host === new URL(`http://${host}`).host;
}

/** The names a server bound to `bindHost` answers to. */
export class HostPolicy {
  private readonly anyHost: boolean;
  private readonly fixed: ReadonlySet<string>;
  private known: ReadonlySet<string>;
  private readAt: number;
  private readonly options: HostPolicyOptions;
  private readonly now: () => number;

  constructor(options: HostPolicyOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    const extra = (options.allowedHosts ?? []).map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
    this.anyHost = extra.includes('*');
    const bind = options.bindHost.toLowerCase().replace(/^\[|\]$/g, '');
    this.fixed = new Set([...extra.map((name) => hostnameOf(name) ?? name), ...(ANY_ADDRESS.has(bind) ? [] : [bind])]);
    this.known = this.read();
    this.readAt = this.now();
  }

  allows(hostHeader: string | undefined): boolean {
    if (this.anyHost) return true;
    const name = hostnameOf(hostHeader);
    if (name === null) return false;
    if (isLoopbackName(name) || this.fixed.has(name) || this.known.has(name)) return true;
    // A miss may be an address this machine gained since: read them again, not on every miss.
    if (this.now() - this.readAt < INTERFACE_REFRESH_MS) return false;
    this.known = this.read();
    this.readAt = this.now();
    return this.known.has(name);
  }

  /** The machine's names, and its interface addresses when bound to all of them. */
  private read(): ReadonlySet<string> {
    const names = new Set<string>();
    const hostname = (this.options.hostname ?? os.hostname)().toLowerCase();
    if (hostname) {
      const short = hostname.split('.')[0]!;
      names.add(hostname).add(short).add(`${short}.local`);
    }
    if (ANY_ADDRESS.has(this.options.bindHost)) {
      const interfaces = (this.options.interfaces ?? os.networkInterfaces)();
      for (const info of Object.values(interfaces).flatMap((list) => list ?? [])) {
        // Link-local IPv6 addresses carry a zone (fe80::1%eth0) that a Host header never does.
        names.add(info.address.toLowerCase().replace(/%.*$/, ''));
      }
    }
    return names;
  }
}

export function forbiddenHost(host: string | undefined): LmqError {
  const name = hostnameOf(host) ?? host ?? '(none)';
  return new LmqError(
    'forbidden_host',
    `this server does not answer to the name "${name}" (the request's Host header); if that name is this machine's, ` +
      `start LM Queue with --allowed-host ${name} (env LMQ_ALLOWED_HOSTS, comma-separated)`,
  );
}

/**
 * Refuses, before anything else runs (the web UI, health and WebSocket upgrades included), a
 * request whose Host is not one of this server's names.
 */
export function registerHostCheck(app: FastifyInstance, policy: HostPolicy): void {
  app.addHook('onRequest', (request, _reply, done) => {
    done(policy.allows(request.headers.host) ? undefined : forbiddenHost(request.headers.host));
  });
}
