/**
 * What the Endpoints and EndpointSlice controllers share about pods and services (Kubernetes keeps
 * these in k8s.io/endpointslice/util and pkg/api/v1/pod): which pods count, their readiness, how a
 * named targetPort resolves, and which services select a pod.
 */
import type { ContainerPort, Pod, Service, ServicePort } from '../../api/types.js';
import { selectorFromSet, type LabelMatcher } from '../../api/selectors/index.js';

export const LABEL_HEADLESS = 'service.kubernetes.io/headless';

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** The pod's IPv4 address (kemu is single-stack IPv4), if it has one. */
export function podIPv4(pod: Pod): string | undefined {
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? [];
  if (pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.find((ip) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip));
}

/**
 * ShouldPodBeInEndpoints: terminal pods and pods without an IP never are; terminating ones only
 * when the caller includes them.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** A pod gets a DNS hostname under a (headless) service when its subdomain names that service. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

/**
 * podutil.FindPort: a numeric targetPort is used as is; a named one is looked up in the pod's
 * containers (and sidecar init containers) with the same protocol. Undefined when the pod has no
 * such port: the pod is then left out for that service port only.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol ?? 'TCP';
  const containers = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    const hit = (c.ports ?? []).find((p: ContainerPort) => p.name === target && (p.protocol ?? 'TCP') === protocol);
    if (hit) return hit.containerPort;
  }
  return undefined;
}

/** helper.IsServiceIPSet: headless services (clusterIP None) get the headless label. */
export function isServiceIPSet(svc: Service): boolean {
  return !!svc.spec.clusterIP && svc.spec.clusterIP !== 'None';
}

/** Services the controllers manage: with a selector, and not ExternalName (issue 105986). */
export function wantsEndpoints(svc: Service): boolean {
  return svc.spec.type !== 'ExternalName' && svc.spec.selector != null;
}

/**
 * Whether a pod update can change any service's endpoints (podEndpointsChanged), and whether its
 * labels changed (then the services it used to match need a sync too).
 */
export function podEndpointsChanged(oldPod: Pod, newPod: Pod): { changed: boolean; labelsChanged: boolean } {
  const labelsChanged = canonicalJson(oldPod.metadata.labels ?? {}) !== canonicalJson(newPod.metadata.labels ?? {});
  if (!!oldPod.metadata.deletionTimestamp !== !!newPod.metadata.deletionTimestamp) return { changed: true, labelsChanged };
  const view = (p: Pod) =>
    canonicalJson([isPodReady(p), p.status?.phase, p.status?.podIP, p.status?.podIPs, p.spec.nodeName, p.spec.hostname, p.spec.subdomain]);
  return { changed: view(oldPod) !== view(newPod), labelsChanged };
}

/**
 * Service selectors per namespace, compiled once, so mapping a pod to the services that select it
 * costs O(services in its namespace) rather than a list of every service per pod event.
 */
export class ServiceSelectorIndex {
  private readonly byNamespace = new Map<string, Map<string, LabelMatcher>>();

  set(svc: Service): void {
    const ns = svc.metadata.namespace ?? '';
    const name = svc.metadata.name ?? '';
    if (!wantsEndpoints(svc)) return this.delete(svc);
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(name, selectorFromSet(svc.spec.selector));
  }

  delete(svc: Service): void {
    this.byNamespace.get(svc.metadata.namespace ?? '')?.delete(svc.metadata.name ?? '');
  }

  /** Keys (namespace/name) of the services whose selector matches the pod. */
  servicesFor(pod: Pod): string[] {
    const ns = pod.metadata.namespace ?? '';
    const out: string[] = [];
    for (const [name, sel] of this.byNamespace.get(ns) ?? []) if (sel.matches(pod.metadata.labels)) out.push(`${ns}/${name}`);
    return out;
  }

  /** Services to sync after a pod change (GetServicesToUpdateOnPodChange). */
  servicesForUpdate(oldPod: Pod, newPod: Pod): string[] {
    if (oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return [];
    const { changed, labelsChanged } = podEndpointsChanged(oldPod, newPod);
    if (!changed && !labelsChanged) return [];
    const keys = new Set(this.servicesFor(newPod));
    if (labelsChanged) for (const k of this.servicesFor(oldPod)) keys.add(k);
    return [...keys];
  }
}

/** Pods of a namespace matching a service's selector (podLister.Pods(ns).List(selector)). */
export function selectedPods(svc: Service, pods: Iterable<Pod>): Pod[] {
  const sel = selectorFromSet(svc.spec.selector);
  const out: Pod[] = [];
  for (const p of pods) if (p.metadata.namespace === svc.metadata.namespace && sel.matches(p.metadata.labels)) out.push(p);
  return out;
}


/** JSON with sorted keys, for comparing desired and stored objects whatever their key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]]))
      : val,
  );
}

/** Numeric IPv4 order (for readable, stable endpoint lists). */
export function compareIPv4(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return n(a) - n(b);
}
