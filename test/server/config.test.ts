/**
 * The reference server's XML config: its example configs parse into the
 * settings they describe; PC_CONFIG_PATHS, PC_* substitution and
 * hosts/<hostname> work as the reference's loader does; bad input is a
 * ConfigError that says where.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, readServerConfig, toServerOptions } from '../../src/server/config/index.js';
import { computeMode } from '../../src/server/config/socket-mode.js';
import { removeScratchDirectories, scratchDirectory } from '../helpers/persistence.js';

const EXAMPLES = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const NO_ENV = {};
const read = (name: string, options: Parameters<typeof readServerConfig>[1] = {}) => readServerConfig(join(EXAMPLES, name), { env: NO_ENV, hostname: 'testbox', ...options });

/** Writes `xml` to a fresh directory and reads it. */
function readXml(xml: string, options: Parameters<typeof readServerConfig>[1] = {}) {
  const file = join(scratchDirectory(), 'clacks.xml');
  writeFileSync(file, xml);
  return readServerConfig(file, { env: NO_ENV, hostname: 'testbox', ...options });
}

const MAIN = '<username>admin</username><password>secret</password>';

describe('the reference server’s config file', () => {
  afterEach(removeScratchDirectories);

  it('clacks_master.xml: a TLS listener, the main user, persistence; throttle and interclacks keys noted', () => {
    const settings = read('clacks_master.xml');
    expect(settings).toMatchObject({
      appname: 'Clacks Master',
      sockets: [],
      tlsHosts: ['127.0.0.1'],
      port: 18888,
      cert: { path: 'exampleserver.crt' },
      key: { path: 'exampleserver.key' },
      users: [{ username: 'exampleuser', password: 'unsafepassword' }],
      persistFile: 'clackspersistance.dat',
      persistInterval: undefined,
      pingTimeout: 600,
      interclacks: { pingTimeout: 10 },
      master: undefined,
      warnings: [],
    });
    expect(settings.notes.join('\n')).toMatch(/<throttle> has no meaning/);
    // Interclacks timers are settings now, not notes.
    expect(settings.notes.join('\n')).not.toMatch(/interclacks/);
  });

  it('hosts/<hostname> replaces the keys it names on that host only', () => {
    expect(read('clacks_master.xml', { hostname: 'developmentbox' }).tlsHosts).toEqual(['128.0.0.1', '::1']);
    expect(read('clacks_master_unixdomainsocket.xml', { hostname: 'developmentbox' })).toMatchObject({ tlsHosts: ['128.0.0.1', '::1'], sockets: ['example.sock'] });
    expect(read('clacks_master_unixdomainsocket.xml')).toMatchObject({ tlsHosts: ['127.0.0.1'], sockets: ['example.sock'], port: 18888 });
  });

  it('the slave examples: users with read/write/manage, and their master', () => {
    const slave1 = read('clacks_slaveserver1.xml');
    expect(slave1.users).toEqual([
      { username: 'exampleuser', password: 'unsafepassword' },
      { username: 'rwuser', password: 'foo', permissions: ['read', 'write'] },
      { username: 'rouser', password: 'bar', permissions: ['read'] },
    ]);
    expect(slave1.master).toEqual({ ip: ['127.0.0.1'], port: 49888, socket: [] });
    expect(slave1).toMatchObject({ port: 49889, interclacks: { pingTimeout: 60 } });
    expect(read('clacks_slaveserver2.xml').master).toEqual({ ip: [], port: undefined, socket: ['example.sock'] });
    expect(read('clacks_slaveserver.xml').master).toEqual({ ip: ['127.0.0.1'], port: 18888, socket: [] });
  });

  it('the transcripts’ server: every timeout, cache time and user, socketchmod; in startServer terms (milliseconds)', () => {
    const settings = read('transcripts_server.xml');
    expect(settings).toMatchObject({
      sockets: ['/srv/clacks/clacks.sock'],
      socketMode: '0770',
      persistFile: '/srv/clacks/persist/data/p.dat',
      persistInterval: 1,
      authTimeout: 5,
      pingTimeout: 5,
      stalledWriteTimeout: 60,
      deletedCacheTime: 3600,
      staleCacheTime: 86400,
      cacheCleanInterval: 60,
      interclacks: { reconnectTimeout: 30, readFailTimeout: 60, stalledWriteTimeout: 120 },
    });
    expect(settings.users.map((user) => [user.username, user.permissions])).toEqual([
      ['exampleuser', undefined],
      ['rwuser', ['read', 'write']],
      ['rouser', ['read']],
      ['wouser', ['write']],
    ]);
    expect(settings.notes.join('\n')).toMatch(/<readfailtimeout> has no effect/);
    const options = toServerOptions(settings, (path) => Buffer.from(`PEM of ${path}`));
    expect(options).toMatchObject({
      listeners: [{ socketPath: '/srv/clacks/clacks.sock' }, { host: '127.0.0.1', port: 49888, tls: { cert: Buffer.from('PEM of /srv/clacks/server.crt') } }],
      authTimeout: 5000,
      pingTimeout: 5000,
      persistInterval: 1000,
      deletedCacheTime: 3_600_000,
      staleCacheTime: 86_400_000,
      cacheCleanInterval: 60_000,
    });
  });

  it('PC_* in the text is replaced by the environment (longest names first), and a relative name is searched along PC_CONFIG_PATHS', () => {
    const settings = read('test_server.xml', { env: { PC_TESTDIR: '/run/clacks', PC_TEST: 'wrong' } });
    expect(settings.sockets).toEqual(['/run/clacks/test_clacks.sock']);
    expect(settings).toMatchObject({ pingTimeout: 10, users: [{ username: 'testuser', password: 'testpass' }] });

    const root = scratchDirectory();
    mkdirSync(join(root, 'a'));
    mkdirSync(join(root, 'b'));
    writeFileSync(join(root, 'b', 'clacks.xml'), `<clacks><socket>found-in-b</socket>${MAIN}</clacks>`);
    const env = { PC_CONFIG_PATHS: `${join(root, 'a')}:${join(root, 'b')}` };
    expect(readServerConfig('clacks.xml', { env, cwd: root }).sockets).toEqual(['found-in-b']);
    // Without PC_CONFIG_PATHS: the working directory, then configs/.
    mkdirSync(join(root, 'configs'));
    writeFileSync(join(root, 'configs', 'other.xml'), `<clacks><socket>in-configs</socket>${MAIN}</clacks>`);
    expect(readServerConfig('other.xml', { env: {}, cwd: root }).sockets).toEqual(['in-configs']);
    expect(() => readServerConfig('missing.xml', { env, cwd: root })).toThrow(/config file missing\.xml not found \(PC_CONFIG_PATHS=.*\); looked for .*a\/missing\.xml, .*b\/missing\.xml/);
  });

  it('attributes count as keys, as for XML::Simple; an unknown key is a warning naming it', () => {
    const settings = readXml(`<clacks>
      <socket>s.sock</socket>${MAIN}
      <user username="reader" password="pw" read="1"/>
      <persistencefile>/tmp/p.dat</persistencefile>
      <ssl><cert>c.pem</cert><key>k.pem</key><chain>x</chain></ssl>
    </clacks>`);
    expect(settings.users[1]).toEqual({ username: 'reader', password: 'pw', permissions: ['read'] });
    expect(settings.warnings).toEqual([
      expect.stringMatching(/unknown key <persistencefile> ignored \(did you mean <persistancefile>\?\)$/),
      expect.stringMatching(/unknown key <ssl\/chain> ignored$/),
    ]);
    expect(settings.persistFile).toBeUndefined();
  });

  it('a 0 that means "at once" to the reference is a tenth of a second; stalecachetime 0 is never', () => {
    const settings = readXml(`<clacks><socket>s</socket>${MAIN}<persistanceinterval>0</persistanceinterval><deletedcachetime>0</deletedcachetime><cachecleaninterval>0</cachecleaninterval><stalecachetime>0</stalecachetime></clacks>`);
    expect(settings).toMatchObject({ persistInterval: 0.1, deletedCacheTime: 0.1, cacheCleanInterval: 0.1, staleCacheTime: 0 });
    expect(settings.notes.join('\n')).toMatch(/<persistanceinterval>0<\/persistanceinterval>: "at once"/);
    expect(settings.notes.join('\n')).toMatch(/entries never go stale here/);
  });

  it('<write>false</write> grants write, as in Perl, and says so', () => {
    const settings = readXml(`<clacks><socket>s</socket>${MAIN}<user><username>u</username><password>p</password><read>1</read><write>false</write><manage>0</manage></user></clacks>`);
    expect(settings.users[1]?.permissions).toEqual(['read', 'write']);
    expect(settings.warnings.join('\n')).toMatch(/<user\/write>false<\/write> grants the permission/);
  });

  it.each([
    ['malformed XML, with file, line and column', `<clacks>\n  <socket>s</socket>\n  <port>1</prot>\n</clacks>`, /clacks\.xml:3:\d+: malformed XML: .*port/],
    ['two root elements', `<clacks>${MAIN}</clacks><clacks/>`, /malformed XML: more than one root element/],
    ['an empty file', '  \n', /is empty/],
    ['no main user', '<clacks><socket>s</socket></clacks>', /needs <username> and <password>/],
    ['a user without a password', `<clacks><socket>s</socket>${MAIN}<user><username>u</username></user></clacks>`, /<user> number 1 needs <username> and <password>/],
    ['a user twice', `<clacks><socket>s</socket>${MAIN}<user><username>admin</username><password>x</password></user></clacks>`, /"admin" is configured twice/],
    ['<ip> without <port>', `<clacks><ip>127.0.0.1</ip><ssl><cert>c</cert><key>k</key></ssl>${MAIN}</clacks>`, /<ip> is set but <port> is not/],
    ['<ip> without <ssl>', `<clacks><ip>127.0.0.1</ip><port>1</port>${MAIN}</clacks>`, /<ssl> needs <cert> and <key>/],
    ['a key given twice', `<clacks><socket>s</socket><port>1</port><port>2</port>${MAIN}</clacks>`, /<port> appears 2 times; it takes one value/],
    ['a timeout that is not a number', `<clacks><socket>s</socket><pingtimeout>soon</pingtimeout>${MAIN}</clacks>`, /<pingtimeout> must be a number, got "soon"/],
    ['elements where text belongs', `<clacks><socket><path>s</path></socket>${MAIN}</clacks>`, /<socket> must hold text/],
    ['a bad socketchmod', `<clacks><socket>s</socket><socketchmod>rw-all</socketchmod>${MAIN}</clacks>`, /socketchmod "rw-all": not a chmod mode/],
  ])('%s is an error', (_case, xml, message) => {
    expect(() => readXml(xml)).toThrow(ConfigError);
    expect(() => readXml(xml)).toThrow(message);
  });

  it('a certificate or key file that cannot be read is named', () => {
    const settings = read('clacks_master.xml');
    expect(() => toServerOptions(settings)).toThrow(/cannot read the certificate exampleserver\.crt \(<ssl><cert> in .*clacks_master\.xml\): no such file/);
  });

  it('socketchmod takes what chmod takes: octal or symbolic', () => {
    expect(computeMode('0770', 0o755)).toBe(0o770);
    expect(computeMode('660', 0o755)).toBe(0o660);
    expect(computeMode('g+w', 0o755)).toBe(0o775);
    expect(computeMode('ug=rw,o=', 0o755)).toBe(0o660);
    expect(computeMode('a-x', 0o755)).toBe(0o644);
    expect(computeMode('o+X', 0o644)).toBe(0o644);
  });
});
