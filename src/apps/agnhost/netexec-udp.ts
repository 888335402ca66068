/**
 * netexec's UDP (and SCTP) command protocol: the datagram, trimmed and lower-cased, is `hostname`,
 * `echo <msg>` or `clientip`; anything else non-empty is logged and left unanswered.
 */
import { goString, goToLower, goTrimSpace } from '../go.js';

/** netexec reads into a 2048-byte buffer: longer datagrams are cut there. */
export const NETEXEC_UDP_BUFFER = 2048;

export interface UdpCommandResult {
  /** What to send back, if anything. */
  reply?: string;
  /** The lines netexec logs for it. */
  logs: string[];
}

export function udpCommand(data: Uint8Array, hostname: string, client: string): UdpCommandResult {
  const text = goToLower(goTrimSpace(goString(data.subarray(0, NETEXEC_UDP_BUFFER))));
  if (text === 'hostname') return { reply: hostname, logs: ['Sending udp hostName response', `hostname: ${hostname}`] };
  if (text.startsWith('echo ')) {
    const reply = text.slice('echo '.length);
    return { reply, logs: [`Echoing ${reply} to UDP client ${client}`] };
  }
  if (text === 'clientip') return { reply: client, logs: [`Sending clientip back to UDP client ${client}`] };
  return { logs: text.length > 0 ? [`Unknown UDP command received from ${client}: ${text}`] : [] };
}
