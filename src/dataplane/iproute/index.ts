/** iproute2-style views of a namespace: `ip link`, `ip addr`, `ip route`, `ip rule`, `ip neigh`, `bridge fdb`. */
export { type LinkFormatOptions, formatAddresses, formatLink, formatLinks } from './link.js';
export { formatBridgeFdb, formatNeighbours, formatRoutes, formatRules } from './tables.js';
