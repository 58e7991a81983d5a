/**
 * `--server-process`: runs the embedded server in its own process. Prints its
 * addresses as one JSON line when ready; stops when stdin closes.
 * @module
 */
import { importFrom } from './lib/sdk.js';
import { startEmbedded, type ServerSpec } from './lib/server.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
await importFrom(spec.sdkLocation, spec.sdkSource);
const server = await startEmbedded(spec);
process.stdout.write(`${JSON.stringify(server.addresses)}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
