/** findUnknownFields (strict field validation), validateUpdate (immutable fields) and the formatter. */
import { expect } from 'chai';
import { findUnknownFields, formatFieldError, validateUpdate } from '../../../src/api/validation/index.js';
import { goQuote, goStringMap } from '../../../src/api/validation/field-error.js';
import type { KubeObject } from '../../../src/api/types.js';
import { set, VALID } from './helpers.js';

const { Pod, Service, Deployment, StatefulSet, DaemonSet, Node, ConfigMap, EndpointSlice } = VALID as Record<string, KubeObject>;

describe('api/validation findUnknownFields', () => {
  const rows: { name: string; obj: KubeObject; want: string[] }[] = [
    { name: 'top-level key', obj: set(Service!, 'data', {}), want: ['data'] },
    { name: 'ObjectMeta key', obj: set(Pod!, 'metadata.labelz', {}), want: ['metadata.labelz'] },
    { name: 'Service spec key', obj: set(Service!, 'spec.foo', 1), want: ['spec.foo'] },
    { name: 'Service port key', obj: set(Service!, 'spec.ports[0].targetport', 80), want: ['spec.ports[0].targetport'] },
    { name: 'Container key', obj: set(Pod!, 'spec.containers[0].imagePullPolicyy', 'Always'), want: ['spec.containers[0].imagePullPolicyy'] },
    { name: 'PodSpec key', obj: set(Pod!, 'spec.hostnetwork', true), want: ['spec.hostnetwork'] },
    { name: 'template PodSpec key', obj: set(Deployment!, 'spec.template.spec.container', []), want: ['spec.template.spec.container'] },
    { name: 'Deployment spec key', obj: set(Deployment!, 'spec.replica', 2), want: ['spec.replica'] },
    { name: 'StatefulSet spec key', obj: set(StatefulSet!, 'spec.service', 'db'), want: ['spec.service'] },
    { name: 'DaemonSet spec key', obj: set(DaemonSet!, 'spec.replicas', 2), want: ['spec.replicas'] },
    { name: 'EndpointSlice endpoint key', obj: set(EndpointSlice!, 'endpoints[0].address', []), want: ['endpoints[0].address'] },
    // Open below fields kemu does not model: a real cluster accepts these.
    { name: 'securityContext internals', obj: set(Pod!, 'spec.securityContext', { runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }), want: [] },
    { name: 'affinity internals', obj: set(Pod!, 'spec.affinity', { nodeAffinity: { anything: [1, 2] } }), want: [] },
    { name: 'probes and volumes', obj: set(set(Pod!, 'spec.volumes', [{ name: 'v', emptyDir: {} }]), 'spec.containers[0].readinessProbe', { httpGet: { port: 8080 } }), want: [] },
    { name: 'status', obj: set(Pod!, 'status', { phase: 'Running', whatever: true }), want: [] },
    { name: 'newer PodSpec fields', obj: set(set(Pod!, 'spec.schedulingGates', []), 'spec.hostUsers', false), want: [] },
    { name: 'nulls everywhere', obj: set(set(Service!, 'spec.selector', null), 'metadata.labels', null), want: [] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const errs = findUnknownFields(row.obj as unknown as Record<string, unknown>);
      expect(errs.map((e) => e.field)).to.deep.equal(row.want);
      for (const e of errs) expect(e).to.deep.equal({ field: e.field, type: 'FieldValueInvalid', message: `unknown field "${e.field}"` });
    });
  }
});

