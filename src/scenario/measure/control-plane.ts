/**
 * The control-plane side of setting up the network, measured on the API server: every Node watch
 * event from the moment the cluster starts, with its size as the API server would send it to a
 * watcher (`{"type":…,"object":…}` + newline, from the object's stored JSON). A CNI agent (each
 * flanneld, each calico-node in KDD mode) runs its own Node watch, so this is what each agent
 * receives; the cluster-wide total is that times the number of agents. The same stream says when
 * the network is ready: every node's NetworkUnavailable condition False (flannel's FlannelIsUp,
 * calico's CalicoIsUp), or, when it turns True, why not.
 */
import type { ApiService } from '../../api/service/service.js';
import type { Node } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';

export interface WatchTraffic {
  events: number;
  bytes: number;
}

export interface NetworkReadiness {
  /** Milliseconds from the recorder's start until every node's NetworkUnavailable was False; null if never. */
  readyMs: number | null;
  /** Nodes whose condition says the network is unavailable, with the condition's message. */
  unavailable: { node: string; reason: string; message: string }[];
  /** Nodes without the condition at all (no CNI agent wrote it). */
  missing: string[];
}

export class NodeWatchRecorder {
  private readonly startedAt: number;
  /** [clock time, bytes] of every event. */
  private readonly events: [number, number][] = [];
  /** Clock time when every node's NetworkUnavailable was False. */
  readyAt: number | undefined;
  private readonly latest = new Map<string, Node>();
  private readonly cancel: () => void;

  constructor(
    service: ApiService,
    private readonly clock: Clock,
    private readonly nodeNames: readonly string[],
  ) {
    this.startedAt = clock.now();
    const handle = service.watch('nodes', {}, (ev) => {
      // What a watch stream carries per event: {"type":"MODIFIED","object":<json>}\n
      this.events.push([this.clock.now(), ev.stored.json.length + ev.type.length + 22]);
      const node = ev.stored.object as Node;
      if (ev.type === 'DELETED') this.latest.delete(node.metadata.name!);
      else this.latest.set(node.metadata.name!, node);
      if (this.readyAt === undefined && this.allAvailable()) this.readyAt = this.clock.now();
    });
    this.cancel = () => handle.cancel();
  }

  /** Events and bytes a Node watcher received until clock time `until` (default: so far). */
  traffic(until = Infinity): WatchTraffic {
    let events = 0;
    let bytes = 0;
    for (const [at, b] of this.events) {
      if (at > until) break;
      events++;
      bytes += b;
    }
    return { events, bytes };
  }

  /** The nodes' NetworkUnavailable conditions now, and when they were all False first. */
  readiness(): NetworkReadiness {
    const unavailable: NetworkReadiness['unavailable'] = [];
    const missing: string[] = [];
    for (const name of this.nodeNames) {
      const c = this.condition(name);
      if (c === undefined) missing.push(name);
      else if (c.status !== 'False') unavailable.push({ node: name, reason: c.reason ?? '', message: c.message ?? '' });
    }
    return { readyMs: this.readyAt === undefined ? null : this.readyAt - this.startedAt, unavailable, missing };
  }

  /** True once every node has written the condition, either way: the CNI agents have settled. */
  settled(): boolean {
    return this.nodeNames.every((n) => this.condition(n) !== undefined);
  }

  stop(): void {
    this.cancel();
  }

  private allAvailable(): boolean {
    return this.nodeNames.every((n) => this.condition(n)?.status === 'False');
  }

  private condition(name: string): { status: string; reason?: string; message?: string } | undefined {
    return this.latest.get(name)?.status?.conditions?.find((c) => c.type === 'NetworkUnavailable');
  }
}
