/**
 * Typed CLIENTLIST entries (PROTOCOL.md, "Commands": CLIENTLIST fields).
 * @module
 */

/** One connected client, as `clientlist()` reports it. */
export interface ClientInfo {
  /** Client id, e.g. `127.0.0.1:54321:7` or `unixdomainsocket:1795542781.40806:14`. */
  cid: string;
  host: string;
  /** As the reference writes it: the rest of the cid after the host (`54321:7`). */
  port: string;
  /** The identification the client sent in its `CLACKS` line (`;` replaced by `_`). */
  clientInfo: string;
  outBufferLength: number;
  inBufferLength: number;
  interclacks: boolean;
  monitor: boolean;
  /** Time of the client's last PING, seconds since the epoch. */
  lastPing: number;
  lastInterclacksPing: number;
  writeFailTime: number;
  /** Every field exactly as sent, including ones this version does not know. */
  fields: Record<string, string>;
}

/** Converts the raw `k=v` fields of a CLIENT line. */
export function toClientInfo(fields: Record<string, string>): ClientInfo {
  const number = (key: string): number => {
    const value = Number(fields[key] ?? '0');
    return Number.isFinite(value) ? value : 0;
  };
  return {
    cid: fields.CID ?? '',
    host: fields.HOST ?? '',
    port: fields.PORT ?? '',
    clientInfo: fields.CLIENTINFO ?? '',
    outBufferLength: number('OUTBUFFER_LENGTH'),
    inBufferLength: number('INBUFFER_LENGTH'),
    interclacks: fields.INTERCLACKS === '1',
    monitor: fields.MONITOR === '1',
    lastPing: number('LASTPING'),
    lastInterclacksPing: number('LASTINTERCLACKSPING'),
    writeFailTime: number('WRITEFAILTIME'),
    fields: { ...fields },
  };
}
