/**
 * The Origin allowlist. Browsers send the page's origin with every
 * WebSocket handshake; a page from elsewhere must not reach the Clacks
 * server with the user's network position (cross-site WebSocket hijacking).
 * @module
 */
import { isIP } from 'node:net';

export class OriginPolicy {
  private readonly exact = new Set<string>();
  /** `scheme://` and `.example.org` of `scheme://*.example.org` entries. */
  private readonly suffixes: Array<{ scheme: string; suffix: string }> = [];
  private readonly any: boolean;
  /** No list given: loopback pages only (the gateway then listens on loopback only). */
  readonly loopbackDefault: boolean;

  constructor(allow: readonly string[] | undefined) {
    this.loopbackDefault = allow === undefined || allow.length === 0;
    this.any = allow?.includes('*') ?? false;
    for (const entry of allow ?? []) {
      if (entry === '*') continue;
      const wildcard = /^([a-z][a-z0-9+.-]*:\/\/)\*(\.[^/:]+(?::\d+)?)$/i.exec(entry);
      if (wildcard) {
        this.suffixes.push({ scheme: (wildcard[1] as string).toLowerCase(), suffix: (wildcard[2] as string).toLowerCase() });
        continue;
      }
      let origin: string;
      try {
        origin = new URL(entry).origin;
      } catch {
        throw new TypeError(`startGateway: ${JSON.stringify(entry)} is not an origin (e.g. https://app.example.org)`);
      }
      if (origin === 'null') throw new TypeError(`startGateway: ${JSON.stringify(entry)} is not an origin (e.g. https://app.example.org)`);
      this.exact.add(origin);
    }
  }

  /** Whether a handshake with this Origin header (undefined: not a browser) is let through. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.any) return true;
    const normalized = origin.toLowerCase();
    if (this.loopbackDefault) return loopbackOrigin(normalized);
    if (this.exact.has(normalized)) return true;
    for (const { scheme, suffix } of this.suffixes) {
      if (normalized.startsWith(scheme) && normalized.endsWith(suffix) && normalized.length > scheme.length + suffix.length) return true;
    }
    return false;
  }
}

function loopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopback(url.hostname);
  } catch {
    return false;
  }
}

/** Whether `host` is a loopback name or address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare.startsWith('::ffff:127.');
}
