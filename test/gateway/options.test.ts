/**
 * The gateway's options as pure code: which address a page counts against
 * (its caps per address and its login throttle).
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { resolveGatewayOptions } from '../../src/gateway/options.js';

const request = (remoteAddress: string | undefined): IncomingMessage => ({ socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('the address a page counts against', () => {
  const { clientAddress } = resolveGatewayOptions({ upstream: { path: '/tmp/none.sock' } });

  it('is an IPv6 /64, as for the server: one host owns a whole /64, and would get 2^64 allowances', () => {
    expect(clientAddress(request('2001:db8:1:2::1'))).toBe(clientAddress(request('2001:db8:1:2:ffff:aaaa:bbbb:cccc')));
    expect(clientAddress(request('2001:db8:1:2::1'))).not.toBe(clientAddress(request('2001:db8:1:3::1')));
    expect(clientAddress(request('2001:db8:1:2::1'))).toBe('2001:db8:1:2::/64');
  });

  it('is the IPv4 address, also when it comes mapped into IPv6', () => {
    expect(clientAddress(request('192.0.2.7'))).toBe('192.0.2.7');
    expect(clientAddress(request('::ffff:192.0.2.7'))).toBe('192.0.2.7');
    expect(clientAddress(request(undefined))).toBe('unknown');
  });
});
