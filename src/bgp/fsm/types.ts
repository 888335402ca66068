/** States, events, configuration and hooks of the RFC 4271 §8 FSM. */
import type {
  BgpError, Capability, DecodedUpdate, NotificationMessage, OpenMessage, RouteRefreshMessage,
} from '../codec/index.js';
import type { Transport } from './transport.js';

export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** RFC 4271 §8.1 events kemu implements (numbers in comments), plus ROUTE-REFRESH receipt. */
export type FsmEvent =
  | { type: 'ManualStart' } // 1
  | { type: 'ManualStop'; subcode?: number } // 2; Cease subcode, Administrative Shutdown by default
  | { type: 'AutomaticStart' } // 3
  | { type: 'ManualStart_with_PassiveTcpEstablishment' } // 4
  | { type: 'AutomaticStart_with_PassiveTcpEstablishment' } // 5
  | { type: 'ConnectRetryTimer_Expires' } // 9
  | { type: 'HoldTimer_Expires' } // 10
  | { type: 'KeepaliveTimer_Expires' } // 11
  | { type: 'Tcp_CR_Acked'; transport: Transport } // 16: our connection attempt succeeded
  | { type: 'TcpConnectionConfirmed'; transport: Transport } // 17: we accepted the peer's connection
  | { type: 'TcpConnectionFails'; error?: Error } // 18
  | { type: 'BGPOpen'; open: OpenMessage } // 19
  | { type: 'BGPHeaderErr'; error: BgpError } // 21
  | { type: 'BGPOpenMsgErr'; error: BgpError } // 22
  | { type: 'OpenCollisionDump' } // 23
  | { type: 'NotifMsgVerErr'; notification: NotificationMessage } // 24
  | { type: 'NotifMsg'; notification: NotificationMessage } // 25
  | { type: 'KeepAliveMsg' } // 26
  | { type: 'UpdateMsg'; update: DecodedUpdate } // 27
  | { type: 'UpdateMsgErr'; error: BgpError } // 28
  | { type: 'RouteRefreshMsg'; refresh: RouteRefreshMessage }; // RFC 2918

export interface FsmConfig {
  localAs: number;
  /** Our BGP Identifier (calico: the node's IPv4 address). */
  localId: number;
  peerAs: number;
  peerAddress: string;
  /** Default 179. */
  peerPort?: number;
  /** Source address for outgoing connections. */
  localAddress?: string;
  /** Seconds we propose; 0 or >= 3. Calico/BIRD: 240. */
  holdTime?: number;
  /** Seconds between KEEPALIVEs; default one third of the negotiated hold time (BIRD: 80 for 240). */
  keepaliveTime?: number;
  /** ConnectRetryTimer, ms. Calico's BIRD template: "connect retry time 5". */
  connectRetryMs?: number;
  /** The "large value" the HoldTimer gets while waiting for the OPEN (RFC 4271 §8.2.2 suggests 4 minutes). */
  openHoldMs?: number;
  /** Never initiate: wait for the peer to connect (calico makes one side of each mesh pair passive). */
  passive?: boolean;
  /** What we advertise; default: IPv4 unicast, route refresh, 4-octet AS. */
  capabilities?: Capability[];
  /** Capabilities the peer must advertise (else Unsupported Capability). */
  requiredCapabilities?: Capability[];
  /** RFC 7606 (default) or plain RFC 4271 UPDATE error handling. */
  revisedErrorHandling?: boolean;
}

/** What the two OPENs settled, handed over on Established. */
export interface Session {
  peerOpen: OpenMessage;
  /** Negotiated hold time in seconds (0: no KEEPALIVEs, no hold timer). */
  holdTime: number;
  keepaliveMs: number;
  /** Both sides speak 4-octet AS (RFC 6793). */
  as4: boolean;
  /** The peer accepts ROUTE-REFRESH (RFC 2918). */
  routeRefresh: boolean;
  /** IPv4 unicast is exchanged (implicitly when the peer lists no multiprotocol capability). */
  ipv4Unicast: boolean;
  localAddress: string;
  remoteAddress: string;
}

export interface FsmHooks {
  stateChange?(from: FsmState, to: FsmState, event: FsmEvent['type']): void;
  established?(session: Session): void;
  update?(update: DecodedUpdate): void;
  routeRefresh?(refresh: RouteRefreshMessage): void;
  /** Left Established: the RIB must drop the peer's routes. */
  down?(reason: string): void;
  /**
   * RFC 4271 §6.8 collision detection, asked before an OPEN is accepted: return true to dump this
   * connection (the FSM then sends Cease / Connection Collision Resolution).
   */
  collision?(open: OpenMessage): boolean;
  /** Every NOTIFICATION sent or received, for logs and status. */
  notification?(direction: 'sent' | 'received', n: NotificationMessage): void;
}

export const DEFAULTS = {
  peerPort: 179,
  holdTime: 240,
  connectRetryMs: 5_000,
  openHoldMs: 240_000,
} as const;
