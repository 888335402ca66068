/**
 * EndpointSliceTracker: the resourceVersions this controller last wrote per slice (or that it
 * deleted them), so a sync can tell a stale informer cache from the truth. Without it, a sync
 * racing its own watch would see a just-created slice missing and create another one.
 */
import type { EndpointSlice } from '../../api/types.js';

const DELETED = -1;

export class SliceTracker {
  /** service key -> slice name -> expected resourceVersion (DELETED once we deleted it). */
  private readonly byService = new Map<string, Map<string, number>>();

  /** Records a slice we created or updated. */
  wrote(serviceKey: string, slice: EndpointSlice): void {
    this.slices(serviceKey).set(slice.metadata.name ?? '', Number(slice.metadata.resourceVersion ?? 0));
  }

  expectDeletion(serviceKey: string, slice: EndpointSlice): void {
    this.slices(serviceKey).set(slice.metadata.name ?? '', DELETED);
  }

  /** True when the cache does not yet show every write we made for the service. */
  stale(serviceKey: string, cached: EndpointSlice[]): boolean {
    const expected = this.byService.get(serviceKey);
    if (!expected) return false;
    const seen = new Map(cached.map((s) => [s.metadata.name ?? '', Number(s.metadata.resourceVersion ?? 0)]));
    for (const [name, rv] of expected) {
      const have = seen.get(name);
      if (rv === DELETED ? have !== undefined : have === undefined || have < rv) return true;
    }
    return false;
  }

  /**
   * Whether an informer event for a slice is news to us (someone else changed it), as opposed to
   * the echo of our own write. Echoes of deletions we made are consumed.
   */
  shouldSync(serviceKey: string, slice: EndpointSlice, deleted: boolean): boolean {
    const expected = this.byService.get(serviceKey)?.get(slice.metadata.name ?? '');
    if (deleted) {
      if (expected === DELETED) {
        this.byService.get(serviceKey)!.delete(slice.metadata.name ?? '');
        return false;
      }
      return true;
    }
    return expected === undefined || expected === DELETED || Number(slice.metadata.resourceVersion ?? 0) > expected;
  }

  /** Forgets slices the cache now agrees on, so the map does not grow without bound. */
  settle(serviceKey: string, cached: EndpointSlice[]): void {
    const expected = this.byService.get(serviceKey);
    if (!expected) return;
    const seen = new Map(cached.map((s) => [s.metadata.name ?? '', Number(s.metadata.resourceVersion ?? 0)]));
    for (const [name, rv] of expected) {
      const have = seen.get(name);
      if (rv === DELETED ? have === undefined : have !== undefined && have >= rv) expected.delete(name);
    }
    if (expected.size === 0) this.byService.delete(serviceKey);
  }

  deleteService(serviceKey: string): void {
    this.byService.delete(serviceKey);
  }

  private slices(serviceKey: string): Map<string, number> {
    let m = this.byService.get(serviceKey);
    if (!m) this.byService.set(serviceKey, (m = new Map()));
    return m;
  }
}
