/**
 * Malformed input of every shape: the loader never throws, and a rejected value does not drag
 * consequential diagnostics behind it.
 */
import { expect } from 'chai';
import { formatDiagnostic, loadTopologyText } from '../../src/topology/load.js';

const H = 'apiVersion: kemu.dev/v1alpha1\nkind: Topology\n';

const rows: [name: string, text: string, want: string[]][] = [
  ['spec is a list', `${H}spec: []`, ['x.yaml:3:7: spec: expected a mapping, got a list']],
  ['spec is a number', `${H}spec: 5`, ['x.yaml:3:7: spec: expected a mapping, got the integer 5']],
  ['cni is a string', `${H}spec: {networking: {cni: flannel}}`, ['x.yaml:3:26: spec.networking.cni: expected a mapping, got the string "flannel"']],
  ['node entries of the wrong type', `${H}spec: {nodes: [5, "x"]}`, ['x.yaml:3:16: spec.nodes[0]: expected a mapping, got the integer 5', 'x.yaml:3:19: spec.nodes[1]: expected a mapping, got the string "x"']],
  ['a null node entry', `${H}spec: {nodes: [null]}`, ['x.yaml:3:16: spec.nodes[0]: missing required field "name"']],
  ['a taint of the wrong type, nothing more', `${H}spec: {nodes: [{name: a, taints: [5]}]}`, ['x.yaml:3:35: spec.nodes[0].taints[0]: expected a mapping, got the integer 5']],
  ['router subnets as a string', `${H}spec: {underlay: {routers: [{name: r, subnets: "a"}]}}`, ['x.yaml:3:48: spec.underlay.routers[0].subnets: expected a list, got the string "a"']],
  ['metadata of the wrong type (manifest)', 'apiVersion: v1\nkind: Service\nmetadata: 5\nspec: 7', ['x.yaml:3:11: Service: metadata: Invalid value: 5: must be of type object', 'x.yaml:4:7: Service: spec: Invalid value: 7: must be of type object']],
  ['List items not a list', 'apiVersion: v1\nkind: List\nitems: 5', ['x.yaml:3:8: items: expected a list, got the integer 5']],
  ['apiVersion and kind of the wrong type', 'apiVersion: 5\nkind: [x]', ['x.yaml:1:13: apiVersion: expected a string, got the integer 5', 'x.yaml:2:7: kind: expected a string, got a list']],
  ['tabs', '\t- bad', ['x.yaml:1:1: Tabs are not allowed as indentation']],
  ['unterminated quote', '"unterminated', ['x.yaml:1:14: Missing closing "quote']],
  ['a broken Topology does not let defaults judge the manifests', `${H}spec: {networking: {serviceSubnet: 10.0.0.0/16}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: 10.0.0.9, ports: [{port: 1}]}`, ['x.yaml:4:1: Flow map in block collection must be sufficiently indented and end with a }']],
  ['keys named like Object.prototype members', `${H}spec: {constructor: 1, networking: {cni: {plugin: toString}}, timing: {speed: 1, leaseDuration: 5constructor}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nhasOwnProperty: 1`, [
    'x.yaml:3:8: unknown field "spec.constructor"',
    'x.yaml:3:51: spec.networking.cni.plugin: unknown CNI plugin "toString" (supported: flannel, calico)',
    'x.yaml:3:97: spec.timing.leaseDuration: invalid duration "5constructor": unknown unit "constructor" (units are ns, us, ms, s, m, h)',
    'x.yaml:8:1: ConfigMap "c": unknown field "hasOwnProperty"',
  ]],
  ['documents of only separators', '---\n---\n', []],
  ['anchors and aliases', `${H}spec:\n  networking: &n {podSubnet: 10.0.0.0/16}\n  underlay: {subnets: [{name: a, cidr: 172.18.0.0/24}]}`, []],
];

describe('topology: robustness', () => {
  for (const [name, text, want] of rows) {
    it(name, () => {
      const r = loadTopologyText(text, 'x.yaml');
      expect(r.ok ? [] : r.diagnostics.map(formatDiagnostic)).to.deep.equal(want);
    });
  }
});
