/** Public API of the Linux-like network stack of a namespace (host or pod). */
export { NetNamespace, type NetNamespaceOptions, type ProtocolHandler } from './namespace.js';
export { NetDevice, LoopbackDevice, DummyDevice, type DeviceKind, type InterfaceAddress } from './device.js';
export { sendStolen } from './ip-output.js';
export { L2Device } from './l2-device.js';
export { EthernetDevice, VethPair, createL2PortPair, type EthernetDeviceOptions } from './ethernet.js';
export { Bridge, type BridgeFdbInfo } from './bridge.js';
export { TunDevice, type TunHandler } from './tun.js';
export { VxlanDevice, type VxlanOptions, type VxlanFdbInfo } from './vxlan.js';
export { IpipDevice } from './ipip.js';
export { RoutingTable, formatRoute, type Route, type RouteSpec, type RouteType, type RouteScope } from './routes.js';
export { NeighbourTable, type NeighbourState, type NeighbourInfo, type NeighbourOptions } from './neighbours.js';
export { UdpSocket, UdpLayer, EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX, type UdpMessageInfo, type UdpSendOptions, type UdpSocketError } from './udp.js';
export { IcmpLayer, errnoFor, type IcmpErrorReport, type EchoReply, type EchoListener } from './icmp.js';
export { ping, describeIcmpError, type PingOptions, type PingResult, type PingReply, type PingError } from './ping.js';
export { DeviceCounters, NamespaceCounters, DropCounters } from './counters.js';
export { parseCidr, toIp, formatCidr, type Cidr } from './cidr.js';
export { randomMac } from './mac.js';
export { backlogStats } from './backlog.js';
