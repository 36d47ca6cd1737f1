import os from 'node:os';

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function httpUrl(host: string, port: number): string {
  return `http://${urlHost(host)}:${port}`;
}

/**
 * The URLs teammates can use: every non-internal IPv4 address when bound to all interfaces,
 * the address itself when bound to one LAN address, none on loopback.
 */
export function lanUrls(
  host: string,
  port: number,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string[] {
  if (isLoopbackHost(host)) return [];
  if (!ANY_ADDRESS.has(host)) return [httpUrl(host, port)];
  const addresses = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((info) => info.family === 'IPv4' && !info.internal)
    .map((info) => info.address);
  return [...new Set(addresses)].map((address) => httpUrl(address, port));
}

/** The URL this machine itself uses: loopback when bound to all interfaces. */
export function localUrl(host: string, port: number): string {
  if (host === '::') return httpUrl('::1', port);
  return httpUrl(ANY_ADDRESS.has(host) ? '127.0.0.1' : host, port);
}
