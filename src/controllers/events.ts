/**
 * Records core/v1 Events the way client-go's EventRecorder does: one Event per (object, reason,
 * message), its count and lastTimestamp bumped on repeats, written without blocking the caller.
 */
import type { ApiClient } from '../api/client.js';
import type { Event, KubeObject } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import { timestamp } from '../api/timestamps.js';

export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number; first: string }>();
  private seq = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly component: string,
    private readonly host?: string,
  ) {}

  normal(obj: KubeObject, reason: string, message: string): void {
    this.record(obj, 'Normal', reason, message);
  }

  warning(obj: KubeObject, reason: string, message: string): void {
    this.record(obj, 'Warning', reason, message);
  }

  /** Resolves when the write is done (tests); callers in loops need not await. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = timestamp(this.clock.now());
    // Events about cluster-scoped objects (Nodes) live in the default namespace, as in Kubernetes.
    const namespace = obj.metadata.namespace || 'default';
    const key = `${obj.metadata.uid ?? obj.metadata.name}|${type}|${reason}|${message}`;
    const prior = this.seen.get(key);
    const involvedObject = {
      kind: obj.kind,
      apiVersion: obj.apiVersion,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    };
    let write: Promise<unknown>;
    if (prior) {
      prior.count++;
      write = this.client.patch('events', prior.namespace, prior.name, 'merge', { count: prior.count, lastTimestamp: now, message });
    } else {
      const name = `${obj.metadata.name}.${(this.clock.now() * 1000 + (this.seq++ % 1000)).toString(16)}`;
      this.seen.set(key, { name, namespace, count: 1, first: now });
      const ev: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject,
        reason,
        message,
        type,
        source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        eventTime: null,
        reportingComponent: this.component,
        reportingInstance: this.host ?? '',
      };
      write = this.client.create('events', ev);
    }
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
    return write.then(
      () => undefined,
      () => undefined, // events are best effort, as in Kubernetes
    );
  }
}
