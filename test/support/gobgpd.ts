/**
 * gobgpd (Debian package gobgpd) for the interop tests: one daemon on one loopback address, BGP and
 * its gRPC API on free ports, one neighbour with short timers (connect-retry 1 s, hold time 9 s).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.js';

const exec = promisify(execFile);

export interface GobgpdOptions {
  /** Where gobgpd.toml is written. */
  dir: string;
  asn: number;
  routerId: string;
  /** The only local address: BGP listener and the session's source. */
  address: string;
  /** The peer gobgpd dials: its address, AS and BGP port. */
  neighbor: { address: string; asn: number; port: number };
  keepaliveSeconds: number;
  /** Everything gobgpd writes to stdout and stderr, as it arrives. */
  onOutput(text: string): void;
}

export interface InteropGobgpd {
  proc: ChildProcess;
  /** gobgpd's BGP port on `address`. */
  bgpPort: number;
  /** The `gobgp` CLI against this daemon's API; resolves with its stdout. */
  cli(...args: string[]): Promise<string>;
}

/** Writes the config and spawns gobgpd (it is not waited for: the caller waits for its session). */
export async function startGobgpd(o: GobgpdOptions): Promise<InteropGobgpd> {
  const bgpPort = await freePort(o.address);
  const apiPort = await freePort('127.0.0.1');
  const config = [
    '[global.config]', `  as = ${o.asn}`, `  router-id = "${o.routerId}"`, `  port = ${bgpPort}`, `  local-address-list = ["${o.address}"]`,
    '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${o.neighbor.address}"`, `    peer-as = ${o.neighbor.asn}`,
    '  [neighbors.transport.config]', `    remote-port = ${o.neighbor.port}`, `    local-address = "${o.address}"`,
    '  [neighbors.timers.config]', '    connect-retry = 1', '    hold-time = 9', `    keepalive-interval = ${o.keepaliveSeconds}`, '',
  ].join('\n');
  await writeFile(join(o.dir, 'gobgpd.toml'), config);
  const proc = spawn('gobgpd', ['-f', join(o.dir, 'gobgpd.toml'), '--api-hosts', `127.0.0.1:${apiPort}`, '--pprof-disable', '-p'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (d) => o.onOutput(String(d)));
  proc.stderr?.on('data', (d) => o.onOutput(String(d)));
  return {
    proc,
    bgpPort,
    cli: async (...args) => (await exec('gobgp', ['-p', String(apiPort), '-u', '127.0.0.1', ...args])).stdout,
  };
}
