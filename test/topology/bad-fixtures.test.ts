/**
 * Every file in fixtures/bad, with the exact diagnostics (FILE:LINE:COL: message, file order) and
 * their codes. One row per fixture; a new rule gets a new fixture and a new row.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, loadTopologyText } from '../../src/topology/load.js';

const BAD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'bad');

interface Row {
  file: string;
  codes: string[];
  want: string[];
}

const rows: Row[] = [
  {
    file: 'bad-durations.yaml',
    codes: ['BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE'],
    want: [
      'bad-durations.yaml:6:29: spec.timing.nodeMonitorGracePeriod: invalid duration 40: missing unit (write e.g. "40s"; units are ns, us, ms, s, m, h)',
      'bad-durations.yaml:7:25: spec.timing.podEvictionTimeout: invalid duration "5d": unknown unit "d" (units are ns, us, ms, s, m, h)',
      'bad-durations.yaml:8:20: spec.timing.leaseDuration: invalid duration "-40s": must not be negative',
      'bad-durations.yaml:9:26: spec.timing.kubeProxySyncPeriod: invalid duration "thirty seconds": expected numbers with units, e.g. 100us, 1.5s, 1h30m',
    ],
  },
  {
    file: 'bad-names.yaml',
    codes: ['INVALID_OBJECT', 'INVALID_OBJECT', 'INVALID_OBJECT', 'INVALID_OBJECT'],
    want: [
      'bad-names.yaml:4:9: Service "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'bad-names.yaml:5:12: Service "Web_1" is invalid: metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
      'bad-names.yaml:14:13: Pod "p" is invalid: spec.containers[0].name: Invalid value: "App": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
      'bad-names.yaml:16:22: Pod "p" is invalid: spec.containers[0].ports[0].name: Invalid value: "http-metrics-port": must be no more than 15 characters',
    ],
  },
  {
    file: 'bad-percentages.yaml',
    codes: ['BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE'],
    want: [
      'bad-percentages.yaml:7:13: spec.underlay.links.loss: invalid percentage "120%": must be between 0% and 100%',
      'bad-percentages.yaml:8:18: spec.underlay.links.duplicate: invalid percentage 5: write it with a % sign, e.g. "5%"',
      'bad-percentages.yaml:9:16: spec.underlay.links.reorder: invalid percentage "-1%": must be between 0% and 100%',
    ],
  },
  {
    file: 'bad-rates.yaml',
    codes: ['BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE'],
    want: [
      'bad-rates.yaml:6:19: spec.underlay.links.rate: invalid rate 100: missing unit (write e.g. "100mbit"; units are bit, kbit, mbit, gbit, tbit (bits/s); bps, kbps, mbps, gbps, tbps (bytes/s); kibit, mibit... for powers of 1024)',
      'bad-rates.yaml:8:53: spec.underlay.subnets[0].link.rate: invalid rate "10mb": unknown unit "mb" (units are bit, kbit, mbit, gbit, tbit (bits/s); bps, kbps, mbps, gbps, tbps (bytes/s); kibit, mibit... for powers of 1024)',
      'bad-rates.yaml:9:53: spec.underlay.subnets[1].link.rate: invalid rate "0gbit": must be greater than 0 (write "unlimited" for no limit)',
    ],
  },
  {
    file: 'calico-crosssubnet-bgp.yaml',
    codes: ['CONFLICT'],
    want: [
      'calico-crosssubnet-bgp.yaml:6:51: spec.networking.cni.crossSubnet: needs mode ipip or vxlan (mode bgp never encapsulates)',
    ],
  },
  {
    file: 'calico-unknown-mode.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'calico-unknown-mode.yaml:6:33: spec.networking.cni.mode: unknown calico mode "ebpf" (supported: bgp, ipip, vxlan)',
    ],
  },
  {
    file: 'calico-with-backend.yaml',
    codes: ['UNKNOWN_FIELD'],
    want: [
      'calico-with-backend.yaml:8:7: unknown field "spec.networking.cni.backend": not a calico setting (calico fields: plugin, mode, crossSubnet, blockSize, asNumber, nodeToNodeMesh, routeReflectors)',
    ],
  },
  {
    file: 'cidr-host-bits.yaml',
    codes: ['BAD_CIDR', 'BAD_CIDR'],
    want: [
      'cidr-host-bits.yaml:6:16: spec.networking.podSubnet: invalid CIDR "10.244.0.1/16": host bits are set; the network address is 10.244.0.0/16',
      'cidr-host-bits.yaml:9:30: spec.underlay.subnets[0].cidr: invalid CIDR "172.18.0.5/24": host bits are set; the network address is 172.18.0.0/24',
    ],
  },
  {
    file: 'cidr-invalid.yaml',
    codes: ['BAD_CIDR', 'BAD_CIDR', 'BAD_CIDR'],
    want: [
      'cidr-invalid.yaml:6:16: spec.networking.podSubnet: invalid CIDR "10.244.0.0": expected an IPv4 network such as 10.244.0.0/16',
      'cidr-invalid.yaml:7:20: spec.networking.serviceSubnet: invalid CIDR "10.96.0.0/40": expected an IPv4 network such as 10.244.0.0/16',
      'cidr-invalid.yaml:8:23: spec.networking.loadBalancerPool: invalid CIDR "172.18.300.0/24": expected an IPv4 network such as 10.244.0.0/16',
    ],
  },
  {
    file: 'clusterip-allocation.yaml',
    codes: ['INVALID_OBJECT', 'INVALID_OBJECT', 'INVALID_OBJECT'],
    want: [
      'clusterip-allocation.yaml:5:14: Service "out" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.10"}: failed to allocate IP 10.0.0.10: the provided IP (10.0.0.10) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
      'clusterip-allocation.yaml:12:14: Service "reserved" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated',
      'clusterip-allocation.yaml:26:14: Service "second" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.50"}: failed to allocate IP 10.96.0.50: provided IP is already allocated',
    ],
  },
  {
    file: 'cni-unknown-plugin.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'cni-unknown-plugin.yaml:6:19: spec.networking.cni.plugin: unknown CNI plugin "cilium" (supported: flannel, calico)',
    ],
  },
  {
    file: 'dns-upstreams.yaml',
    codes: ['BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE'],
    want: [
      'dns-upstreams.yaml:6:42: spec.dns.upstreams[2]: invalid upstream "dns.google:53": expected "ip" or "ip:port", e.g. 8.8.8.8:53',
      'dns-upstreams.yaml:6:59: spec.dns.upstreams[3]: invalid upstream "9.9.9.9:99999": expected "ip" or "ip:port", e.g. 8.8.8.8:53',
      'dns-upstreams.yaml:7:10: spec.dns.ttl: must be at least 0, got -1',
    ],
  },
  {
    file: 'duplicate-node-names.yaml',
    codes: ['DUPLICATE'],
    want: [
      'duplicate-node-names.yaml:8:14: spec.nodes[2].name: duplicate node name "worker"',
    ],
  },
  {
    file: 'duplicate-objects.yaml',
    codes: ['DUPLICATE'],
    want: [
      'duplicate-objects.yaml:9:18: duplicate Service "default/web" (first defined at line 1)',
    ],
  },
  {
    file: 'duplicate-subnet-cidr.yaml',
    codes: ['DUPLICATE'],
    want: [
      'duplicate-subnet-cidr.yaml:8:30: spec.underlay.subnets[1].cidr: 172.18.0.0/24 is already the address of underlay subnet "rack-a"',
    ],
  },
  {
    file: 'duplicate-subnet-name.yaml',
    codes: ['DUPLICATE'],
    want: [
      'duplicate-subnet-name.yaml:8:16: spec.underlay.subnets[1].name: duplicate subnet name "rack"',
    ],
  },
  {
    file: 'empty-lists.yaml',
    codes: ['REQUIRED', 'REQUIRED'],
    want: [
      'empty-lists.yaml:6:14: spec.underlay.subnets: at least one subnet is required',
      'empty-lists.yaml:7:10: spec.nodes: at least one node is required',
    ],
  },
  {
    file: 'flannel-directrouting-hostgw.yaml',
    codes: ['CONFLICT'],
    want: [
      'flannel-directrouting-hostgw.yaml:6:61: spec.networking.cni.directRouting: only the vxlan backend supports directRouting (backend is host-gw)',
    ],
  },
  {
    file: 'flannel-unknown-backend.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'flannel-unknown-backend.yaml:6:37: spec.networking.cni.backend: unknown flannel backend "wireguard" (supported: udp, vxlan, host-gw)',
    ],
  },
  {
    file: 'kube-proxy-mode.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'kube-proxy-mode.yaml:6:20: spec.networking.kubeProxyMode: unknown kube-proxy mode "nftables" (supported: iptables, ipvs, userspace)',
    ],
  },
  {
    file: 'link-needs-delay.yaml',
    codes: ['CONFLICT', 'CONFLICT'],
    want: [
      'link-needs-delay.yaml:6:21: spec.underlay.links.jitter: jitter needs a non-zero delay on the same link (tc netem)',
      'link-needs-delay.yaml:8:56: spec.underlay.subnets[0].link.reorder: reorder needs a non-zero delay on the same link (tc netem)',
    ],
  },
  {
    file: 'manifest-missing-type.yaml',
    codes: ['MISSING_TYPE_META', 'MISSING_TYPE_META', 'MISSING_TYPE_META'],
    want: [
      'manifest-missing-type.yaml:1:1: apiVersion not set',
      'manifest-missing-type.yaml:6:1: apiVersion not set',
      'manifest-missing-type.yaml:6:1: kind not set',
    ],
  },
  {
    file: 'manifest-unknown-field.yaml',
    codes: ['UNKNOWN_FIELD', 'UNKNOWN_FIELD'],
    want: [
      'manifest-unknown-field.yaml:7:7: Service "web": unknown field "spec.ports[0].targetport"',
      'manifest-unknown-field.yaml:16:7: Pod "p": unknown field "spec.containers[0].imagePullPolicyy"',
    ],
  },
  {
    file: 'manifest-unknown-kind.yaml',
    codes: ['UNSUPPORTED_KIND', 'UNSUPPORTED_KIND'],
    want: [
      'manifest-unknown-kind.yaml:2:7: unsupported kind "Ingress" (apiVersion networking.k8s.io/v1); kemu supports BGPPeer (crd.projectcalico.org/v1), ConfigMap (v1), DaemonSet (apps/v1), Deployment (apps/v1), Endpoints (v1), EndpointSlice (discovery.k8s.io/v1), Event (v1), Lease (coordination.k8s.io/v1), Namespace (v1), Node (v1), Pod (v1), ReplicaSet (apps/v1), Service (v1), StatefulSet (apps/v1)',
      'manifest-unknown-kind.yaml:5:13: kind Deployment is served as apiVersion apps/v1, not extensions/v1beta1',
    ],
  },
  {
    file: 'manifest-wrong-type.yaml',
    codes: ['WRONG_TYPE', 'WRONG_TYPE', 'WRONG_TYPE'],
    want: [
      'manifest-wrong-type.yaml:5:21: Deployment "web": metadata.labels[version]: Invalid value: 1: must be of type string',
      'manifest-wrong-type.yaml:5:35: Deployment "web": metadata.labels[enabled]: Invalid value: true: must be of type string',
      'manifest-wrong-type.yaml:7:13: Deployment "web": spec.replicas: Invalid value: "3": must be of type integer',
    ],
  },
  {
    file: 'missing-required.yaml',
    codes: ['REQUIRED', 'REQUIRED', 'REQUIRED'],
    want: [
      'missing-required.yaml:7:9: spec.underlay.subnets[0]: missing required field "cidr"',
      'missing-required.yaml:9:9: spec.underlay.routers[0]: missing required field "name"',
      'missing-required.yaml:11:7: spec.nodes[0]: missing required field "name"',
    ],
  },
  {
    file: 'mtu-range.yaml',
    codes: ['BAD_VALUE', 'BAD_VALUE'],
    want: [
      'mtu-range.yaml:6:10: spec.underlay.mtu: must be between 576 and 9000, got 100',
      'mtu-range.yaml:7:18: spec.underlay.links.mtu: must be between 576 and 9000, got 9001',
    ],
  },
  {
    file: 'namespace-not-found.yaml',
    codes: ['UNKNOWN_REFERENCE'],
    want: [
      'namespace-not-found.yaml:11:34: ConfigMap "cfg": namespace "team-b" not found (add a Namespace manifest)',
    ],
  },
  {
    file: 'no-free-address.yaml',
    codes: ['CAPACITY'],
    want: [
      'no-free-address.yaml:13:7: spec.nodes[5]: subnet "tiny" (172.18.0.0/29) has no free address left for node "w5"',
    ],
  },
  {
    file: 'node-address-duplicate.yaml',
    codes: ['DUPLICATE'],
    want: [
      'node-address-duplicate.yaml:7:27: spec.nodes[1].address: 172.18.0.10 is already the address of node "cp"',
    ],
  },
  {
    file: 'node-address-outside.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'node-address-outside.yaml:8:48: spec.nodes[0].address: 172.18.1.2 is outside subnet "rack-a" (172.18.0.0/24)',
    ],
  },
  {
    file: 'node-address-reserved.yaml',
    codes: ['BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE'],
    want: [
      'node-address-reserved.yaml:8:26: spec.nodes[0].address: 172.18.0.0 is the network address of subnet "rack-a" (172.18.0.0/24)',
      'node-address-reserved.yaml:9:26: spec.nodes[1].address: 172.18.0.255 is the broadcast address of subnet "rack-a" (172.18.0.0/24)',
      'node-address-reserved.yaml:10:26: spec.nodes[2].address: 172.18.0.1 is reserved for the gateway of subnet "rack-a" (172.18.0.0/24) (nodes start at .2)',
    ],
  },
  {
    file: 'node-labels-taints.yaml',
    codes: ['BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE'],
    want: [
      'node-labels-taints.yaml:8:16: spec.nodes[0].labels: Invalid value: "bad key": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
      'node-labels-taints.yaml:8:36: spec.nodes[0].labels: Invalid value: "-db": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')',
      'node-labels-taints.yaml:10:36: spec.nodes[0].taints[0].effect: Unsupported value: "NoSchedul": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'node-labels-taints.yaml:12:11: spec.nodes[0].taints[2]: Duplicate value: core.Taint{Key:"gpu", Value:"a100", Effect:"NoExecute", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair',
    ],
  },
  {
    file: 'node-mask-not-longer.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'node-mask-not-longer.yaml:7:23: spec.networking.nodeCIDRMaskSize: /24 must be longer than the podSubnet prefix /24',
    ],
  },
  {
    file: 'node-mask-too-long.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'node-mask-too-long.yaml:6:23: spec.networking.nodeCIDRMaskSize: must be at most 30 for IPv4, got 31',
    ],
  },
  {
    file: 'node-unknown-subnet.yaml',
    codes: ['UNKNOWN_REFERENCE'],
    want: [
      'node-unknown-subnet.yaml:8:47: spec.nodes[0].subnet: no subnet named "rack-b" (subnets: rack-a)',
    ],
  },
  {
    file: 'nodeport-duplicate.yaml',
    codes: ['INVALID_OBJECT'],
    want: [
      'nodeport-duplicate.yaml:13:47: Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    ],
  },
  {
    file: 'not-a-mapping.yaml',
    codes: ['WRONG_TYPE'],
    want: [
      'not-a-mapping.yaml:1:1: a document must be a mapping (a Topology or a Kubernetes object), got a list',
    ],
  },
  {
    file: 'overlap-lb-pool.yaml',
    codes: ['CIDR_OVERLAP'],
    want: [
      'overlap-lb-pool.yaml:6:23: spec.networking.loadBalancerPool: 172.18.255.200/29 overlaps underlay subnet "default" 172.18.0.0/16',
    ],
  },
  {
    file: 'overlap-pod-service.yaml',
    codes: ['CIDR_OVERLAP'],
    want: [
      'overlap-pod-service.yaml:7:20: spec.networking.serviceSubnet: 10.96.0.0/12 overlaps podSubnet 10.96.0.0/16',
    ],
  },
  {
    file: 'overlap-underlay.yaml',
    codes: ['CIDR_OVERLAP', 'CIDR_OVERLAP', 'CIDR_OVERLAP'],
    want: [
      'overlap-underlay.yaml:9:30: spec.underlay.subnets[0].cidr: 172.18.0.0/24 overlaps podSubnet 172.16.0.0/12',
      'overlap-underlay.yaml:10:30: spec.underlay.subnets[1].cidr: 172.18.0.128/25 overlaps podSubnet 172.16.0.0/12',
      'overlap-underlay.yaml:10:30: spec.underlay.subnets[1].cidr: 172.18.0.128/25 overlaps underlay subnet "rack-a" 172.18.0.0/24',
    ],
  },
  {
    file: 'pod-subnet-too-small.yaml',
    codes: ['CAPACITY'],
    want: [
      'pod-subnet-too-small.yaml:6:16: spec.networking.podSubnet: 10.244.0.0/23 holds 2 node ranges of /24, but there are 3 nodes',
    ],
  },
  {
    file: 'route-reflector-unknown.yaml',
    codes: ['UNKNOWN_REFERENCE'],
    want: [
      'route-reflector-unknown.yaml:6:56: spec.networking.cni.routeReflectors[0]: no node named "rr-1"',
    ],
  },
  {
    file: 'router-shared-subnet.yaml',
    codes: ['CONFLICT', 'DUPLICATE'],
    want: [
      'router-shared-subnet.yaml:11:33: spec.underlay.routers[1].subnets[0]: subnet "rack-b" is already joined by router "tor-1" (one router per subnet)',
      'router-shared-subnet.yaml:11:41: spec.underlay.routers[1].subnets[1]: subnet "rack-b" is listed twice',
    ],
  },
  {
    file: 'router-unknown-subnet.yaml',
    codes: ['UNKNOWN_REFERENCE'],
    want: [
      'router-unknown-subnet.yaml:9:27: spec.underlay.routers[0].subnets[1]: no subnet named "rack-b" (subnets: rack-a)',
    ],
  },
  {
    file: 'selector-mismatch.yaml',
    codes: ['INVALID_OBJECT'],
    want: [
      'selector-mismatch.yaml:10:15: Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`',
    ],
  },
  {
    file: 'service-port-range.yaml',
    codes: ['INVALID_OBJECT', 'INVALID_OBJECT'],
    want: [
      'service-port-range.yaml:8:26: Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'service-port-range.yaml:8:61: Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ],
  },
  {
    file: 'speed-zero.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'speed-zero.yaml:5:19: spec.timing.speed: must be greater than 0, got 0',
    ],
  },
  {
    file: 'subnet-too-small.yaml',
    codes: ['CAPACITY'],
    want: [
      'subnet-too-small.yaml:6:33: spec.underlay.subnets[0].cidr: /31 leaves no room for hosts (use /30 or shorter)',
    ],
  },
  {
    file: 'timing-relations.yaml',
    codes: ['CONFLICT', 'CONFLICT', 'CONFLICT'],
    want: [
      'timing-relations.yaml:7:25: spec.timing.leaseRenewInterval: 40s must be shorter than leaseDuration 40s (the lease would expire between renewals)',
      'timing-relations.yaml:9:23: spec.timing.bgpKeepaliveTime: 2m must be shorter than bgpHoldTime 1m30s (the peer would time out between keepalives)',
      'timing-relations.yaml:10:29: spec.timing.kubeProxyMinSyncPeriod: 1m must not be longer than kubeProxySyncPeriod 30s',
    ],
  },
  {
    file: 'topology-api-version.yaml',
    codes: ['BAD_VALUE'],
    want: [
      'topology-api-version.yaml:1:13: apiVersion: unsupported Topology version "kemu.dev/v1" (use kemu.dev/v1alpha1)',
    ],
  },
  {
    file: 'two-topologies.yaml',
    codes: ['DUPLICATE'],
    want: [
      'two-topologies.yaml:5:1: only one Topology document is allowed (the first is at line 1)',
    ],
  },
  {
    file: 'unknown-field.yaml',
    codes: ['UNKNOWN_FIELD', 'UNKNOWN_FIELD', 'UNKNOWN_FIELD'],
    want: [
      'unknown-field.yaml:6:5: unknown field "spec.networking.podSubnett" (did you mean "podSubnet"?)',
      'unknown-field.yaml:7:3: unknown field "spec.nodez" (did you mean "nodes"?)',
      'unknown-field.yaml:10:13: unknown field "spec.underlay.links.latency"',
    ],
  },
  {
    file: 'wrong-type.yaml',
    codes: ['WRONG_TYPE', 'WRONG_TYPE', 'WRONG_TYPE'],
    want: [
      'wrong-type.yaml:5:10: spec.nodes: expected a list, got a mapping',
      'wrong-type.yaml:7:10: spec.underlay.mtu: expected an integer, got the string "big"',
      'wrong-type.yaml:9:43: spec.networking.cni.directRouting: expected a boolean (true or false), got the string "yes please"',
    ],
  },
  {
    file: 'yaml-bad-indent.yaml',
    codes: ['YAML_SYNTAX'],
    want: [
      'yaml-bad-indent.yaml:7:1: All mapping items must start at the same column',
    ],
  },
  {
    file: 'yaml-duplicate-key.yaml',
    codes: ['YAML_SYNTAX'],
    want: [
      'yaml-duplicate-key.yaml:7:5: Map keys must be unique',
    ],
  },
  {
    file: 'yaml-syntax.yaml',
    codes: ['YAML_SYNTAX'],
    want: [
      'yaml-syntax.yaml:6:3: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
];

describe('topology: bad fixtures', () => {
  for (const row of rows) {
    it(row.file, () => {
      const r = loadTopologyText(readFileSync(join(BAD, row.file), 'utf8'), row.file);
      expect(r.ok, 'expected the file to be rejected').to.equal(false);
      if (r.ok) return;
      expect(r.diagnostics.map(formatDiagnostic)).to.deep.equal(row.want);
      expect(r.diagnostics.map((d) => d.code)).to.deep.equal(row.codes);
    });
  }

  it('has a row for every fixture file (and at least 35)', () => {
    const files = readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort();
    expect(rows.map((r) => r.file).sort()).to.deep.equal(files);
    expect(files.length).to.be.at.least(35);
  });
});
