/**
 * What `kemu up` prints about NodePorts and LoadBalancers: the first worker's listeners, with a real
 * address per node, or — with distinct ports — 127.0.0.1 and each node's own port, the other nodes'
 * named on the next line.
 */
import { expect } from 'chai';
import type { ClusterStatus } from '../../src/lab/cluster.js';
import type { ListenerInfo } from '../../src/lab/edge/node-ports.js';
import { loadBalancerLines, nodePortLines } from '../../src/cli/up-lines.js';

const node = (name: string, address: string, role = 'worker') => ({ name, internalIP: '172.18.0.2', address, role, ready: true, podCIDR: null });

function status(nodes: ClusterStatus['nodes'], nodePorts: ListenerInfo[], loadBalancers: ClusterStatus['loadBalancers'] = []): ClusterStatus {
  return { ready: true, name: 't', api: 'http://127.0.0.1:6443', nodes, nodePorts, loadBalancers };
}

describe('cli/up-lines', () => {
  it('a real address per node: the worker\'s address and the NodePort itself', () => {
    const s = status([node('cp', '127.0.1.1', 'control-plane'), node('w1', '127.0.1.2')], [
      { node: 'cp', address: '127.0.1.1', port: 30080, nodePort: 30080, protocol: 'TCP' },
      { node: 'w1', address: '127.0.1.2', port: 30080, nodePort: 30080, protocol: 'TCP' },
      { node: 'w1', address: '127.0.1.2', port: 30053, nodePort: 30053, protocol: 'UDP' },
      { node: 'w1', address: '127.0.1.2', port: 10256, nodePort: 10256, protocol: 'TCP', proxyHealthz: true },
    ]);
    expect(nodePortLines(s)).to.equal(
      '  curl http://127.0.1.2:30080/   # NodePort 30080 on w1 (every node listens)\n' +
      '  echo hostname | nc -u -w1 127.0.1.2 30053   # UDP NodePort 30053 on w1 (every node listens)\n' +
      '  curl http://127.0.1.2:10256/healthz   # kube-proxy\'s health on w1 (every node)\n');
  });

  it('distinct ports: 127.0.0.1 with the worker\'s real port, the other nodes\' ports named', () => {
    const s = status([node('cp', '127.0.0.1', 'control-plane'), node('w1', '127.0.0.1')], [
      { node: 'cp', address: '127.0.0.1', port: 41001, nodePort: 30080, protocol: 'TCP' },
      { node: 'w1', address: '127.0.0.1', port: 41002, nodePort: 30080, protocol: 'TCP' },
      { node: 'cp', address: '127.0.0.1', port: 41003, nodePort: 10256, protocol: 'TCP', proxyHealthz: true },
      { node: 'w1', address: '127.0.0.1', port: 41004, nodePort: 10256, protocol: 'TCP', proxyHealthz: true },
      { node: 'w1', address: '127.0.0.1', port: 41005, nodePort: 31000, protocol: 'TCP', healthCheck: true },
    ]);
    expect(nodePortLines(s)).to.equal(
      '  curl http://127.0.0.1:41002/   # NodePort 30080 on w1\n' +
      '    # TCP 30080 on the other nodes: cp 127.0.0.1:41001\n' +
      '  curl http://127.0.0.1:41004/healthz   # kube-proxy\'s health on w1\n' +
      '    # TCP 10256 on the other nodes: cp 127.0.0.1:41003\n');
  });

  it('no listeners, no lines; a LoadBalancer line names its ingress IP and service port', () => {
    expect(nodePortLines(status([node('w1', '127.0.1.2')], []))).to.equal('');
    const s = status([node('w1', '127.0.0.1')], [], [
      { service: 'default/web', ingressIP: '172.20.255.1', address: '127.0.0.1', ports: [{ port: 41010, servicePort: 80, protocol: 'TCP' }] },
    ]);
    expect(loadBalancerLines(s)).to.equal('  curl http://127.0.0.1:41010/   # LoadBalancer default/web (ingress 172.20.255.1:80)\n');
  });
});
