/**
 * How one real client flow reaches a LoadBalancer ingress IP inside the emulation: it leaves the
 * chosen node's gateway namespace (its subnet's router or `gateway`, see LabNetwork.edgeOf) from the
 * client's emulated address (client-address.ts), addressed to INGRESS_IP:PORT, and arrives at that
 * node's eth0 — where kube-proxy's rules for the LB IP take it (iptables KUBE-EXT, the ipvs virtual
 * server on kube-ipvs0, the userspace portal). A pass-through cloud load balancer delivers the same
 * way: the destination stays the LB IP, only the next hop is the node.
 *
 * Different flows to one LB IP go to different nodes, so the next hop is chosen per flow with policy
 * routing in the gateway namespace (`ip rule from CLIENT to LBIP ipproto tcp sport P dport D lookup
 * lb-NODE`; table lb-NODE is `default via NODE_IP onlink`). The main table also gets
 * `LBIP/32 via NODE_IP proto kemu-lb` toward the node chosen last: kemu's TCP needs a route to the
 * destination before it sends the SYN, and emulated traffic from the gateway itself (kemu curl) goes
 * there.
 */
import type { Socket } from 'node:net';
import { IPPROTO_TCP, IPPROTO_UDP, ipv4 } from '../../net/index.js';
import { type NetNamespace, RoutingTable, type UdpSocket } from '../../dataplane/stack/index.js';
import type { LabNetwork } from '../network/index.js';
import { clientAddressFor, ensureClientAddress } from './client-address.js';
import { spliceIntoEmulation } from './tcp-splice.js';

const LB_ROUTE_PROTO = 'kemu-lb';

/** The way into the emulation toward one node: its gateway namespace and the table that reaches it. */
interface NodePath {
  edge: NetNamespace;
  table: RoutingTable;
  nodeIP: string;
  dev: string;
}

export class LoadBalancerPaths {
  private readonly paths = new Map<string, NodePath>();
  /** LB IPs with a main-table route, per gateway namespace. */
  private readonly routed = new Map<NetNamespace, Set<string>>();

  constructor(private readonly network: LabNetwork) {}

  /**
   * Splices a real TCP connection to INGRESS_IP:PORT through `node` (tcp-splice.ts), its flow pinned
   * to that node by a rule on its source port, which goes when the connection closes.
   */
  spliceTcp(real: Socket, node: string, ingressIP: string, port: number, onError: (err: Error) => void): void {
    const path = this.pathTo(node);
    try {
      this.route(path, ingressIP);
    } catch (err) {
      onError(err as Error);
      real.destroy();
      return;
    }
    spliceIntoEmulation(real, {
      network: this.network, node, ip: ingressIP, port, noDelay: true,
      pin: (edge, client, sport) => {
        const rule = edge.rules.add({ from: client, to: ingressIP, ipproto: IPPROTO_TCP, sport, dport: port, table: path.table });
        return () => edge.rules.delete(rule);
      },
    }, onError);
  }

  /**
   * A UDP socket in `node`'s gateway namespace at the client's address (its port if free), whose
   * datagrams to INGRESS_IP:PORT go through `node`. close() also removes the flow's rule.
   */
  udpFlow(realPeer: { address: string; port: number }, node: string, ingressIP: string, port: number): { socket: UdpSocket; close(): void } {
    const path = this.pathTo(node);
    const client = clientAddressFor(realPeer.address);
    ensureClientAddress(path.edge, client);
    this.route(path, ingressIP);
    let socket: UdpSocket;
    try {
      socket = path.edge.udp.bind(realPeer.port, client);
    } catch {
      socket = path.edge.udp.bind(0, client); // that client port is taken by another real peer
    }
    const rule = path.edge.rules.add({ from: client, to: ingressIP, ipproto: IPPROTO_UDP, sport: socket.port, dport: port, table: path.table });
    return {
      socket,
      close: () => {
        path.edge.rules.delete(rule);
        socket.close();
      },
    };
  }

  /** Removes the main-table routes of an LB IP that no longer has a listener. */
  unroute(ingressIP: string): void {
    for (const [edge, ips] of this.routed) {
      if (!ips.delete(ingressIP)) continue;
      edge.routes.removeAt(ipv4(ingressIP), 32, (r) => r.proto === LB_ROUTE_PROTO);
    }
  }

  private route(path: NodePath, ingressIP: string): void {
    path.edge.routes.replace({ dst: `${ingressIP}/32`, via: path.nodeIP, dev: path.dev, onlink: true, proto: LB_ROUTE_PROTO });
    let ips = this.routed.get(path.edge);
    if (ips === undefined) this.routed.set(path.edge, (ips = new Set()));
    ips.add(ingressIP);
  }

  private pathTo(node: string): NodePath {
    let path = this.paths.get(node);
    if (path !== undefined) return path;
    const n = this.network.node(node);
    const edge = this.network.edgeOf(node);
    const link = edge.links.find((l) => l.subnet.name === n.eth0.subnet.name)!;
    const table = new RoutingTable(`lb-${node}`, edge.ns);
    table.add({ dst: 'default', via: n.eth0.address, dev: link.dev.name, onlink: true, proto: LB_ROUTE_PROTO });
    path = { edge: edge.ns, table, nodeIP: n.eth0.address, dev: link.dev.name };
    this.paths.set(node, path);
    return path;
  }
}
