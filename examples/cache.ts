/**
 * Sharing cache values with Perl applications (Net::Clacks::ClacksCache):
 * reads what Perl stored, writes multi-line and structured values in the
 * same encodings, and shows the bytes on the wire.
 *
 *   npx tsx examples/cache.ts
 */
import { inspect } from 'node:util';
import { createCache, createClient } from '../src/index.js';
import { exampleServer } from './support/example-server.js';

const target = await exampleServer();
const client = await createClient(target.url, { name: 'example-cache' });
const cache = createCache(client); // the Perl-compatible codec is the default

const show = (value: unknown) => inspect(value, { depth: 5, breakLength: Infinity });

// 1. A value as the Perl library stores it: ClacksCache->set('example::struct', { a => 1, list => [1, 2] })
//    sends these exact bytes (a YAML document, base64-encoded, after a prefix).
const fromPerl = 'PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=';
await client.store('example::struct', fromPerl);
console.log('1. Stored the bytes Perl writes for { a => 1, list => [1, 2] }:');
console.log(`   wire:    ${fromPerl}`);
console.log(`   the YAML inside: ${JSON.stringify(yamlInside(fromPerl))}`);
console.log(`   cache.get('example::struct') = ${show(await cache.get('example::struct'))}`);

// 2. A multi-line string: a Clacks value is one line, so it travels base64-encoded.
await cache.set('example::note', 'line one\nline two');
console.log("2. cache.set('example::note', 'line one\\nline two'):");
console.log(`   wire:    ${await client.retrieve('example::note')}`);
console.log(`   read back: ${show(await cache.get('example::note'))}`);

// 3. A structure: Perl reads it back as a hash with ClacksCache->get.
const session = { user: 'alice', roles: ['admin', 'editor'], visits: 3 };
await cache.set('example::session', session);
const wire = (await client.retrieve('example::session')) ?? '';
console.log(`3. cache.set('example::session', ${show(session)}):`);
console.log(`   wire:    ${wire}`);
console.log(`   the YAML inside: ${JSON.stringify(yamlInside(wire))}`);
console.log(`   read back: ${show(await cache.get('example::session'))}`);

// 4. A one-line string is stored as it is, so any Clacks client can read it.
await cache.set('example::greeting', 'hello from Node');
console.log(`4. A plain string stays plain on the wire: ${await client.retrieve('example::greeting')}`);

// 5. Counters: INCREMENT on the server (Perl arithmetic), the new value read back.
console.log(`5. cache.incr('example::hits') = ${await cache.incr('example::hits')}, then incr by 10 = ${await cache.incr('example::hits', 10)}`);

for (const key of await cache.keys()) if (key.startsWith('example::')) await cache.delete(key);
await client.close();
await target.close();

/** The YAML text inside a PAGECAMELCLACKSYAMLB64 value, as Perl's YAML::Syck sees it. */
function yamlInside(value: string): string {
  return Buffer.from(value.replace(/^PAGECAMELCLACKSYAMLB64: ?/, ''), 'base64').toString('utf8');
}
