/**
 * LIST pagination (limit/continue) with consistent snapshots: the first page remembers the filtered
 * result, later pages read from it, so a paged list is as consistent as an unpaged one. Snapshots
 * expire like etcd compaction would expire a continue token (410 Expired afterwards).
 */
import type { Clock } from '../../util/clock.js';
import { ApiError, badRequest } from '../errors.js';
import type { StoredObject } from '../store/store.js';

interface Snapshot {
  items: StoredObject[];
  resourceVersion: number;
  expiresAt: number;
}

export interface Page {
  items: StoredObject[];
  resourceVersion: number;
  continue?: string;
  remainingItemCount?: number;
}

export class Paginator {
  private readonly snapshots = new Map<string, Snapshot>();
  private nextId = 1;
  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
    private readonly maxSnapshots = 256,
  ) {}

  firstPage(items: StoredObject[], resourceVersion: number, limit: number | undefined): Page {
    if (!limit || limit <= 0 || items.length <= limit) return { items, resourceVersion };
    this.expire();
    const id = String(this.nextId++);
    this.snapshots.set(id, { items, resourceVersion, expiresAt: this.clock.now() + this.ttlMs });
    return this.page(id, items, resourceVersion, 0, limit);
  }

  nextPage(token: string, limit: number | undefined): Page {
    const decoded = decodeToken(token);
    const snap = this.snapshots.get(decoded.id);
    if (!snap || snap.expiresAt < this.clock.now()) {
      this.snapshots.delete(decoded.id);
      throw new ApiError(
        'Expired',
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
    return this.page(decoded.id, snap.items, snap.resourceVersion, decoded.offset, limit && limit > 0 ? limit : snap.items.length);
  }

  private page(id: string, items: StoredObject[], resourceVersion: number, offset: number, limit: number): Page {
    const end = Math.min(items.length, offset + limit);
    const page: Page = { items: items.slice(offset, end), resourceVersion };
    if (end < items.length) {
      page.continue = Buffer.from(JSON.stringify({ id, offset: end, rv: resourceVersion })).toString('base64url');
      page.remainingItemCount = items.length - end;
    } else {
      this.snapshots.delete(id);
    }
    return page;
  }

  private expire(): void {
    const now = this.clock.now();
    for (const [id, s] of this.snapshots) if (s.expiresAt < now) this.snapshots.delete(id);
    while (this.snapshots.size >= this.maxSnapshots) this.snapshots.delete(this.snapshots.keys().next().value!);
  }
}

function decodeToken(token: string): { id: string; offset: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { id?: unknown; offset?: unknown };
    if (typeof parsed.id === 'string' && typeof parsed.offset === 'number' && parsed.offset >= 0) {
      return { id: parsed.id, offset: parsed.offset };
    }
  } catch {
    // fall through to the Kubernetes error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
