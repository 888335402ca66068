/**
 * gobgpd for benchmarks (Debian package gobgpd): one daemon per call, bound to a loopback address,
 * BGP and gRPC API on ephemeral ports as the interop tests do; the `gobgp` CLI against its API;
 * the moment its log says "Peer Up" (the session reached Established), taken when the line arrives.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/net.js';

const exec = promisify(execFile);

/** Whether gobgpd and gobgp can be run here (a missing one is named). */
export async function gobgpMissing(): Promise<string | undefined> {
  for (const tool of ['gobgpd', 'gobgp']) {
    try {
      await exec(tool, ['--version']);
    } catch {
      return `${tool} is not installed (Debian package "gobgpd")`;
    }
  }
  return undefined;
}

let ticks: number | undefined;
async function clockTicks(): Promise<number> {
  ticks ??= Number((await exec('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  return ticks;
}

export { freePort };

export interface GobgpNeighbor {
  address: string;
  asn: number;
  /** The peer's BGP port when we dial it. */
  remotePort?: number;
  /** Wait for the peer to dial (it knows our port). */
  passive?: boolean;
}

export interface GobgpdOptions {
  dir: string;
  name: string;
  asn: number;
  /** Router ID and the only local address (BGP listener and outgoing sessions). */
  address: string;
  /** BGP listen port; -1: no listener. */
  port: number;
  neighbors: GobgpNeighbor[];
}

export class Gobgpd {
  /** hrtime (ns) of the first "Peer Up" per neighbor address, as the log line arrived. */
  readonly peerUp = new Map<string, bigint>();
  private log = '';

  private constructor(private readonly proc: ChildProcess, readonly apiPort: number) {
    const watch = (chunk: Buffer): void => {
      const at = process.hrtime.bigint();
      this.log += String(chunk);
      for (const m of String(chunk).matchAll(/msg="Peer Up" Key=(\S+)/g)) if (!this.peerUp.has(m[1]!)) this.peerUp.set(m[1]!, at);
    };
    proc.stdout?.on('data', watch);
    proc.stderr?.on('data', watch);
  }

  static async start(o: GobgpdOptions): Promise<Gobgpd> {
    const lines = ['[global.config]', `  as = ${o.asn}`, `  router-id = "${o.address}"`, `  port = ${o.port}`, `  local-address-list = ["${o.address}"]`];
    for (const n of o.neighbors) {
      lines.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n.address}"`, `    peer-as = ${n.asn}`,
        '  [neighbors.transport.config]', `    local-address = "${o.address}"`,
        ...(n.remotePort === undefined ? [] : [`    remote-port = ${n.remotePort}`]), ...(n.passive ? ['    passive-mode = true'] : []),
        '  [neighbors.timers.config]', '    connect-retry = 1', '    hold-time = 90', '    keepalive-interval = 30');
    }
    const file = join(o.dir, `${o.name}.toml`);
    await writeFile(file, `${lines.join('\n')}\n`);
    const apiPort = await freePort('127.0.0.1');
    const proc = spawn('gobgpd', ['-f', file, '--api-hosts', `127.0.0.1:${apiPort}`, '--pprof-disable', '-p'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const d = new Gobgpd(proc, apiPort);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await d.cli('global');
        return d;
      } catch (err) {
        if (Date.now() > deadline || proc.exitCode !== null) {
          proc.kill();
          throw new Error(`gobgpd ${o.name} did not come up: ${(err as Error).message}\n${d.log}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async cli(...args: string[]): Promise<string> {
    return (await exec('gobgp', ['-p', String(this.apiPort), '-u', '127.0.0.1', ...args], { maxBuffer: 1 << 26 })).stdout;
  }

  /** Destinations in the global IPv4 unicast RIB (`gobgp global rib summary`). */
  async ribSize(): Promise<number> {
    const m = /Destination: (\d+)/.exec(await this.cli('global', 'rib', 'summary', '-a', 'ipv4'));
    return m === null ? 0 : Number(m[1]);
  }

  /** CPU time (user + system, ms) the daemon used so far, from /proc (Linux); NaN elsewhere. */
  async cpuMs(): Promise<number> {
    try {
      const stat = await readFile(`/proc/${this.proc.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat(5), counted after the "(comm)" field here.
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / (await clockTicks());
    } catch {
      return NaN;
    }
  }

  get output(): string {
    return this.log;
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill();
  }
}
