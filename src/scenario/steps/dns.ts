/**
 * dns: A lookups from a pod as glibc's stub resolver makes them under the pod's resolv.conf (the
 * search list and ndots decide the names asked), each an A query over UDP from the pod's own
 * namespace to the kube-dns ClusterIP, so kube-proxy's DNAT and the CNI carry it to a CoreDNS pod.
 * One try per name with the step's timeout, and the failure said precisely: a query nobody
 * answered is a timeout, not "no such host".
 */
import type { Pod } from '../../api/types.js';
import { type NetNamespace, describeIcmpError } from '../../dataplane/stack/index.js';
import { candidateNames, podResolvConf } from '../../node/resolv-conf.js';
import { queryA } from '../../lab/dns/stub-resolver.js';
import type { DnsStep } from '../../topology/scenario-types.js';
import type { ScenarioContext } from '../context.js';
import { summarize, tally } from '../measure/stats.js';
import { Resolver, type SourcePlace, info } from '../resolve.js';
import type { DnsData } from '../types.js';

type Answer = { ok: true; address: string } | { ok: false; error: string };

export async function runDns(ctx: ScenarioContext, step: DnsStep): Promise<{ ok: boolean; summary: string; data: DnsData }> {
  const from = await new Resolver(ctx.cluster).source(step.from);
  const results = await Promise.all(Array.from({ length: step.count }, (_, i) => new Promise<{ ms: number; answer: Answer }>((resolve) => {
    ctx.clock.setTimeout(() => {
      const started = ctx.clock.now();
      void lookup(ctx, from, step).then((answer) => resolve({ ms: ctx.clock.now() - started, answer }));
    }, i * step.interval);
  })));
  const good = results.filter((r) => r.answer.ok);
  const data: DnsData = {
    kind: 'dns', from: info(from), query: step.query, lookups: results.length, succeeded: good.length,
    answers: [...new Set(good.map((r) => (r.answer as { address: string }).address))],
    latencyMs: summarize(good.map((r) => r.ms)),
    errors: tally(results.flatMap((r) => (r.answer.ok ? [] : [r.answer.error]))),
  };
  const firstError = Object.keys(data.errors)[0];
  const summary = `${data.succeeded}/${data.lookups} answered${data.answers.length ? ` (${data.answers.join(', ')})` : ''}` +
    `${data.latencyMs ? `, p50 ${data.latencyMs.p50} ms` : ''}${firstError ? ` — ${firstError}` : ''}`;
  return { ok: data.succeeded > 0, summary, data };
}

/** The names glibc would ask, in order; the first with an address wins. */
async function lookup(ctx: ScenarioContext, from: SourcePlace, step: DnsStep): Promise<Answer> {
  const pod = { metadata: { namespace: from.pod?.namespace ?? 'default' }, spec: { containers: [] } } as unknown as Pod;
  const conf = podResolvConf(pod, { clusterDNS: ctx.cluster.clusterDNS, clusterDomain: ctx.cluster.config.dnsDomain });
  const server = conf.nameservers[0];
  if (server === undefined) return { ok: false, error: 'no nameserver in resolv.conf' };
  let last: Answer = { ok: false, error: 'no name to ask' };
  for (const name of candidateNames(step.query, conf)) {
    last = await ask(from.ns, server, name, step.timeout);
    if (last.ok || last.error.startsWith('timeout')) return last;
  }
  return last;
}

/** One query, its outcome said as the step reports it. */
async function ask(ns: NetNamespace, server: string, name: string, timeoutMs: number): Promise<Answer> {
  const o = await queryA(ns, server, name, timeoutMs);
  if (o.kind === 'timeout') return { ok: false, error: `timeout: no answer from ${server}:53 within ${timeoutMs} ms` };
  if (o.kind === 'unreachable') return { ok: false, error: `${describeIcmpError(o.error.type, o.error.code, o.error.nextHopMtu)} from ${server}:53` };
  const address = o.addresses[0];
  if (o.rcode === 0 && address !== undefined) return { ok: true, address };
  return { ok: false, error: o.rcode === 3 ? `NXDOMAIN for ${name}` : o.rcode === 0 ? `no A record for ${name}` : `rcode ${o.rcode} for ${name}` };
}
