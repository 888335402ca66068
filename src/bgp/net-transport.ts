/**
 * BGP over real TCP (node:net): a speaker on this machine's loopback (peering with gobgpd). The
 * Transport itself is the shared StreamTransport.
 */
import * as net from 'node:net';
import { StreamTransport, streamConnector } from './stream-transport.js';

/** The FSM's Transport over a node:net socket. */
export class NetTransport extends StreamTransport {
  constructor(socket: net.Socket) {
    super(socket);
  }
}

export const netConnector = streamConnector((host, port, localAddress) => net.connect({ host, port, ...(localAddress ? { localAddress } : {}) }));
