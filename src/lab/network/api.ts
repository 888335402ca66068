/**
 * The packet plane's actions on kemu's extension API (/apis/kemu.dev/v1alpha1): ping, trace and
 * capture between any namespaces of the running emulation, plus a listing of what can be targeted.
 * Captures travel back as base64 inside the JSON answer and the client writes the file: the server
 * never writes to a path an HTTP caller names, and the CLI may run on another machine than kemu.
 */
import { ApiError } from '../../api/errors.js';
import { type NetNamespace, ping } from '../../dataplane/stack/index.js';
import { formatIpv4 } from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import type { ExtensionApi } from '../extension-api.js';
import { captureTarget } from './capture.js';
import { httpGetFrom } from './http-get.js';
import { forwardToPod } from './port-forward.js';
import type { LabNetwork } from './network.js';
import { destinationAddress, resolveNamespaceTarget } from './targets.js';
import { traceProbe } from './trace.js';

type Body = Record<string, unknown>;

/** Name resolution for a namespace (its resolv.conf): how `kemu curl` finds `web.default`. */
export type NamespaceResolver = (ns: NetNamespace, host: string) => Promise<string>;

export function registerNetworkApi(ext: ExtensionApi, net: LabNetwork, resolver?: NamespaceResolver): void {
  ext
    .on('POST', '/ping', (_p, body) => guard(() => pingApi(net, asBody(body))))
    .on('POST', '/trace', (_p, body) => guard(() => {
      const b = asBody(body);
      return traceProbe(net, {
        src: str(b, 'src'), dst: str(b, 'dst'),
        proto: optStr(b, 'proto') as 'icmp' | 'udp' | 'tcp' | undefined,
        port: optInt(b, 'port', 1, 65535), size: optInt(b, 'size', 0, 65000), ttl: optInt(b, 'ttl', 1, 255),
        timeoutMs: optInt(b, 'timeoutMs', 1, 30_000),
      });
    }))
    .on('POST', '/capture', (_p, body) => guard(async () => {
      const b = asBody(body);
      const r = await captureTarget(net, { target: str(b, 'target'), durationMs: optInt(b, 'durationMs', 1, 600_000), count: optInt(b, 'count', 1, 10_000_000) });
      return { ...r, pcap: Buffer.from(r.pcap.buffer, r.pcap.byteOffset, r.pcap.byteLength).toString('base64') };
    }))
    .on('POST', '/curl', (_p, body) => guard(() => {
      const b = asBody(body);
      if (!net.running) throw new ApiError('BadRequest', 'the packet plane is not running');
      // As kubectl exec into a node would: the first worker's host unless told otherwise.
      const worker = net.topology.nodes.find((n) => n.role === 'worker') ?? net.topology.nodes[0];
      const from = resolveNamespaceTarget(net, optStr(b, 'from') || `node/${worker?.name ?? ''}`);
      return httpGetFrom(from.ns, {
        url: str(b, 'url'),
        timeoutMs: optInt(b, 'timeoutMs', 1, 600_000) ?? 10_000,
        maxBodyBytes: optInt(b, 'maxBodyBytes', 0, 16 * 1024 * 1024) ?? 1024 * 1024,
        ...(resolver ? { resolve: (host: string) => resolver(from.ns, host) } : {}),
      });
    }))
    .on('GET', '/network', async () => describeNetwork(net));
  ext.websocket('/namespaces/:namespace/pods/:name/portforward', (p, query, ws) =>
    forwardToPod(net, p['namespace']!, p['name']!, Number(query.get('port')), ws));
}

async function pingApi(net: LabNetwork, b: Body): Promise<unknown> {
  if (!net.running) throw new ApiError('BadRequest', 'the packet plane is not running');
  const from = resolveNamespaceTarget(net, str(b, 'src'));
  const dst = destinationAddress(net, str(b, 'dst'));
  const count = optInt(b, 'count', 1, 100_000) ?? 1;
  const intervalMs = optNum(b, 'intervalMs', 0, 60_000) ?? 1000;
  const size = optInt(b, 'size', 0, 65507 - 8) ?? 56;
  const started = net.clock.now();
  const result = await ping(from.ns, dst, {
    count, size, intervalMs, ttl: optInt(b, 'ttl', 1, 255), df: b['df'] === true,
    timeoutMs: optNum(b, 'timeoutMs', 1, 60_000) ?? 1000,
    // A bare-IP source is `ping -I ADDR`; a node or pod pings from the address its route picks.
    ...(from.kind === 'ip' ? { src: from.ip } : {}),
  });
  return {
    src: { target: b['src'], namespace: from.ns.name, ip: from.kind === 'ip' ? from.ip : formatIpv4(from.ns.selectSource(dst) || 0) },
    dst: { target: b['dst'], ip: formatIpv4(dst) },
    size, count, intervalMs, elapsedMs: net.clock.now() - started,
    result,
  };
}

/** Nodes, routers and pods with their interfaces and addresses: what targets exist. */
function describeNetwork(net: LabNetwork): unknown {
  const ifaces = (ns: NetNamespace) =>
    ns.devices().filter((d) => d !== ns.lo).map((d) => ({
      name: d.name, kind: d.kind, mtu: d.mtu, addresses: d.addresses.map((a) => `${formatIpv4(a.address)}/${a.prefixLength}`),
    }));
  return {
    running: net.running,
    segments: [...net.segments.values()].map((s) => ({ name: s.name, kind: s.kind, link: s.link })),
    nodes: [...net.nodes.values()].map((n) => ({ target: `node/${n.name}`, interfaces: ifaces(n.ns) })),
    routers: [...net.routers.values()].map((r) => ({ target: `router/${r.name}`, interfaces: ifaces(r.ns) })),
    pods: [...net.pods.values()].map((p) => ({ target: `pod/${p.key.split('/')[1]}.${p.key.split('/')[0]}`, node: p.node, ip: p.ip })),
  };
}

/** Errors of the network layer (bad addresses, unknown names) are the caller's mistakes: 400, not 500. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KemuError && !(err instanceof ApiError)) throw new ApiError('BadRequest', err.message);
    throw err;
  }
}

function asBody(body: unknown): Body {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('BadRequest', 'the request body must be a JSON object');
  return body as Body;
}

function str(b: Body, key: string): string {
  const v = b[key];
  if (typeof v !== 'string' || v === '') throw new ApiError('BadRequest', `"${key}" is required (a string)`);
  return v;
}

function optStr(b: Body, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError('BadRequest', `"${key}" must be a string`);
  return v;
}

function optNum(b: Body, key: string, min: number, max: number): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new ApiError('BadRequest', `"${key}" must be a number in ${min}..${max}`);
  return v;
}

function optInt(b: Body, key: string, min: number, max: number): number | undefined {
  const v = optNum(b, key, min, max);
  if (v !== undefined && !Number.isInteger(v)) throw new ApiError('BadRequest', `"${key}" must be an integer`);
  return v;
}
