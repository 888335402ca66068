/** Strategic merge patch: what kubectl apply and kubectl patch send for a Deployment, directive by directive. */
import {
  AGNHOST_NEW,
  HTTP,
  LAST_APPLIED,
  UDP,
  debug,
  deployment,
  netexec,
  order,
  runCases,
  sidecar,
  templateSpec,
  type Case,
} from './strategic-fixtures.js';

const cases: Case[] = [
  {
    name: 'kubectl apply: a new container image',
    kind: 'Deployment',
    target: deployment(),
    patch: {
      metadata: { annotations: { [LAST_APPLIED]: '{"v":2}' } },
      ...templateSpec({ '$setElementOrder/containers': order('netexec', 'sidecar'), containers: [{ image: AGNHOST_NEW, name: 'netexec' }] }),
    },
    expected: deployment({ lastApplied: '{"v":2}', containers: [netexec({ image: AGNHOST_NEW }), sidecar] }),
  },
  {
    name: 'kubectl apply: a container port added',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({
      '$setElementOrder/containers': order('netexec', 'sidecar'),
      containers: [
        {
          '$setElementOrder/ports': [{ containerPort: 8080 }, { containerPort: 8081 }],
          name: 'netexec',
          ports: [{ containerPort: 8081, name: 'udp', protocol: 'UDP' }],
        },
      ],
    }),
    expected: deployment({ containers: [netexec({ ports: [HTTP, UDP] }), sidecar] }),
  },
  {
    name: 'kubectl apply: a container port removed ($patch: delete)',
    kind: 'Deployment',
    target: deployment({ containers: [netexec({ ports: [HTTP, UDP] }), sidecar] }),
    patch: templateSpec({
      '$setElementOrder/containers': order('netexec', 'sidecar'),
      containers: [{ '$setElementOrder/ports': [{ containerPort: 8080 }], name: 'netexec', ports: [{ $patch: 'delete', containerPort: 8081 }] }],
    }),
    expected: deployment(),
  },
  {
    name: 'kubectl apply / kubectl patch: replicas changed',
    kind: 'Deployment',
    target: deployment(),
    patch: { spec: { replicas: 5 } },
    expected: deployment({ replicas: 5 }),
  },
  {
    name: 'kubectl apply: a label removed from the file (null deletes the key)',
    kind: 'Deployment',
    target: deployment(),
    patch: { metadata: { labels: { tier: null } } },
    expected: deployment({ labels: { app: 'web' } }),
  },
  {
    name: '$setElementOrder/containers reorders a merged list',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({ '$setElementOrder/containers': order('sidecar', 'netexec') }),
    expected: deployment({ containers: [sidecar, netexec()] }),
  },
  {
    name: '$setElementOrder naming an unknown item does not add it',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({ '$setElementOrder/containers': order('ghost', 'netexec', 'sidecar') }),
    expected: deployment(),
  },
  {
    name: 'kubectl apply: a container added where the file puts it',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({ '$setElementOrder/containers': order('netexec', 'debug', 'sidecar'), containers: [debug] }),
    expected: deployment({ containers: [netexec(), debug, sidecar] }),
  },
  {
    name: 'kubectl patch without an order directive: a new item goes first, as in Kubernetes',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({ containers: [debug] }),
    expected: deployment({ containers: [debug, netexec(), sidecar] }),
  },
  {
    name: 'a changed item keeps its place without an order directive',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({ containers: [{ name: 'sidecar', image: 'busybox:1.37' }] }),
    expected: deployment({ containers: [netexec(), { ...sidecar, image: 'busybox:1.37' }] }),
  },
  {
    name: '$patch: delete on a list item',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({ containers: [{ $patch: 'delete', name: 'sidecar' }] }),
    expected: deployment({ containers: [netexec()] }),
  },
  {
    name: '$patch: replace on a list',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({ containers: [{ name: 'only', image: 'nginx:1.27' }, { $patch: 'replace' }] }),
    expected: deployment({ containers: [{ name: 'only', image: 'nginx:1.27' }] }),
  },
  {
    name: '$patch: replace on a map',
    kind: 'Deployment',
    target: deployment(),
    patch: { metadata: { labels: { $patch: 'replace', release: 'stable' } } },
    expected: deployment({ labels: { release: 'stable' } }),
  },
  {
    name: '$patch: delete on a map empties it',
    kind: 'Deployment',
    target: deployment(),
    patch: { spec: { strategy: { $patch: 'delete' } } },
    expected: deployment({ strategy: {} }),
  },
  {
    name: '$retainKeys: kubectl apply switching the strategy to Recreate drops rollingUpdate',
    kind: 'Deployment',
    target: deployment(),
    patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } },
    expected: deployment({ strategy: { type: 'Recreate' } }),
  },
  {
    name: 'tolerations have no patch strategy: the list is replaced',
    kind: 'Deployment',
    target: deployment({ podSpec: { tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] } }),
    patch: templateSpec({ tolerations: [{ key: 'c', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] }),
    expected: deployment({ podSpec: { tolerations: [{ key: 'c', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] } }),
  },
  {
    name: 'container args have no patch strategy: replaced',
    kind: 'Deployment',
    target: deployment(),
    patch: templateSpec({ '$setElementOrder/containers': order('netexec', 'sidecar'), containers: [{ name: 'netexec', args: ['netexec'] }] }),
    expected: deployment({ containers: [netexec({ args: ['netexec'] }), sidecar] }),
  },
  {
    name: 'kubectl apply: $deleteFromPrimitiveList/finalizers',
    kind: 'Deployment',
    target: deployment({ finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] }),
    patch: {
      metadata: {
        '$deleteFromPrimitiveList/finalizers': ['example.com/b'],
        '$setElementOrder/finalizers': ['example.com/a', 'example.com/c'],
      },
    },
    expected: deployment({ finalizers: ['example.com/a', 'example.com/c'] }),
  },
  {
    name: 'finalizers merge as a set: a new one goes first, a known one is not repeated',
    kind: 'Deployment',
    target: deployment({ finalizers: ['example.com/a'] }),
    patch: { metadata: { finalizers: ['example.com/b', 'example.com/a'] } },
    expected: deployment({ finalizers: ['example.com/b', 'example.com/a'] }),
  },
  {
    name: 'a null for a field that is not there is ignored; a new field arrives without its nulls',
    kind: 'Deployment',
    target: deployment(),
    patch: { spec: { paused: null, minReadySeconds: 5, template: { metadata: { annotations: { a: 'x', b: null } } } } },
    expected: (() => {
      const d = deployment();
      d.spec.minReadySeconds = 5;
      d.spec.template.metadata.annotations = { a: 'x' };
      return d;
    })(),
  },
];

describe('strategic merge patch: kubectl apply and patch on a Deployment', () => runCases(cases));
