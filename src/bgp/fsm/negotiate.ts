/** What two OPENs settle (RFC 4271 §4.2 hold time, RFC 5492 capabilities): pure, so the FSM stays small. */
import { AFI_IPV4, type Capability, type OpenMessage, SAFI_UNICAST, myAsField } from '../codec/index.js';
import type { FsmConfig, Session } from './types.js';
import { DEFAULTS } from './types.js';

export function defaultCapabilities(localAs: number): Capability[] {
  return [
    { type: 'multiprotocol', afi: AFI_IPV4, safi: SAFI_UNICAST },
    { type: 'route-refresh' },
    { type: 'four-octet-as', asn: localAs },
  ];
}

export function ourOpen(config: FsmConfig): OpenMessage {
  return {
    version: 4, myAs: myAsField(config.localAs), holdTime: config.holdTime ?? DEFAULTS.holdTime, bgpId: config.localId,
    capabilities: config.capabilities ?? defaultCapabilities(config.localAs),
  };
}

/**
 * Hold time is the smaller of the two proposals; KEEPALIVEs go every third of it (or the configured
 * keepalive time when shorter), none at all when it is 0.
 */
export function negotiate(ours: OpenMessage, peer: OpenMessage, config: FsmConfig): Omit<Session, 'localAddress' | 'remoteAddress'> {
  const holdTime = Math.min(ours.holdTime, peer.holdTime);
  const third = Math.floor((holdTime * 1000) / 3);
  const keepaliveMs = holdTime === 0 ? 0 : Math.min(third, config.keepaliveTime !== undefined ? config.keepaliveTime * 1000 : third);
  const has = (caps: Capability[], type: Capability['type']): boolean => caps.some((c) => c.type === type);
  const mp = peer.capabilities.filter((c) => c.type === 'multiprotocol');
  return {
    peerOpen: peer,
    holdTime,
    keepaliveMs,
    as4: has(ours.capabilities, 'four-octet-as') && has(peer.capabilities, 'four-octet-as'),
    routeRefresh: has(peer.capabilities, 'route-refresh') || has(peer.capabilities, 'enhanced-route-refresh'),
    ipv4Unicast: mp.length === 0 || mp.some((c) => c.type === 'multiprotocol' && c.afi === AFI_IPV4 && c.safi === SAFI_UNICAST),
  };
}
