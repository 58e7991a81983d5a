/**
 * The CLIENTLIST reply: `CLIENT k=v;…;` per client in the reference's field
 * order (PROTOCOL.md, "Commands, client to server"), sorted by cid.
 * @module
 */
import { encodeServerLine } from '../wire/index.js';
import type { ClientConnection } from './client-connection.js';
import { formatDouble } from './perl-number.js';

export function formatClientList(clients: Iterable<ClientConnection>): string {
  const sorted = [...clients].sort((a, b) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0));
  let text = encodeServerLine({ type: 'clientliststart' });
  for (const client of sorted) text += encodeServerLine({ type: 'client', fields: fieldsOf(client) });
  return text + encodeServerLine({ type: 'clientlistend' });
}

/** Times are epoch seconds printed like Perl's Time::HiRes floats. */
function fieldsOf(client: ClientConnection): Record<string, string> {
  return {
    CID: client.cid,
    HOST: client.host,
    PORT: client.port,
    CLIENTINFO: client.clientInfo,
    OUTBUFFER_LENGTH: String(client.outputLength),
    INBUFFER_LENGTH: String(client.reader.bufferedBytes),
    INTERCLACKS: '0',
    MONITOR: client.monitoring ? '1' : '0',
    LASTPING: formatDouble(client.lastPingAt / 1000),
    LASTINTERCLACKSPING: '0',
    WRITEFAILTIME: client.blockedSince === 0 ? '0' : formatDouble(client.blockedSince / 1000),
  };
}
