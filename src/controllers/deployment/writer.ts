/**
 * The Deployment controller's writes: ReplicaSet scaling (with the replica annotations and the
 * ScalingReplicaSet event), revision-history cleanup, the revision annotation and status.
 */
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import type { Deployment, ReplicaSet } from '../../api/types.js';
import type { EventRecorder } from '../events.js';
import type { Scale } from './rolling.js';
import type { DeploymentStatus } from './status.js';
import * as util from './util.js';
import { deepCopy } from '../../api/store/freeze.js';

const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.reason === 'NotFound';

export class DeploymentWriter {
  constructor(
    private readonly client: ApiClient,
    private readonly recorder: EventRecorder,
  ) {}

  async scaleReplicaSet(rs: ReplicaSet, replicas: number, d: Deployment): Promise<ReplicaSet> {
    const from = util.replicasOf(rs);
    if (from === replicas) return rs;
    const copy = deepCopy(rs) as ReplicaSet;
    util.setReplicasAnnotations(copy, util.desiredOf(d), util.desiredOf(d) + util.maxSurge(d));
    copy.spec.replicas = replicas;
    const updated = await this.client.update<ReplicaSet>('replicasets', copy);
    const op = replicas > from ? 'up' : 'down';
    void this.recorder.normal(d, 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata.name} to ${replicas} from ${from}`);
    return updated;
  }

  /** Applies a plan in order; returns `list` with the scaled ReplicaSets replaced. */
  async apply(plan: Scale[], list: ReplicaSet[], d: Deployment): Promise<ReplicaSet[]> {
    const out = [...list];
    for (const { rs, replicas } of plan) {
      const updated = await this.scaleReplicaSet(rs, replicas, d);
      const i = out.findIndex((x) => x.metadata.uid === rs.metadata.uid);
      if (i >= 0) out[i] = updated;
    }
    return out;
  }

  /** cleanupDeployment: deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === null || limit === 2147483647) return;
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    alive.sort((a, b) => util.revisionOf(a) - util.revisionOf(b) || util.byCreation(a, b));
    for (const rs of alive.slice(0, diff)) {
      const busy = (rs.status?.replicas ?? 0) !== 0 || util.replicasOf(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0);
      if (busy) continue;
      try {
        await this.client.delete('replicasets', rs.metadata.namespace, rs.metadata.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** The revision annotation lives in metadata, which the status subresource cannot write: a merge patch. */
  async setDeploymentRevision(d: Deployment, revision: string | undefined): Promise<void> {
    if (revision === undefined || d.metadata.annotations?.[util.REVISION] === revision) return;
    const patched = await this.client.patch<Deployment>('deployments', d.metadata.namespace, d.metadata.name ?? '', 'merge', {
      metadata: { annotations: { [util.REVISION]: revision } },
    });
    d.metadata = deepCopy(patched.metadata);
  }

  /** Written without a resourceVersion: this controller is the only writer of Deployment status. */
  async writeStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    const { resourceVersion: _rv, ...metadata } = d.metadata;
    try {
      await this.client.update('deployments', { ...d, metadata, status }, 'status');
      d.status = status;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
