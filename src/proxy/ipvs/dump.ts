/**
 * `ipvsadm` views of an IpvsTable, in ipvsadm's own layout (numeric, as with -n): the virtual server
 * table (-Ln), the connection table (-Lnc) and the timeouts (-L --timeout). Services are sorted by
 * protocol, address and port (the kernel lists them in hash order); real servers keep their order.
 */
import { formatIpv4 } from '../../net/index.js';
import { type IpvsConn, type IpvsTable, type VirtualServer, endpointText } from './model.js';

const pad = (s: string | number, n: number): string => String(s).padEnd(n);

function byAddress(a: VirtualServer, b: VirtualServer): number {
  return a.protocol.localeCompare(b.protocol) || a.address - b.address || a.port - b.port;
}

/** `ipvsadm -Ln`. */
export function ipvsadmList(table: IpvsTable): string {
  const out = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const svc of table.listServices().sort(byAddress)) {
    out.push(`${svc.protocol}  ${endpointText(svc.address, svc.port)} ${svc.scheduler.name}${svc.persistent ? ` persistent ${svc.timeout}` : ''}`);
    for (const d of svc.dests) {
      out.push(`  -> ${pad(endpointText(d.address, d.port), 28)} ${pad('Masq', 7)} ${pad(d.weight, 6)} ${pad(d.activeConns, 10)} ${pad(d.inactConns, 10)}`.trimEnd());
    }
  }
  return `${out.join('\n')}\n`;
}

function expiresText(c: IpvsConn, now: number): string {
  const secs = Math.max(0, Math.ceil((c.expires - now) / 1000));
  return `${String(Math.floor(secs / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
}

/** `ipvsadm -Lnc`: templates (port 0, state NONE) and connections. */
export function ipvsadmConnections(table: IpvsTable, now: number): string {
  const out = ['IPVS connection entries', 'pro expire state       source             virtual            destination'];
  for (const c of table.connections(now)) {
    out.push(`${pad(c.protocol, 3)} ${expiresText(c, now)}  ${pad(c.state, 11)} ${pad(`${formatIpv4(c.caddr)}:${c.cport}`, 18)} ${pad(endpointText(c.vaddr, c.vport), 18)} ${endpointText(c.daddr, c.dport)}`);
  }
  return `${out.join('\n')}\n`;
}

/** `ipvsadm -L --timeout`. */
export function ipvsadmTimeouts(table: IpvsTable): string {
  const t = table.timeouts;
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpfin} ${t.udp}\n`;
}
