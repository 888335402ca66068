/**
 * ControllerExpectations (k8s.io/kubernetes pkg/controller): after a controller creates or deletes
 * pods it does not act on that owner again until its informer has seen those changes, so a sync
 * running on a cache that lags its own writes cannot double a burst of creates or deletes. Records
 * expire after five minutes, in case a watch event is lost for good.
 */
import type { Clock } from '../../util/clock.js';

export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Record {
  add: number;
  /** Keys of pods whose deletion has not been observed yet (UIDTrackingControllerExpectations). */
  del: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  expectCreations(key: string, n: number): void {
    const r = this.record(key);
    r.add += n;
    r.at = this.clock.now();
  }

  expectDeletions(key: string, podKeys: string[]): void {
    const r = this.record(key);
    for (const k of podKeys) r.del.add(k);
    r.at = this.clock.now();
  }

  /** A create was seen by the informer, or failed and will never be seen. */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.add > 0) r.add--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.del.delete(podKey);
  }

  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del.size === 0) return true;
    return this.clock.now() - r.at > this.ttlMs;
  }

  delete(key: string): void {
    this.records.delete(key);
  }

  private record(key: string): Record {
    let r = this.records.get(key);
    if (!r) this.records.set(key, (r = { add: 0, del: new Set(), at: this.clock.now() }));
    return r;
  }
}
