/**
 * The target syntax of scenario steps, parsed without a running cluster (the loader checks it;
 * the runner resolves the parsed form against live objects):
 *
 *   node/NAME                     a node's host namespace
 *   pod/NAME[.NS]                 a pod by name (namespace "default" unless given)
 *   pod/[NS/]SELECTOR[@NODE]      the first running pod (by name) matching a label selector, on NODE if given
 *   router/NAME                   a router of the underlay (or router/gateway)
 *   external                      this machine, outside the emulation (http to nodeport/ only)
 *   A.B.C.D                       an address (a destination)
 * and, where a port is needed (udp, http):
 *   service/NAME[.NS]:PORT        the Service's ClusterIP
 *   nodeport/NODE:PORT            the node's address: its InternalIP inside the emulation, its real
 *                                 127.x address from external
 *   ENDPOINT:PORT                 any of the above with a port (pod/app=web@worker-b1:8080)
 *   NAME:PORT                     a DNS name, resolved by the source pod's resolver
 */
import { parseLabelSelector } from '../api/selectors/index.js';
import { parseIPv4 } from './ipv4.js';

export type Endpoint =
  | { kind: 'node'; node: string }
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'pod-selector'; namespace: string; selector: string; node: string | null }
  | { kind: 'router'; router: string }
  | { kind: 'ip'; ip: string }
  | { kind: 'external' };

export type PortTarget =
  | (Endpoint & { port: number })
  | { kind: 'service'; namespace: string; name: string; port: number }
  | { kind: 'nodeport'; node: string; port: number }
  | { kind: 'dns'; host: string; port: number };

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const ENDPOINT_SYNTAX = 'node/NAME, pod/NAME[.NS], pod/[NS/]SELECTOR[@NODE], router/NAME or an IPv4 address';
export const PORT_TARGET_SYNTAX = 'service/NAME[.NS]:PORT, nodeport/NODE:PORT, pod/...:PORT, node/NAME:PORT, IP:PORT or NAME:PORT';

const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A source or destination without a port. `external` only where the caller allows it. */
export function parseEndpoint(text: string, opts: { external?: boolean } = {}): Parsed<Endpoint> {
  const t = text.trim();
  if (t === 'external') return opts.external ? { ok: true, value: { kind: 'external' } } : fail('"external" is only a source of http steps');
  if (parseIPv4(t) !== undefined) return { ok: true, value: { kind: 'ip', ip: t } };
  const m = /^(node|pod|router)\/(.+)$/.exec(t);
  if (!m) return fail(`bad target ${JSON.stringify(text)}: expected ${ENDPOINT_SYNTAX}`);
  const rest = m[2]!;
  if (m[1] === 'node') return NAME.test(rest) ? { ok: true, value: { kind: 'node', node: rest } } : fail(`bad node name ${JSON.stringify(rest)}`);
  if (m[1] === 'router') return NAME.test(rest) ? { ok: true, value: { kind: 'router', router: rest } } : fail(`bad router name ${JSON.stringify(rest)}`);
  return parsePod(rest);
}

function parsePod(rest: string): Parsed<Endpoint> {
  if (!rest.includes('=')) {
    // NAME.NS: a pod name may itself hold dots, so only the last one separates the namespace.
    const dot = rest.lastIndexOf('.');
    const [name, namespace] = dot > 0 ? [rest.slice(0, dot), rest.slice(dot + 1)] : [rest, 'default'];
    if (!NAME.test(name) || !NAME.test(namespace)) return fail(`bad pod name ${JSON.stringify(rest)}: expected pod/NAME[.NAMESPACE]`);
    return { ok: true, value: { kind: 'pod', namespace, name } };
  }
  const at = rest.lastIndexOf('@');
  const node = at >= 0 ? rest.slice(at + 1) : null;
  let selector = at >= 0 ? rest.slice(0, at) : rest;
  let namespace = 'default';
  const slash = selector.indexOf('/');
  if (slash >= 0 && !selector.slice(0, slash).includes('=')) {
    namespace = selector.slice(0, slash);
    selector = selector.slice(slash + 1);
  }
  if (node !== null && !NAME.test(node)) return fail(`bad node name ${JSON.stringify(node)} after "@"`);
  if (!NAME.test(namespace)) return fail(`bad namespace ${JSON.stringify(namespace)}`);
  try {
    parseLabelSelector(selector);
  } catch (err) {
    return fail(`bad label selector ${JSON.stringify(selector)}: ${(err as Error).message}`);
  }
  return { ok: true, value: { kind: 'pod-selector', namespace, selector, node } };
}

/** A destination with a port (udp, http). */
export function parsePortTarget(text: string): Parsed<PortTarget> {
  const t = text.trim();
  const colon = t.lastIndexOf(':');
  if (colon < 0) return fail(`bad target ${JSON.stringify(text)}: a port is needed (${PORT_TARGET_SYNTAX})`);
  const portText = t.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return fail(`bad port ${JSON.stringify(portText)} in ${JSON.stringify(text)}: expected 1-65535`);
  const head = t.slice(0, colon);
  const svc = /^service\/(.+)$/.exec(head);
  if (svc) {
    const dot = svc[1]!.indexOf('.');
    const [name, namespace] = dot > 0 ? [svc[1]!.slice(0, dot), svc[1]!.slice(dot + 1)] : [svc[1]!, 'default'];
    if (!NAME.test(name) || !NAME.test(namespace)) return fail(`bad service ${JSON.stringify(svc[1])}: expected service/NAME[.NAMESPACE]:PORT`);
    return { ok: true, value: { kind: 'service', namespace, name, port } };
  }
  const np = /^nodeport\/(.+)$/.exec(head);
  if (np) return NAME.test(np[1]!) ? { ok: true, value: { kind: 'nodeport', node: np[1]!, port } } : fail(`bad node name ${JSON.stringify(np[1])}`);
  if (/^(node|pod|router)\//.test(head) || parseIPv4(head) !== undefined) {
    const e = parseEndpoint(head);
    return e.ok ? { ok: true, value: { ...e.value, port } } : e;
  }
  // A DNS name; a trailing dot makes it absolute.
  if (/^[a-z0-9]([-a-z0-9.]*[a-z0-9.])?$/i.test(head) && !/^\d+(\.\d+)*$/.test(head)) return { ok: true, value: { kind: 'dns', host: head, port } };
  return fail(`bad target ${JSON.stringify(text)}: expected ${PORT_TARGET_SYNTAX}`);
}

/** The node a target names directly (for reference checks), if any. */
export function namedNode(t: Endpoint | PortTarget): string | null {
  if (t.kind === 'node' || t.kind === 'nodeport') return t.node;
  if (t.kind === 'pod-selector') return t.node;
  return null;
}
