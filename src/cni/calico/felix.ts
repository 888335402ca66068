/**
 * felix inside calico-node, reduced to what routes pods: the tunnel (ipip: tunl0, vxlan:
 * vxlan.calico) with its address from IPAM (handle ipip-tunnel-addr-NODE / vxlan-tunnel-addr-NODE:
 * the first address of the node's first block, as calico-node's allocateip gets it), the Node
 * annotations other nodes read (address/prefix, tunnel address, VTEP MAC), the VXLAN neighbours,
 * FDB and routes in vxlan mode (vxlan-felix.ts), and cali-nat-outgoing.
 */
import type { VxlanDevice } from '../../dataplane/stack/index.js';
import { formatIpv4, formatMac, parseIpv4 } from '../../net/index.js';
import type { CalicoHost } from './agent.js';
import { CALICO_ANNOTATIONS, type CalicoNodeInfo } from './annotations.js';
import { type CalicoNetConfig, podMtuFor, tunnelHandle } from './config.js';
import { ensureIpipDevice, ensureVxlanDevice } from './devices.js';
import type { CalicoIpam } from './ipam.js';
import { ensureCalicoNatRules } from './iptables.js';
import { FELIX_PROTO, RouteProgrammer } from './kernel-routes.js';
import { FelixVxlan } from './vxlan-felix.js';

export interface FelixOptions {
  nodeName: string;
  host: CalicoHost;
  ipam: CalicoIpam;
  config: CalicoNetConfig;
  report: { set(key: string, message: string): void; clear(key: string): void };
  log(line: string): void;
}

export class Felix {
  private tunnel: number | undefined;
  private vtep: VxlanDevice | undefined;
  private vxlan: FelixVxlan | undefined;
  /** The ruleset version our nat rules were last found (or made) right in; -1: never. */
  private rulesCheckedAt = -1;
  private readonly address: number;

  constructor(private readonly o: FelixOptions) {
    const ip = parseIpv4(o.host.eth0.address);
    this.address = ip.ok ? ip.value : 0;
  }

  get mtu(): number {
    return podMtuFor(this.o.config.mode, this.o.host.eth0.dev.mtu);
  }

  get tunnelIp(): number | undefined {
    return this.tunnel;
  }

  /** ipip/vxlan: the tunnel address from IPAM and the device carrying it (idempotent). */
  ensureTunnel(): void {
    const { config, host, ipam, nodeName, report } = this.o;
    const handle = tunnelHandle(config.mode, nodeName);
    if (handle === undefined) return;
    try {
      const ip = parseIpv4(ipam.allocate(nodeName, handle));
      if (!ip.ok) return;
      this.tunnel = ip.value;
      if (config.mode === 'ipip') ensureIpipDevice(host.ns, this.mtu, ip.value);
      else {
        const dev = ensureVxlanDevice(host.ns, this.mtu, ip.value, this.address);
        if (this.vxlan === undefined || this.vtep !== dev) {
          this.vtep = dev;
          const programmer = new RouteProgrammer(host.ns, report, 'felix');
          programmer.adopt((r) => r.proto === FELIX_PROTO); // a restarted felix prunes what is no longer wanted
          this.vxlan = new FelixVxlan(host.ns, dev, host.eth0.dev.name, programmer, config.crossSubnet);
        }
      }
      report.clear('tunnel');
    } catch (err) {
      report.set('tunnel', `failed to set up the ${config.mode} tunnel: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The Node annotations this node must carry (null: must not carry). */
  annotations(): Record<string, string | null> {
    const { mode } = this.o.config;
    const tunnel = this.tunnel === undefined ? null : formatIpv4(this.tunnel);
    return {
      [CALICO_ANNOTATIONS.ipv4Address]: `${this.o.host.eth0.address}/${this.o.host.eth0.prefixLength}`,
      [CALICO_ANNOTATIONS.ipipTunnelAddr]: mode === 'ipip' ? tunnel : null,
      [CALICO_ANNOTATIONS.vxlanTunnelAddr]: mode === 'vxlan' ? tunnel : null,
      [CALICO_ANNOTATIONS.vxlanTunnelMac]: mode === 'vxlan' && this.vtep !== undefined ? formatMac(this.vtep.mac) : null,
    };
  }

  /** vxlan mode: VTEPs and routes from the datastore. */
  apply(self: CalicoNodeInfo, others: CalicoNodeInfo[]): void {
    this.vxlan?.apply(self, others, this.o.ipam);
  }

  ensureRules(): void {
    const { ruleset } = this.o.host.netfilter;
    // Every commit bumps the version: unchanged since our last check means our rules are still there
    // (felix likewise rewrites only on a change or its refresh timer, not on every datastore event).
    if (ruleset.version === this.rulesCheckedAt) return;
    try {
      const changed = ensureCalicoNatRules(ruleset, this.o.config.pool, this.o.config.natOutgoing);
      if (changed > 0) this.o.log(`iptables: ${changed} cali chain(s) or jump(s) (re)written`);
      this.rulesCheckedAt = ruleset.version;
      this.o.report.clear('iptables');
    } catch (err) {
      this.o.report.set('iptables', `failed to program iptables: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
