/** Helpers for speakers over real loopback TCP: one 127.0.0.N address per node, ports chosen by the OS. */
import * as net from 'node:net';
import { BgpSpeaker, type SpeakerConfig } from '../../src/bgp/index.js';
import type { RouteChange } from '../../src/bgp/rib/index.js';

export const AS = 64512;

export interface Node {
  ip: string;
  port: number;
  speaker: BgpSpeaker;
  changes: RouteChange[];
}

/**
 * A speaker on 127.0.0.N. Distinct loopback addresses (Linux routes all of 127/8 to lo) let a
 * speaker tell its peers apart by source address, as on a real network.
 */
export async function node(n: number, extra: Partial<SpeakerConfig> = {}): Promise<Node> {
  const ip = `127.0.0.${n}`;
  const changes: RouteChange[] = [];
  const speaker = new BgpSpeaker({
    asn: AS, routerId: ip, listenAddress: ip, listenPort: 0, holdTime: 3, connectRetryMs: 200, errorWaitMs: [200, 1000],
    onRoutes: (c) => changes.push(...c), ...extra,
  });
  const { port } = await speaker.listen();
  return { ip, port, speaker, changes };
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function learned(n: Node): string[] {
  return n.speaker.learnedRoutes().map((r) => `${r.prefix} via ${r.nextHop}`);
}

/**
 * A TCP relay between two speakers that can go silent without closing: a link failure that only
 * the hold timer can detect. It connects onward from `sourceIp` so the far side sees the right peer.
 */
export class Relay {
  private server: net.Server;
  private sockets: net.Socket[] = [];
  private silent = false;
  port = 0;

  constructor(private readonly listenIp: string, target: { ip: string; port: number }, private readonly sourceIp: string) {
    this.server = net.createServer((client) => {
      const upstream = net.connect({ host: target.ip, port: target.port, localAddress: this.sourceIp });
      this.sockets.push(client, upstream);
      client.on('data', (d) => !this.silent && upstream.write(d));
      upstream.on('data', (d) => !this.silent && client.write(d));
      const end = (): void => {
        if (this.silent) return; // a dead link carries no FIN either
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', () => {});
      upstream.on('close', end).on('error', () => {});
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, this.listenIp, r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  blackhole(): void {
    this.silent = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
