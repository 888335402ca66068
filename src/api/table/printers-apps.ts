/**
 * Row printers for the apps/v1 workloads (printDeployment, printReplicaSet, printStatefulSet,
 * printDaemonSet). Counts are numbers where Go prints int64, "ready/desired" strings elsewhere.
 */
import { ageSince } from './duration.js';
import { containerCells, formatLabelSelector, formatLabels, labelSelectorString, part, type Obj } from './format.js';
import type { RowPrinter } from './printers-core.js';

const count = (v: unknown): number => (typeof v === 'number' ? v : 0);

function common(obj: Obj): { name: string; spec: Obj; status: Obj; templateSpec: Obj } {
  const spec = part(obj, 'spec');
  return { name: part(obj, 'metadata').name ?? '', spec, status: part(obj, 'status'), templateSpec: part(part(spec, 'template'), 'spec') };
}

const printDeployment: RowPrinter = (d, now) => {
  const { name, spec, status, templateSpec } = common(d);
  // Unlike the others, the deployment printer does not turn an empty selector into "<none>".
  const selector = labelSelectorString(spec.selector) ?? '<invalid>';
  return [
    name,
    `${count(status.readyReplicas)}/${count(spec.replicas)}`,
    count(status.updatedReplicas),
    count(status.availableReplicas),
    ageSince(part(d, 'metadata').creationTimestamp, now),
    ...containerCells(templateSpec),
    selector,
  ];
};

const printReplicaSet: RowPrinter = (rs, now) => {
  const { name, spec, status, templateSpec } = common(rs);
  return [
    name,
    count(spec.replicas),
    count(status.replicas),
    count(status.readyReplicas),
    ageSince(part(rs, 'metadata').creationTimestamp, now),
    ...containerCells(templateSpec),
    formatLabelSelector(spec.selector),
  ];
};

const printStatefulSet: RowPrinter = (sts, now) => {
  const { name, spec, status, templateSpec } = common(sts);
  return [
    name,
    `${count(status.readyReplicas)}/${count(spec.replicas)}`,
    ageSince(part(sts, 'metadata').creationTimestamp, now),
    ...containerCells(templateSpec),
  ];
};

const printDaemonSet: RowPrinter = (ds, now) => {
  const { name, spec, status, templateSpec } = common(ds);
  return [
    name,
    count(status.desiredNumberScheduled),
    count(status.currentNumberScheduled),
    count(status.numberReady),
    count(status.updatedNumberScheduled),
    count(status.numberAvailable),
    formatLabels(templateSpec.nodeSelector),
    ageSince(part(ds, 'metadata').creationTimestamp, now),
    ...containerCells(templateSpec),
    formatLabelSelector(spec.selector),
  ];
};

export const APPS_PRINTERS: Record<string, RowPrinter> = {
  deployments: printDeployment,
  replicasets: printReplicaSet,
  statefulsets: printStatefulSet,
  daemonsets: printDaemonSet,
};
