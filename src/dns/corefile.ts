/**
 * A small reader for the Corefile subset kemu serves (docs/dns.md lists it): one server block for
 * the root zone, with the plugins of kubeadm's default Corefile. It returns a plain ChainConfig; the
 * chain is built from that value, so a topology can also produce one without text.
 * Errors are KemuError DNS_COREFILE with the line: "Corefile:7: kubernetes: unknown option foo".
 */
import { KemuError } from '../util/errors.js';
import type { DnsConfig } from '../topology/types.js';
import type { PodMode } from './kubernetes/records.js';
import type { CacheClass } from './plugins/cache.js';
import { parseUpstream } from './plugins/forward.js';

export interface ChainConfig {
  errors: boolean;
  log: boolean;
  health: boolean;
  ready: boolean;
  loadbalance: boolean;
  kubernetes?: { zones: string[]; podMode: PodMode; fallthrough?: string[]; ttl: number };
  cache?: { zones: string[]; success: Partial<CacheClass>; denial: Partial<CacheClass> };
  forward?: { from: string; to: string[]; except: string[]; policy?: 'random' | 'round_robin' | 'sequential'; forceTcp: boolean };
}

interface Directive {
  name: string;
  args: string[];
  block: Directive[];
  line: number;
}

/** The Corefile kubeadm (1.32+) writes, with the topology's upstreams, TTL and cache time. */
export function defaultCorefile(dnsDomain: string, dns: DnsConfig): string {
  const lines = [
    '.:53 {',
    '    errors',
    '    health {',
    '       lameduck 5s',
    '    }',
    '    ready',
    `    kubernetes ${dnsDomain} in-addr.arpa ip6.arpa {`,
    '       pods insecure',
    '       fallthrough in-addr.arpa ip6.arpa',
    `       ttl ${dns.ttl}`,
    '    }',
  ];
  if (dns.upstreams.length) lines.push(`    forward . ${dns.upstreams.join(' ')}`);
  // kubeadm ≥ 1.32 keeps cluster answers out of the cache (kubernetes/kubernetes#128359): the
  // plugin is authoritative and current, and a cached NXDOMAIN would hide a new Service.
  if (dns.cacheSeconds > 0) {
    lines.push(`    cache ${dns.cacheSeconds} {`, `       disable success ${dnsDomain}`, `       disable denial ${dnsDomain}`, '    }');
  }
  lines.push('    loop', '    reload', '    loadbalance', '}');
  return lines.join('\n') + '\n';
}

export function parseCorefile(text: string): ChainConfig {
  const blocks = tokenize(text);
  if (blocks.length !== 1) fail(blocks[1]?.line ?? 1, 'exactly one server block is supported');
  const server = blocks[0]!;
  const keys = [server.name, ...server.args];
  if (keys.length !== 1 || !/^(\.|dns:\/\/\.)(:\d+)?$/.test(keys[0]!)) fail(server.line, `server block "${keys.join(' ')}": only the root zone "." (optionally ":PORT") is supported`);
  const cfg: ChainConfig = { errors: false, log: false, health: false, ready: false, loadbalance: false };
  const seen = new Set<string>();
  for (const d of server.block) {
    if (seen.has(d.name)) fail(d.line, `${d.name}: may appear only once`);
    seen.add(d.name);
    switch (d.name) {
      case 'errors':
      case 'log':
      case 'health':
      case 'ready':
        // Addresses and lameduck are accepted and ignored: probes are functions in kemu.
        cfg[d.name] = true;
        break;
      case 'prometheus':
      case 'loop':
      case 'reload':
        break; // accepted so kubeadm's Corefile reads; nothing to do in kemu
      case 'loadbalance':
        if (d.args.length > 1 || (d.args[0] && d.args[0] !== 'round_robin')) fail(d.line, 'loadbalance: only round_robin is supported');
        cfg.loadbalance = true;
        break;
      case 'kubernetes':
        cfg.kubernetes = kubernetesDirective(d);
        break;
      case 'cache':
        cfg.cache = cacheDirective(d);
        break;
      case 'forward':
        cfg.forward = forwardDirective(d);
        break;
      default:
        fail(d.line, `unsupported plugin "${d.name}"`);
    }
  }
  return cfg;
}

