/**
 * Fixtures for the strategic merge patch tests: objects shaped as kube-apiserver holds them, and
 * builders for their variations, so each case states its exact expected object compactly.
 */
import { expect } from 'chai';
import { applyStrategicMergePatch } from '../../../src/api/patch/index.js';
import { KemuError } from '../../../src/util/errors.js';
import { deepFreeze, snapshot } from './deep-freeze.js';

export type Obj = Record<string, any>;

export function errorOf(fn: () => unknown): KemuError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(KemuError);
    return err as KemuError;
  }
  throw new Error('expected an error');
}

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
export const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.47';
export const AGNHOST_NEW = 'registry.k8s.io/e2e-test-images/agnhost:2.48';
export const HTTP = { containerPort: 8080, name: 'http', protocol: 'TCP' };
export const UDP = { containerPort: 8081, name: 'udp', protocol: 'UDP' };

export const netexec = (over: Obj = {}): Obj => ({
  name: 'netexec',
  image: AGNHOST,
  args: ['netexec', '--http-port=8080', '--udp-port=8081'],
  ports: [HTTP],
  imagePullPolicy: 'IfNotPresent',
  ...over,
});
export const sidecar = { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'], imagePullPolicy: 'IfNotPresent' };
export const debug = { name: 'debug', image: 'busybox:1.36' };
export const ROLLING = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };

export interface DeploymentShape {
  replicas?: number;
  labels?: Obj;
  lastApplied?: string;
  finalizers?: string[];
  strategy?: Obj;
  containers?: Obj[];
  podSpec?: Obj;
}
export function deployment(d: DeploymentShape = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'd-1',
      labels: d.labels ?? { app: 'web', tier: 'frontend' },
      annotations: { [LAST_APPLIED]: d.lastApplied ?? '{"v":1}' },
      ...(d.finalizers ? { finalizers: d.finalizers } : {}),
    },
    spec: {
      replicas: d.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: d.strategy ?? ROLLING,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: d.containers ?? [netexec(), sidecar], restartPolicy: 'Always', ...d.podSpec },
      },
    },
    status: { replicas: 3, conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True' }] },
  };
}
/** The pod-spec part of a patch, as kubectl apply nests it. */
export const templateSpec = (spec: Obj): Obj => ({ spec: { template: { spec } } });
export const order = (...names: string[]) => names.map((name) => ({ name }));

export function node(spec: Obj = {}, status: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], ...spec },
    status: {
      addresses: [{ type: 'InternalIP', address: '172.18.0.3' }, { type: 'Hostname', address: 'worker-1' }],
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: 'T1' },
        { type: 'Ready', status: 'False', lastHeartbeatTime: 'T1', reason: 'KubeletNotReady' },
      ],
      ...status,
    },
  };
}

export function service(ports: Obj[]): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'NodePort', selector: { app: 'web' }, clusterIP: '10.96.0.20', ports },
  };
}

export function pod(spec: Obj, status: Obj = { phase: 'Running' }): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default' }, spec, status };
}

export interface Case {
  name: string;
  kind: string;
  target: Obj;
  patch: Obj;
  expected: Obj;
}

/** Runs each case on deeply frozen copies, so any write to an input fails the test. */
export function runCases(cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const target = deepFreeze(snapshot(c.target));
      const patch = deepFreeze(snapshot(c.patch));
      expect(applyStrategicMergePatch(target, patch, c.kind)).to.deep.equal(c.expected);
    });
  }
}
