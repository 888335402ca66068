/**
 * The `kemu.dev/bridge` image: a pod whose port is served by a real program on this machine. Each
 * --port=P:HOST:TARGET (TCP) or --udp-port=P:HOST:TARGET listens on P inside the pod's emulated
 * namespace and splices every emulated connection (or UDP peer) to a real socket on HOST:TARGET —
 * so a user's own server, started beside kemu, is a Service backend reached through kube-proxy, the
 * CNI's tunnels and all. HOST must be a loopback address: kemu never sends traffic off this machine.
 */
import { type Socket as DgramSocket, createSocket } from 'node:dgram';
import { type Socket, connect } from 'node:net';
import { type FlagSpec, parsePflags } from '../flags.js';
import { type Plan, exits, run } from '../plan.js';
import { Process } from '../process.js';
import type { StreamSocket, UdpEndpoint, WorkloadContext } from '../types.js';

export const BRIDGE_FLAGS: FlagSpec = {
  port: { type: 'string', default: '' },
  'udp-port': { type: 'string', default: '' },
  'udp-idle': { type: 'duration', default: 30_000 },
};

export interface BridgeMapping {
  protocol: 'TCP' | 'UDP';
  port: number;
  host: string;
  target: number;
}

/** "8080:127.0.0.1:9000" (several separated by commas). */
export function parseMappings(spec: string, protocol: 'TCP' | 'UDP'): BridgeMapping[] | string {
  const out: BridgeMapping[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+):(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost):(\d+)$/.exec(part);
    if (m === null) return `bad mapping "${part}": want POD_PORT:127.x.y.z:REAL_PORT (a loopback address)`;
    const port = Number(m[1]);
    const target = Number(m[3]);
    if (port < 1 || port > 65535 || target < 1 || target > 65535) return `bad port in "${part}"`;
    out.push({ protocol, port, host: m[2] === 'localhost' ? '127.0.0.1' : m[2]!, target });
  }
  return out;
}

export function planBridge(args: readonly string[]): Plan {
  const usage = (msg: string): Plan => exits('bridge', 2, [`bridge: ${msg}`, 'Usage: bridge --port=8080:127.0.0.1:9000 [--udp-port=53:127.0.0.1:5353]']);
  const parsed = parsePflags(args, BRIDGE_FLAGS);
  if (!parsed.ok) return usage(parsed.error);
  const tcp = parseMappings(parsed.values['port'] as string, 'TCP');
  const udp = parseMappings(parsed.values['udp-port'] as string, 'UDP');
  if (typeof tcp === 'string') return usage(tcp);
  if (typeof udp === 'string') return usage(udp);
  if (tcp.length + udp.length === 0) return usage('nothing to bridge: give --port and/or --udp-port');
  const idleMs = parsed.values['udp-idle'] as number;
  return run('bridge', (ctx) => new Bridge(ctx, [...tcp, ...udp], idleMs));
}

class Bridge extends Process {
  private readonly realSockets = new Set<Socket | DgramSocket>();

  constructor(ctx: WorkloadContext, private readonly mappings: BridgeMapping[], private readonly udpIdleMs: number) {
    super(ctx);
  }

  protected main(): void {
    for (const m of this.mappings) {
      if (m.protocol === 'TCP') this.listenTcp(m.port, (emu) => this.spliceTcp(emu, m));
      else this.relayUdp(m);
      this.ctx.log(`bridging ${m.port}/${m.protocol} in the pod to ${m.host}:${m.target} on this machine`);
    }
  }

  protected override exit(code: number): void {
    for (const s of this.realSockets) {
      if ('destroy' in s) s.destroy();
      else s.close();
    }
    this.realSockets.clear();
    super.exit(code);
  }

  private spliceTcp(emu: StreamSocket, m: BridgeMapping): void {
    const real = connect({ host: m.host, port: m.target });
    this.realSockets.add(real);
    real.on('close', () => this.realSockets.delete(real));
    emu.pipe(real);
    real.pipe(emu);
    // The real server refusing or resetting is a reset for the emulated client too.
    real.on('error', (err: NodeJS.ErrnoException) => {
      this.ctx.log(`${m.host}:${m.target}: ${err.code ?? err.message}`);
      emu.destroy();
    });
    emu.on('error', () => real.destroy());
    emu.on('close', () => real.destroy());
  }

  private relayUdp(m: BridgeMapping): void {
    const peers = new Map<string, { real: DgramSocket; idle: { cancel(): void } }>();
    let endpoint: UdpEndpoint | undefined;
    endpoint = this.bindUdp(m.port, (data, from) => {
      const key = `${from.address}:${from.port}`;
      let peer = peers.get(key);
      if (peer === undefined) {
        const real = createSocket('udp4');
        this.realSockets.add(real);
        real.on('message', (msg) => endpoint?.send(msg, from.port, from.address));
        real.on('error', () => undefined);
        peer = { real, idle: { cancel: () => undefined } };
        peers.set(key, peer);
      }
      peer.idle.cancel();
      const p = peer;
      p.idle = this.after(this.udpIdleMs, () => {
        peers.delete(key);
        this.realSockets.delete(p.real);
        p.real.close();
      });
      p.real.send(data, m.target, m.host);
    });
  }
}
