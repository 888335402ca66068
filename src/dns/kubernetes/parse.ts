/**
 * How the kubernetes plugin reads a name below its zone, as CoreDNS's parseRequest:
 *   _port._proto.service.namespace.svc   (SRV; also answered for A: the ClusterIP)
 *   endpoint.service.namespace.svc       (headless endpoint by hostname or dashed IP)
 *   service.namespace.svc | a-b-c-d.namespace.pod
 *   namespace.svc | svc | pod | (apex)   (NODATA when the namespace exists)
 * More labels than that, or a last label other than svc/pod, is a name error.
 */
export interface RecordRequest {
  /** Port name from `_port`, underscore stripped; "" = any port. */
  port: string;
  /** Protocol from `_proto`, underscore stripped; "" = any protocol. */
  protocol: string;
  endpoint: string;
  service: string;
  namespace: string;
  /** "svc", "pod", or "" for the apex and bare svc/pod names. */
  podOrSvc: '' | 'svc' | 'pod';
}

export type ParseResult = { ok: true; r: RecordRequest } | { ok: false };

/** `labels` are the lower-cased labels left of the zone, leftmost first. */
export function parseRequest(labels: string[]): ParseResult {
  const r: RecordRequest = { port: '', protocol: '', endpoint: '', service: '', namespace: '', podOrSvc: '' };
  // The apex and the bare "svc"/"pod" names exist (NODATA), as in CoreDNS.
  if (labels.length === 0 || (labels.length === 1 && (labels[0] === 'svc' || labels[0] === 'pod'))) return { ok: true, r };
  let last = labels.length - 1;
  const kind = labels[last]!;
  if (kind !== 'svc' && kind !== 'pod') return { ok: false };
  r.podOrSvc = kind;
  if (--last < 0) return { ok: true, r };
  r.namespace = labels[last]!;
  if (--last < 0) return { ok: true, r };
  r.service = labels[last]!;
  if (--last < 0) return { ok: true, r };
  if (last === 0) {
    r.endpoint = labels[0]!;
  } else if (last === 1) {
    // Two labels left are always port and protocol (CoreDNS without multicluster), with or
    // without their underscores; a lone "_" strips to "" and so matches anything.
    r.protocol = stripUnderscore(labels[1]!);
    r.port = stripUnderscore(labels[0]!);
  } else {
    return { ok: false };
  }
  return { ok: true, r };
}

function stripUnderscore(s: string): string {
  return s.startsWith('_') ? s.slice(1) : s;
}
