/** Public API of kemu's pure packet codecs. */
export * from './errors.js';
export * from './bytes.js';
export * from './checksum.js';
export * from './addr.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './ipv4-fragment.js';
export * from './ipv4-reassembly.js';
export * from './icmp.js';
export * from './udp.js';
export * from './tcp.js';
export * from './vxlan.js';
export * from './packet.js';
export * from './pcap.js';