describe('api/validation validateUpdate', () => {
  const rows: { name: string; next: KubeObject; old: KubeObject; want: string[] }[] = [
    { name: 'unchanged object', next: Service!, old: Service!, want: [] },
    {
      name: 'Service clusterIP changed',
      next: set(Service!, 'spec.clusterIP', '10.96.0.20'),
      old: set(Service!, 'spec.clusterIP', '10.96.0.10'),
      want: ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.20"}: may not change once set'],
    },
    { name: 'Service clusterIP omitted on update', next: Service!, old: set(Service!, 'spec.clusterIP', '10.96.0.10'), want: [] },
    { name: 'Service to ExternalName drops the clusterIP', next: set(Service!, 'spec', { type: 'ExternalName', externalName: 'x.example' }), old: set(Service!, 'spec.clusterIP', '10.96.0.10'), want: [] },
    {
      name: 'Deployment selector changed',
      next: set(Deployment!, 'spec.selector.matchLabels', { app: 'api' }),
      old: Deployment!,
      want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'],
    },
    { name: 'Deployment replicas changed', next: set(Deployment!, 'spec.replicas', 5), old: Deployment!, want: [] },
    { name: 'DaemonSet selector changed', next: set(DaemonSet!, 'spec.selector', { matchLabels: { app: 'web' } }), old: DaemonSet!, want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'] },
    { name: 'Pod image changed', next: set(Pod!, 'spec.containers[0].image', 'nginx'), old: Pod!, want: [] },
    { name: 'Pod toleration added', next: set(Pod!, 'spec.tolerations', [{ operator: 'Exists' }]), old: Pod!, want: [] },
    {
      name: 'Pod port changed',
      next: set(Pod!, 'spec.containers[0].ports[0].containerPort', 9090),
      old: Pod!,
      want: [
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      ],
    },
    {
      name: 'StatefulSet serviceName changed',
      next: set(StatefulSet!, 'spec.serviceName', 'db2'),
      old: StatefulSet!,
      want: [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ],
    },
    { name: 'StatefulSet template changed', next: set(StatefulSet!, 'spec.template.spec.containers[0].image', 'x'), old: StatefulSet!, want: [] },
    { name: 'Node podCIDR set once', next: Node!, old: set(set(Node!, 'spec.podCIDR', undefined), 'spec.podCIDRs', undefined), want: [] },
    { name: 'Node podCIDR changed', next: set(set(Node!, 'spec.podCIDR', '10.244.2.0/24'), 'spec.podCIDRs', ['10.244.2.0/24']), old: Node!, want: ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'] },
    { name: 'name changed', next: set(Pod!, 'metadata.name', 'web-1'), old: Pod!, want: ['metadata.name: Invalid value: "web-1": field is immutable'] },
    { name: 'immutable ConfigMap data', next: set(set(ConfigMap!, 'immutable', true), 'data', { a: 'b' }), old: set(ConfigMap!, 'immutable', true), want: ['data: Forbidden: field is immutable when `immutable` is set'] },
    { name: 'EndpointSlice addressType', next: set(EndpointSlice!, 'addressType', 'IPv6'), old: EndpointSlice!, want: ['addressType: Invalid value: "IPv6": field is immutable'] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(validateUpdate(row.next, row.old).map(formatFieldError)).to.deep.equal(row.want);
    });
  }
});

describe('api/validation formatFieldError', () => {
  it('prints values the way Go does', () => {
    expect(goQuote('a"b\\c\n\t\x01')).to.equal('"a\\"b\\\\c\\n\\t\\x01"');
    expect(goStringMap({ z: '1', a: '2' })).to.equal('map[string]string{"a":"2", "z":"1"}');
    expect(goStringMap(undefined)).to.equal('map[string]string(nil)');
  });

  it('omits the value for Required, Forbidden and TooLong', () => {
    expect(formatFieldError({ field: 'spec.x', type: 'FieldValueRequired', message: '', value: 'ignored' })).to.equal('spec.x: Required value');
    expect(formatFieldError({ field: 'spec.x', type: 'FieldValueForbidden', message: 'no' })).to.equal('spec.x: Forbidden: no');
    expect(formatFieldError({ field: '', type: 'FieldValueTooLong', message: 'must have at most 1048576 bytes' })).to.equal(': Too long: must have at most 1048576 bytes');
  });

  it('prints null for a nil value and nothing for an absent one', () => {
    expect(formatFieldError({ field: 'a', type: 'FieldValueInvalid', message: 'bad', value: null })).to.equal('a: Invalid value: null: bad');
    expect(formatFieldError({ field: 'a', type: 'FieldValueInvalid', message: 'bad' })).to.equal('a: Invalid value: bad');
    expect(formatFieldError({ field: 'a', type: 'FieldValueDuplicate', message: '', value: true })).to.equal('a: Duplicate value: true');
  });
});
