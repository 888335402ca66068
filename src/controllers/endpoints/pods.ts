/**
 * What the Endpoints and EndpointSlice controllers share about pods and services (Kubernetes keeps
 * these in k8s.io/endpointslice/util and pkg/api/v1/pod): which pods count, their readiness, how a
 * named targetPort resolves, and which services select a pod.
 */
import type { ContainerPort, Pod, Service, ServicePort } from '../../api/types.js';
import type { Informer } from '../../api/client/informer.js';
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
  const labelsChanged = !sameStringMap(oldPod.metadata.labels, newPod.metadata.labels);
  if (!!oldPod.metadata.deletionTimestamp !== !!newPod.metadata.deletionTimestamp) return { changed: true, labelsChanged };
  // Compared field by field: this runs for every pod update in both endpoints controllers.
  const changed =
    isPodReady(oldPod) !== isPodReady(newPod) ||
    oldPod.status?.phase !== newPod.status?.phase ||
    oldPod.status?.podIP !== newPod.status?.podIP ||
    !samePodIPs(oldPod.status?.podIPs, newPod.status?.podIPs) ||
    oldPod.spec.nodeName !== newPod.spec.nodeName ||
    oldPod.spec.hostname !== newPod.spec.hostname ||
    oldPod.spec.subdomain !== newPod.spec.subdomain;
  return { changed, labelsChanged };
}

function sameStringMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (a![k] !== b?.[k]) return false;
  return true;
}

function samePodIPs(a: { ip: string }[] | undefined, b: { ip: string }[] | undefined): boolean {
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  return (a ?? []).every((x, i) => x.ip === b![i]!.ip);
}

/**
 * Service selectors compiled once and indexed by their first label pair ("ns|key=value"), so
 * mapping a pod to the services that select it looks only at services that name one of the pod's
 * labels — not every service of the namespace per pod event. Services with an empty selector
 * (which matches every pod) are kept per namespace.
 */
export class ServiceSelectorIndex {
  private readonly byPair = new Map<string, Map<string, LabelMatcher>>();
  private readonly matchAll = new Map<string, Map<string, LabelMatcher>>();
  /** Where each service is filed, to move or remove it. */
  private readonly filed = new Map<string, { bucket: Map<string, LabelMatcher>; key: string }>();

  set(svc: Service): void {
    this.delete(svc);
    if (!wantsEndpoints(svc)) return;
    const ns = svc.metadata.namespace ?? '';
    const name = svc.metadata.name ?? '';
    const first = Object.entries(svc.spec.selector ?? {})[0];
    const [index, key] = first ? [this.byPair, `${ns}|${first[0]}=${first[1]}`] : [this.matchAll, ns];
    let bucket = index.get(key);
    if (!bucket) index.set(key, (bucket = new Map()));
    bucket.set(name, selectorFromSet(svc.spec.selector));
    this.filed.set(`${ns}/${name}`, { bucket, key });
  }

  delete(svc: Service): void {
    const id = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
    const f = this.filed.get(id);
    if (!f) return;
    f.bucket.delete(svc.metadata.name ?? '');
    this.filed.delete(id);
  }

  /** Keys (namespace/name) of the services whose selector matches the pod. */
  servicesFor(pod: Pod): string[] {
    const ns = pod.metadata.namespace ?? '';
    const labels = pod.metadata.labels;
    const out: string[] = [];
    // forEach and for-in rather than entries(): this runs for every pod event, twice.
    this.matchAll.get(ns)?.forEach((sel, name) => {
      if (sel.matches(labels)) out.push(`${ns}/${name}`);
    });
    if (!labels || this.byPair.size === 0) return out;
    for (const k in labels) {
      if (!Object.hasOwn(labels, k)) continue;
      this.byPair.get(`${ns}|${k}=${labels[k]}`)?.forEach((sel, name) => {
        if (sel.matches(labels)) out.push(`${ns}/${name}`);
      });
    }
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



/**
 * kube-controller-manager's --endpoint-updates-batch-period and --endpointslice-updates-batch-period:
 * how long a pod change waits before its services are synced, so that the changes of that window
 * become one write (pod events are queued with AddAfter(key, period); Service events at once).
 * Kubernetes defaults both to 0, and so does kemu. With 0 the pod changes of one turn of the event
 * loop still make one sync (WorkQueue.addSoon): no time passes, but a burst of them (the pods of a
 * Service turning ready together) is one write, not one per pod, as the real controller's workers
 * find a key queued once however many pods changed while they were busy.
 */
export const DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS = 0;

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

/**
 * The event wiring both endpoints controllers share: a Service change re-indexes its selector and
 * syncs it; a pod change syncs the services selecting it (before and after a label change), through
 * `enqueueForPod` when given — where the controllers apply their updates batch period.
 */
export function watchServicesAndPods(
  services: Informer<Service>,
  pods: Informer<Pod>,
  selectors: ServiceSelectorIndex,
  onService: (svc: Service) => void,
  enqueue: (key: string) => void,
  enqueueForPod: (key: string) => void = enqueue,
): void {
  services.addHandlers({
    onAdd: onService,
    onUpdate: (_old, svc) => onService(svc),
    onDelete: (svc) => {
      selectors.delete(svc);
      enqueue(`${svc.metadata.namespace}/${svc.metadata.name}`);
    },
  });
  const enqueueFor = (pod: Pod) => {
    for (const k of selectors.servicesFor(pod)) enqueueForPod(k);
  };
  pods.addHandlers({
    onAdd: enqueueFor,
    onUpdate: (old, pod) => {
      for (const k of selectors.servicesForUpdate(old, pod)) enqueueForPod(k);
    },
    onDelete: enqueueFor,
  });
}
