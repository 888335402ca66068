/**
 * Text views shaped like calico's tools: `calicoctl node status`, `birdc show route` and
 * `calicoctl ipam show [--show-blocks]`. Pure: they format values the agent and IPAM hand them.
 */
import type { PeerStatus } from '../../bgp/speaker.js';
import type { CalicoIpam } from './ipam.js';

/** A tablewriter-style box: centred headers, left-aligned cells. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const centre = (text: string, w: number): string => {
    const left = Math.floor((w - text.length) / 2);
    return ' '.repeat(left) + text + ' '.repeat(w - text.length - left);
  };
  const head = `| ${headers.map((h, i) => centre(h, widths[i]!)).join(' | ')} |`;
  const body = rows.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  return [rule, head, rule, ...body, rule].join('\n');
}

/** `calicoctl node status` for a node whose BIRD runs (`running`) with these sessions. */
export function formatNodeStatus(running: boolean, peers: PeerStatus[]): string {
  if (!running) return 'Calico process is not running.\n';
  const lines = ['Calico process is running.', '', 'IPv4 BGP status'];
  if (peers.length === 0) lines.push('No IPv4 peers found.');
  else {
    const rows = [...peers].sort((a, b) => a.peerAddress.localeCompare(b.peerAddress, 'en', { numeric: true }))
      .map((p) => [p.peerAddress, p.peerType, p.state, p.since, p.info]);
    lines.push(formatTable(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], rows));
  }
  lines.push('', 'IPv6 BGP status', 'No IPv6 peers found.', '');
  return `${lines.join('\n')}\n`;
}

/** `birdc show protocols`: BIRD 1.6's table, the fixed protocols calico's bird.cfg has, then one BGP row per peer. */
export function formatBirdProtocols(running: boolean, since: string, peers: PeerStatus[]): string {
  if (!running) return 'Unable to connect to server control socket (/var/run/calico/bird.ctl): No such file or directory\n';
  const rows: string[][] = [
    ['static1', 'Static', 'master', 'up', since, ''],
    ['kernel1', 'Kernel', 'master', 'up', since, ''],
    ['device1', 'Device', 'master', 'up', since, ''],
    ['direct1', 'Direct', 'master', 'up', since, ''],
    ...[...peers].sort((a, b) => a.peerAddress.localeCompare(b.peerAddress, 'en', { numeric: true }))
      .map((p) => [p.name, 'BGP', 'master', p.state, p.since, p.info]),
  ];
  const headers = ['name', 'proto', 'table', 'state', 'since', 'info'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(' ').trimEnd();
  return `${['BIRD v0.3.3+birdv1.6.8 ready.', line(headers), ...rows.map(line)].join('\n')}\n`;
}

export interface BirdRouteLine {
  prefix: string;
  /** undefined: a blackhole (BIRD's static route for an own block). */
  nextHop: string | undefined;
  dev: string | undefined;
  /** BIRD protocol: static1, Mesh_172_18_0_3, Node_172_18_0_1, … */
  protocol: string;
  /** HH:MM:SS. */
  since: string;
  /** The route's AS_PATH as text ("" for iBGP). */
  asPath: string;
  /** Locally originated (static) routes have preference 200, BGP 100. */
  local: boolean;
}

/** `birdc show route`: one line per best route, BIRD 1.6's layout. */
export function formatBirdRoutes(routes: BirdRouteLine[]): string {
  const out = ['BIRD v0.3.3+birdv1.6.8 ready.'];
  for (const r of [...routes].sort((a, b) => a.prefix.localeCompare(b.prefix, 'en', { numeric: true }))) {
    const where = r.nextHop === undefined ? 'blackhole' : `via ${r.nextHop}${r.dev === undefined ? '' : ` on ${r.dev}`}`;
    const origin = r.local ? '(200)' : `(100/0) [${r.asPath === '' ? 'i' : `AS${r.asPath.split(' ').at(-1)}i`}]`;
    out.push(`${r.prefix.padEnd(18)} ${where} [${r.protocol} ${r.since}] * ${origin}`);
  }
  return `${out.join('\n')}\n`;
}

function share(n: number, total: number): string {
  return `${n} (${total === 0 ? 0 : Math.round((100 * n) / total)}%)`;
}

/** `calicoctl ipam show [--show-blocks]`. */
export function formatIpamShow(ipam: CalicoIpam, opts: { showBlocks?: boolean } = {}): string {
  const pool = ipam.usage();
  const rows = [['IP Pool', pool.cidr, String(pool.size), share(pool.inUse, pool.size), share(pool.size - pool.inUse, pool.size)]];
  if (opts.showBlocks) {
    for (const b of ipam.blockInfos()) rows.push(['Block', b.cidr, String(b.size), share(b.inUse, b.size), share(b.size - b.inUse, b.size)]);
  }
  return `${formatTable(['GROUPING', 'CIDR', 'IPS TOTAL', 'IPS IN USE', 'IPS FREE'], rows)}\n`;
}

/** Block affinities, one per line ("192.168.0.0/26 w1"), as `kubectl get blockaffinities` lists them. */
export function formatBlockAffinities(ipam: CalicoIpam): string {
  return ipam.blockInfos().map((b) => `${b.cidr} ${b.affinity ?? '(none)'} ${b.inUse}/${b.size}\n`).join('');
}