function kubernetesDirective(d: Directive): NonNullable<ChainConfig['kubernetes']> {
  const out: NonNullable<ChainConfig['kubernetes']> = { zones: d.args.length ? d.args : ['.'], podMode: 'disabled', ttl: 5 };
  for (const o of d.block) {
    if (o.name === 'pods' && o.args.length === 1 && ['disabled', 'insecure', 'verified'].includes(o.args[0]!)) out.podMode = o.args[0] as PodMode;
    else if (o.name === 'fallthrough') out.fallthrough = o.args;
    else if (o.name === 'ttl' && o.args.length === 1) out.ttl = int(o, o.args[0]!, 0, 3600);
    else fail(o.line, `kubernetes: unsupported option "${[o.name, ...o.args].join(' ')}"`);
  }
  return out;
}

function cacheDirective(d: Directive): NonNullable<ChainConfig['cache']> {
  const out: NonNullable<ChainConfig['cache']> = { zones: ['.'], success: {}, denial: {} };
  // `cache [TTL] [ZONES...]`: a leading number caps both caches' TTL, as CoreDNS reads it.
  let zones = d.args;
  if (zones[0] !== undefined && /^\d+$/.test(zones[0])) {
    out.success.maxTTL = out.denial.maxTTL = int(d, zones[0], 0, 2 ** 31);
    zones = zones.slice(1);
  }
  if (zones.length) out.zones = zones;
  for (const o of d.block) {
    if ((o.name === 'success' || o.name === 'denial') && o.args.length >= 1 && o.args.length <= 3) {
      const cls = out[o.name];
      cls.capacity = int(o, o.args[0]!, 0, 2 ** 31);
      if (o.args[1] !== undefined) cls.maxTTL = int(o, o.args[1], 0, 2 ** 31);
      if (o.args[2] !== undefined) cls.minTTL = int(o, o.args[2], 0, 2 ** 31);
    } else if (o.name === 'disable' && (o.args[0] === 'success' || o.args[0] === 'denial')) {
      out[o.args[0]].disabled = o.args.length > 1 ? o.args.slice(1) : ['.'];
    } else {
      fail(o.line, `cache: unsupported option "${[o.name, ...o.args].join(' ')}"`);
    }
  }
  return out;
}

function forwardDirective(d: Directive): NonNullable<ChainConfig['forward']> {
  const [from, ...to] = d.args;
  if (!from || to.length === 0) fail(d.line, 'forward: FROM and at least one upstream are required');
  for (const u of to) {
    try {
      parseUpstream(u);
    } catch {
      fail(d.line, `forward: upstream "${u}" must be an IP address with an optional port (kemu reads no resolv.conf)`);
    }
  }
  const out: NonNullable<ChainConfig['forward']> = { from: from!, to, except: [], forceTcp: false };
  for (const o of d.block) {
    if (o.name === 'except' && o.args.length) out.except = o.args;
    else if (o.name === 'policy' && ['random', 'round_robin', 'sequential'].includes(o.args[0] ?? '')) out.policy = o.args[0] as 'random';
    else if (o.name === 'force_tcp' && o.args.length === 0) out.forceTcp = true;
    else if (o.name === 'max_concurrent' && o.args.length === 1) int(o, o.args[0]!, 1, 2 ** 31); // accepted, not enforced
    else fail(o.line, `forward: unsupported option "${[o.name, ...o.args].join(' ')}"`);
  }
  return out;
}

function int(d: Directive, s: string, min: number, max: number): number {
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n >= min && n <= max)) fail(d.line, `${d.name}: "${s}" must be an integer in ${min}..${max}`);
  return n;
}

function fail(line: number, msg: string): never {
  throw new KemuError('DNS_COREFILE', `Corefile:${line}: ${msg}`);
}

/** Lines of words, `#` comments, and `{ … }` blocks (possibly nested) opened at a line's end. */
function tokenize(text: string): Directive[] {
  const root: Directive = { name: '', args: [], block: [], line: 0 };
  const stack: Directive[] = [root];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const words = raw.replace(/#.*$/, '').trim().split(/\s+/).filter(Boolean);
    while (words.length) {
      if (words[0] === '}') {
        if (stack.length === 1) fail(line, 'unexpected "}"');
        stack.pop();
        words.shift();
        continue;
      }
      const open = words.indexOf('{');
      const close = words.indexOf('}');
      const end = close >= 0 && (open < 0 || close < open) ? close : open >= 0 ? open + 1 : words.length;
      const part = words.splice(0, end);
      const opens = part[part.length - 1] === '{';
      if (opens) part.pop();
      if (part.length === 0) fail(line, 'a block needs a directive before "{"');
      const d: Directive = { name: part[0]!, args: part.slice(1), block: [], line };
      stack[stack.length - 1]!.block.push(d);
      if (opens) stack.push(d);
    }
  });
  if (stack.length > 1) fail(stack[stack.length - 1]!.line, `"${stack[stack.length - 1]!.name}": missing "}"`);
  return root.block;
}
