/**
 * The fields of one `CLIENT k=v;…;` line of a CLIENTLIST reply, in the
 * reference's order (PROTOCOL.md, "Commands, client to server"). The reply
 * itself is streamed (reply-stream.ts), sorted by cid.
 * @module
 */
import type { ClientConnection } from './client-connection.js';
import { formatDouble } from './perl-number.js';

/** Times are epoch seconds printed like Perl's Time::HiRes floats. */
export function formatClientFields(client: ClientConnection): Record<string, string> {
  return {
    CID: client.cid,
    HOST: client.host,
    PORT: client.port,
    CLIENTINFO: client.clientInfo,
    OUTBUFFER_LENGTH: String(client.outputLength),
    INBUFFER_LENGTH: String(client.reader.bufferedBytes),
    INTERCLACKS: client.link === undefined ? '0' : '1',
    MONITOR: client.monitoring ? '1' : '0',
    LASTPING: formatDouble(client.lastPingAt / 1000),
    LASTINTERCLACKSPING: client.link === undefined ? '0' : formatDouble(client.link.lastPingSentAt / 1000),
    WRITEFAILTIME: client.blockedSince === 0 ? '0' : formatDouble(client.blockedSince / 1000),
  };
}
