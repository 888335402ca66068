/**
 * apps/v1 defaulting (k8s.io/kubernetes pkg/apis/apps/v1/defaults.go) plus the pod-template defaults
 * every workload's template gets. Functions mutate the private copy they are given.
 */
import { isObject, objects, setDefault, type Obj } from './json.js';
import { defaultPersistentVolumeClaimSpec, defaultPodSpec } from './podspec.js';


const DEFAULT_REVISION_HISTORY_LIMIT = 10;

function defaultTemplate(spec: Obj): void {
  if (isObject(spec.template) && isObject(spec.template.spec)) defaultPodSpec(spec.template.spec, false);
}

export function defaultDeploymentSpec(spec: Obj): void {
  setDefault(spec, 'replicas', 1);
  if (!isObject(spec.strategy)) spec.strategy = {};
  const strategy = spec.strategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    setDefault(strategy.rollingUpdate, 'maxUnavailable', '25%');
    setDefault(strategy.rollingUpdate, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec);
}

export function defaultReplicaSetSpec(spec: Obj): void {
  setDefault(spec, 'replicas', 1);
  defaultTemplate(spec);
}

export function defaultStatefulSetSpec(spec: Obj): void {
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  if (!isObject(spec.updateStrategy)) spec.updateStrategy = {};
  const strategy = spec.updateStrategy;
  // Kubernetes creates rollingUpdate only when it also defaults the type; an explicit
  // `type: RollingUpdate` without rollingUpdate stays without it.
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    if (!isObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
  }
  if (strategy.type === 'RollingUpdate' && isObject(strategy.rollingUpdate)) setDefault(strategy.rollingUpdate, 'partition', 0);
  // StatefulSetAutoDeletePVC is on by default since 1.27.
  if (!isObject(spec.persistentVolumeClaimRetentionPolicy)) spec.persistentVolumeClaimRetentionPolicy = {};
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  defaultTemplate(spec);
  for (const claim of objects(spec.volumeClaimTemplates)) {
    if (!isObject(claim.spec)) claim.spec = {};
    defaultPersistentVolumeClaimSpec(claim.spec);
    // SetDefaults_PersistentVolumeClaim: a claim starts Pending.
    if (!isObject(claim.status)) claim.status = {};
    if (!claim.status.phase) claim.status.phase = 'Pending';
  }
}

export function defaultDaemonSetSpec(spec: Obj): void {
  if (!isObject(spec.updateStrategy)) spec.updateStrategy = {};
  const strategy = spec.updateStrategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    // Integers here, unlike the Deployment's percentages.
    setDefault(strategy.rollingUpdate, 'maxUnavailable', 1);
    setDefault(strategy.rollingUpdate, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  defaultTemplate(spec);
}
