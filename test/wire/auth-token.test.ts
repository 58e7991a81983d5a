import { describe, expect, it } from 'vitest';
import { decodeAuthToken, encodeAuthToken } from '../../src/wire/index.js';

describe('OVERHEAD A auth token', () => {
  it('encodes the credentials of the transcripts', () => {
    expect(encodeAuthToken('exampleuser', 'unsafepassword')).toBe('ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=');
    expect(encodeAuthToken('rouser', 'bar')).toBe('cm91c2Vy:YmFy');
    expect(encodeAuthToken('rwuser', 'foo')).toBe('cnd1c2Vy:Zm9v');
  });

  it('decodes them back', () => {
    expect(decodeAuthToken('ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=')).toEqual({ username: 'exampleuser', password: 'unsafepassword' });
    expect(decodeAuthToken('ZXhhbXBsZXVzZXI=:d3JvbmdwYXNz')).toEqual({ username: 'exampleuser', password: 'wrongpass' });
  });

  it('refuses malformed tokens', () => {
    expect(decodeAuthToken('garbage')).toBeUndefined();
    expect(decodeAuthToken('a:b:c')).toBeUndefined();
    expect(decodeAuthToken('abc:YmFy')).toBeUndefined(); // not a multiple of 4
    expect(decodeAuthToken('cm91c2Vy:Ym Fy')).toBeUndefined();
    expect(decodeAuthToken('cm91c2Vy:YmF=y')).toBeUndefined();
    expect(decodeAuthToken('')).toBeUndefined();
  });

  it('accepts empty parts (empty username or password)', () => {
    expect(decodeAuthToken(':')).toEqual({ username: '', password: '' });
    expect(encodeAuthToken('', '')).toBe(':');
  });

  it('carries UTF-8 credentials', () => {
    const token = encodeAuthToken('jürgen', 'pässwörd€🚀');
    expect(token).toBe(`${Buffer.from('jürgen').toString('base64')}:${Buffer.from('pässwörd€🚀').toString('base64')}`);
    expect(token).toBe('asO8cmdlbg==:cMOkc3N3w7ZyZOKCrPCfmoA=');
    expect(decodeAuthToken(token)).toEqual({ username: 'jürgen', password: 'pässwörd€🚀' });
  });

  it('never contains a space, CR or LF, whatever the credentials', () => {
    expect(encodeAuthToken('a b\r\n', 'c:d\n')).toMatch(/^[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  });
});
