/**
 * The UDP half of the edge between real clients and the emulation, shared by NodePorts and
 * LoadBalancer IPs: a real socket on an address of this machine, and per real client (address and
 * port) an emulated UDP socket that carries its datagrams in and the answers back. A mapping lives
 * while the client keeps sending (idleMs since its last datagram, like a conntrack UDP entry).
 */
import { type Socket as DgramSocket, type RemoteInfo, createSocket } from 'node:dgram';
import type { UdpSocket } from '../../dataplane/stack/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';

/** One client's way into the emulation: its socket, and what closing the mapping also undoes. */
export interface UdpFlow {
  socket: UdpSocket;
  close(): void;
}

export interface UdpRelayOptions {
  clock: Clock;
  idleMs: number;
  /** A new client: its flow, or undefined to drop the datagram (nowhere to send it). */
  open(client: RemoteInfo): UdpFlow | undefined;
  /** Sends a client's datagram into the emulation on its flow. */
  forward(flow: UdpFlow, payload: Buffer): void;
  onError(err: Error): void;
}

export interface RealUdpListener {
  /** The bound port (the asked one, or the free one picked for 0). */
  port: number;
  close(): Promise<void>;
}

/** Binds `address:port` and relays as above; rejects when the bind fails. */
export function listenRealUdp(address: string, port: number, o: UdpRelayOptions): Promise<RealUdpListener> {
  const real: DgramSocket = createSocket('udp4');
  const sessions = new Map<string, { flow: UdpFlow; timer: TimerHandle }>();
  const expire = (key: string): void => {
    const s = sessions.get(key);
    if (s === undefined) return;
    sessions.delete(key);
    s.timer.cancel();
    s.flow.close();
  };
  real.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let s = sessions.get(key);
    if (s === undefined) {
      const flow = o.open(rinfo);
      if (flow === undefined) return;
      flow.socket.onMessage((payload) => real.send(payload, rinfo.port, rinfo.address));
      s = { flow, timer: o.clock.setTimeout(() => expire(key), o.idleMs) };
      sessions.set(key, s);
    } else {
      s.timer.cancel();
      s.timer = o.clock.setTimeout(() => expire(key), o.idleMs);
    }
    o.forward(s.flow, msg);
  });
  return new Promise((resolve, reject) => {
    real.once('error', reject);
    real.bind({ address, port }, () => {
      real.off('error', reject);
      real.on('error', (err) => o.onError(err));
      resolve({
        port: real.address().port,
        close: () => new Promise<void>((done) => {
          for (const key of [...sessions.keys()]) expire(key);
          real.close(() => done());
        }),
      });
    });
  });
}
