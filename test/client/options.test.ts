import { afterEach, describe, expect, it } from 'vitest';
import { parseClacksUrl, ValidationError } from '../../src/index.js';
import { resolveServers } from '../../src/client/options.js';

describe('URL forms', () => {
  it('reads clacks:// as TLS TCP with the default port 49888', () => {
    expect(parseClacksUrl('clacks://admin:secret@clacks.example.org')).toEqual({
      kind: 'tls',
      host: 'clacks.example.org',
      port: 49888,
      username: 'admin',
      password: 'secret',
    });
    expect(parseClacksUrl('clacks://u:p@10.0.0.5:5000')).toMatchObject({ kind: 'tls', host: '10.0.0.5', port: 5000 });
    expect(parseClacksUrl('clacks://u:p@[::1]:5000')).toMatchObject({ host: '::1' });
  });

  it('percent-decodes user and password', () => {
    expect(parseClacksUrl('clacks://us%40er:p%3Ass%2Fw%20rd@host')).toMatchObject({ username: 'us@er', password: 'p:ss/w rd' });
  });

  it('reads clacks+unix:// with credentials in the authority (host ignored) or in the query', () => {
    expect(parseClacksUrl('clacks+unix://admin:secret@localhost/run/clacks/clacks.sock')).toEqual({
      kind: 'unix',
      path: '/run/clacks/clacks.sock',
      username: 'admin',
      password: 'secret',
    });
    expect(parseClacksUrl('clacks+unix:///tmp/x.sock?user=U%20x&password=P%26')).toEqual({
      kind: 'unix',
      path: '/tmp/x.sock',
      username: 'U x',
      password: 'P&',
    });
  });

  it('refuses other schemes and a unix URL without a path', () => {
    expect(() => parseClacksUrl('redis://localhost')).toThrow(ValidationError);
    expect(() => parseClacksUrl('clacks+unix://u:p@localhost')).toThrow(/no socket path/);
    expect(() => parseClacksUrl('not a url')).toThrow(ValidationError);
  });
});

describe('resolving targets', () => {
  const saved = process.env.CLACKS_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.CLACKS_URL;
    else process.env.CLACKS_URL = saved;
  });

  it('uses CLACKS_URL when no target is given', () => {
    process.env.CLACKS_URL = 'clacks+unix://a:b@localhost/tmp/env.sock';
    expect(resolveServers(undefined, {}).servers).toEqual([{ kind: 'unix', path: '/tmp/env.sock', username: 'a', password: 'b' }]);
  });

  it('says what is missing when there is no target at all', () => {
    delete process.env.CLACKS_URL;
    expect(() => resolveServers(undefined, {})).toThrow(/CLACKS_URL/);
  });

  it('accepts an options object and a server list sharing credentials', () => {
    const { servers } = resolveServers({ servers: ['clacks://h1', { host: 'h2', port: 7 }], username: 'u', password: 'p' }, {});
    expect(servers).toEqual([
      { kind: 'tls', host: 'h1', port: 49888, username: 'u', password: 'p' },
      { kind: 'tls', host: 'h2', port: 7, username: 'u', password: 'p' },
    ]);
  });

  it('refuses a target without a user name and a bad port', () => {
    expect(() => resolveServers({ path: '/tmp/x.sock' }, {})).toThrow(/user name/);
    expect(() => resolveServers({ host: 'h', port: 70000, username: 'u' }, {})).toThrow(/port/);
  });
});
