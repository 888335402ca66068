/**
 * The BGP FSM of RFC 4271 §8 for one connection to one peer: Idle, Connect, Active, OpenSent,
 * OpenConfirm, Established, driven by the RFC's events with every timer on the injected Clock.
 * Optional RFC machinery left out: DelayOpen, DampPeerOscillations (the PeerSession above restarts
 * an Idle FSM instead), SendNOTIFICATIONwithoutOPEN. Deliberate deviations, as BIRD and GoBGP make
 * them: a failed connection attempt goes to Active and retries on the ConnectRetryTimer (the RFC's
 * DelayOpen branch) rather than to Idle, and a NOTIFICATION is never answered with a NOTIFICATION.
 */
import {
  CeaseSubcode, type CodecContext, ErrorCode, FsmSubcode, Framer, type NotificationMessage, type OpenMessage, checkOpen,
  encodeKeepalive, encodeNotification, encodeOpen, encodeRouteRefresh, notificationFor,
} from '../codec/index.js';
import { describeNotification, toEvent } from './events.js';
import type { Clock } from '../../util/clock.js';
import { FsmTimers, type TimerName } from './timers.js';
import { negotiate, ourOpen } from './negotiate.js';
import type { Connector, PendingConnect, Transport } from './transport.js';
import { DEFAULTS, type FsmConfig, type FsmEvent, type FsmHooks, type FsmState, type Session } from './types.js';

const TIMER_EVENT = { connectRetry: 'ConnectRetryTimer_Expires', hold: 'HoldTimer_Expires', keepalive: 'KeepaliveTimer_Expires' } as const;
const UNEXPECTED: Partial<Record<FsmState, number>> = {
  OpenSent: FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT,
  OpenConfirm: FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM,
  Established: FsmSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED,
};

export class BgpFsm {
  state: FsmState = 'Idle';
  connectRetryCounter = 0;
  /** Why the FSM last went to Idle, e.g. "Hold Timer Expired" (birdc's "Error:"/"Received:" info). */
  lastError: string | undefined;
  session: Session | undefined;
  /** The peer's OPEN once received (collision detection compares its BGP Identifier). */
  peerOpen: OpenMessage | undefined;
  /** True when our connection attempt made the connection (collision resolution needs the direction). */
  outbound = false;
  private conn: Transport | undefined;
  private pending: PendingConnect | undefined;
  private framer = new Framer();
  private ctx: CodecContext;
  private readonly timers: FsmTimers;

  constructor(
    readonly config: FsmConfig,
    clock: Clock,
    private readonly connector: Connector,
    private readonly hooks: FsmHooks = {},
  ) {
    this.ctx = { as4: true, revisedErrorHandling: config.revisedErrorHandling ?? true };
    this.timers = new FsmTimers(clock, (name) => this.handle({ type: TIMER_EVENT[name] }));
  }

  get transport(): Transport | undefined {
    return this.conn;
  }

  handle(ev: FsmEvent): void {
    switch (this.state) {
      case 'Idle': return this.idle(ev);
      case 'Connect': return this.connecting(ev);
      case 'Active': return this.active(ev);
      case 'OpenSent': return this.openSent(ev);
      case 'OpenConfirm': return this.openConfirm(ev);
      case 'Established': return this.established(ev);
    }
  }

  /** Sends encoded messages (UPDATEs, ROUTE-REFRESH) on an Established session. */
  send(messages: readonly Uint8Array[]): void {
    if (this.state !== 'Established' || !this.conn) return;
    for (const m of messages) this.conn.write(m);
    // RFC 4271 §8.2.2: each KEEPALIVE or UPDATE sent restarts the KeepaliveTimer.
    if (messages.length > 0) this.restartKeepalive();
  }

  requestRefresh(): void {
    this.send([encodeRouteRefresh({ afi: 1, subtype: 0, safi: 1 })]);
  }

  private idle(ev: FsmEvent): void {
    switch (ev.type) {
      case 'ManualStart':
      case 'AutomaticStart':
        if (ev.type === 'ManualStart') this.connectRetryCounter = 0;
        if (this.config.passive) return this.goActive(ev.type);
        this.timers.start('connectRetry', this.connectRetryMs());
        this.initiate();
        return this.setState('Connect', ev.type);
      case 'ManualStart_with_PassiveTcpEstablishment':
      case 'AutomaticStart_with_PassiveTcpEstablishment':
        return this.goActive(ev.type);
      case 'TcpConnectionConfirmed':
      case 'Tcp_CR_Acked':
        ev.transport.close(); // Idle refuses connections (RFC 4271 §8.2.2)
        return;
      default:
        return; // every other event is ignored in Idle
    }
  }

  private connecting(ev: FsmEvent): void {
    switch (ev.type) {
      case 'ManualStop': return this.toIdle(ev.type, 'stopped', undefined, 'reset');
      case 'ConnectRetryTimer_Expires':
        this.timers.start('connectRetry', this.connectRetryMs());
        this.initiate();
        return;
      case 'Tcp_CR_Acked':
      case 'TcpConnectionConfirmed': return this.openConnection(ev.type, ev.transport);
      case 'TcpConnectionFails':
        this.lastError = `Socket: ${ev.error?.message ?? 'connection failed'}`;
        this.pending = undefined;
        this.timers.start('connectRetry', this.connectRetryMs());
        return this.setState('Active', ev.type);
      default: return;
    }
  }

  private active(ev: FsmEvent): void {
    switch (ev.type) {
      case 'ManualStop': return this.toIdle(ev.type, 'stopped', undefined, 'reset');
      case 'ConnectRetryTimer_Expires':
        if (this.config.passive) return;
        this.timers.start('connectRetry', this.connectRetryMs());
        this.initiate();
        return this.setState('Connect', ev.type);
      case 'Tcp_CR_Acked':
      case 'TcpConnectionConfirmed': return this.openConnection(ev.type, ev.transport);
      default: return;
    }
  }

  private openSent(ev: FsmEvent): void {
    switch (ev.type) {
      case 'BGPOpen': {
        const error = checkOpen(ev.open, {
          peerAs: this.config.peerAs, localAs: this.config.localAs, localBgpId: this.config.localId,
          required: this.config.requiredCapabilities ?? [],
        });
        if (error) return this.toIdle('BGPOpenMsgErr', error.reason, notificationFor(error));
        if (this.hooks.collision?.(ev.open)) return this.openSent({ type: 'OpenCollisionDump' });
        this.peerOpen = ev.open;
        const n = negotiate(ourOpen(this.config), ev.open, this.config);
        this.session = { ...n, localAddress: this.conn!.localAddress, remoteAddress: this.conn!.remoteAddress };
        this.ctx = { ...this.ctx, as4: n.as4 };
        this.timers.stop('connectRetry');
        this.conn!.write(encodeKeepalive());
        if (n.holdTime > 0) {
          this.timers.start('hold', n.holdTime * 1000);
          this.timers.start('keepalive', n.keepaliveMs);
        } else this.timers.stop('hold');
        return this.setState('OpenConfirm', ev.type);
      }
      case 'TcpConnectionFails':
        // RFC 4271 §8.2.2 OpenSent: close, restart the ConnectRetryTimer, continue to listen: Active.
        this.release(`Socket: ${ev.error?.message ?? 'connection closed'}`);
        if (!this.config.passive) this.timers.start('connectRetry', this.connectRetryMs());
        return this.setState('Active', ev.type);
      default: return this.common(ev);
    }
  }

  private openConfirm(ev: FsmEvent): void {
    if (ev.type === 'KeepAliveMsg') {
      this.restartHold();
      this.setState('Established', ev.type);
      this.hooks.established?.(this.session!);
      return;
    }
    return this.common(ev);
  }

  private established(ev: FsmEvent): void {
    switch (ev.type) {
      case 'KeepAliveMsg': return this.restartHold();
      case 'UpdateMsg':
        this.restartHold();
        return this.hooks.update?.(ev.update);
      case 'RouteRefreshMsg':
        this.restartHold();
        return this.hooks.routeRefresh?.(ev.refresh);
      case 'UpdateMsgErr': return this.toIdle(ev.type, ev.error.reason, notificationFor(ev.error));
      default: return this.common(ev);
    }
  }

  /** Events handled alike in OpenSent, OpenConfirm and Established. */
  private common(ev: FsmEvent): void {
    switch (ev.type) {
      case 'ManualStart':
      case 'AutomaticStart':
      case 'ManualStart_with_PassiveTcpEstablishment':
      case 'AutomaticStart_with_PassiveTcpEstablishment':
        return; // ignored once started
      case 'Tcp_CR_Acked':
      case 'TcpConnectionConfirmed':
        ev.transport.close(); // a second connection is the PeerSession's business, never this FSM's
        return;
      case 'ManualStop': {
        const subcode = ev.subcode ?? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN;
        return this.toIdle(ev.type, 'stopped', { code: ErrorCode.CEASE, subcode, data: new Uint8Array(0) }, 'reset');
      }
      case 'HoldTimer_Expires':
        return this.toIdle(ev.type, 'Hold timer expired', { code: ErrorCode.HOLD_TIMER_EXPIRED, subcode: 0, data: new Uint8Array(0) });
      case 'KeepaliveTimer_Expires':
        if (this.state === 'OpenSent') break;
        this.conn!.write(encodeKeepalive());
        return this.restartKeepalive();
      case 'TcpConnectionFails': return this.toIdle(ev.type, `Socket: ${ev.error?.message ?? 'connection closed'}`);
      case 'NotifMsgVerErr': return this.toIdle(ev.type, `Received: ${describeNotification(ev.notification)}`, undefined, 'keep');
      case 'NotifMsg': return this.toIdle(ev.type, `Received: ${describeNotification(ev.notification)}`);
      case 'BGPHeaderErr':
      case 'BGPOpenMsgErr':
        return this.toIdle(ev.type, ev.error.reason, notificationFor(ev.error));
      case 'OpenCollisionDump':
        return this.toIdle(ev.type, 'Connection collision', { code: ErrorCode.CEASE, subcode: CeaseSubcode.CONNECTION_COLLISION_RESOLUTION, data: new Uint8Array(0) });
      default: break;
    }
    // Anything else here is out of order: Finite State Machine Error with the RFC 6608 subcode.
    const subcode = UNEXPECTED[this.state] ?? FsmSubcode.UNSPECIFIED;
    this.toIdle(ev.type, `unexpected ${ev.type} in ${this.state}`, { code: ErrorCode.FSM, subcode, data: new Uint8Array(0) });
  }

  private goActive(event: FsmEvent['type']): void {
    if (!this.config.passive) this.timers.start('connectRetry', this.connectRetryMs());
    this.setState('Active', event);
  }

  private initiate(): void {
    this.pending?.cancel();
    const { peerAddress, peerPort, localAddress } = this.config;
    const attempt = this.connector.connect(peerAddress, peerPort ?? DEFAULTS.peerPort, localAddress, {
      connected: (t) => {
        if (this.pending !== attempt) return t.close();
        this.pending = undefined;
        this.handle({ type: 'Tcp_CR_Acked', transport: t });
      },
      failed: (error) => {
        if (this.pending === attempt) this.handle({ type: 'TcpConnectionFails', error });
      },
    });
    this.pending = attempt;
  }

  /** Connect/Active → OpenSent: the connection is up, send our OPEN and wait (RFC: hold timer "large value"). */
  private openConnection(event: FsmEvent['type'], t: Transport): void {
    this.timers.stop('connectRetry');
    this.pending?.cancel();
    this.pending = undefined;
    this.conn = t;
    this.outbound = event === 'Tcp_CR_Acked';
    this.framer = new Framer();
    this.ctx = { ...this.ctx, as4: true };
    t.setHandlers({
      data: (chunk) => this.receive(t, chunk),
      closed: (error) => {
        if (this.conn === t) this.handle(error ? { type: 'TcpConnectionFails', error } : { type: 'TcpConnectionFails' });
      },
    });
    t.write(encodeOpen(ourOpen(this.config)));
    this.timers.start('hold', this.config.openHoldMs ?? DEFAULTS.openHoldMs);
    this.setState('OpenSent', event);
  }

  private receive(t: Transport, chunk: Uint8Array): void {
    if (this.conn !== t) return;
    const { messages, error } = this.framer.push(chunk);
    for (const m of messages) {
      if (this.conn !== t) return; // an earlier message closed the connection
      this.handle(toEvent(m, this.ctx));
    }
    if (error && this.conn === t) this.handle({ type: 'BGPHeaderErr', error });
  }

  /**
   * Back to Idle: send the NOTIFICATION (if any), close, stop timers. `counter`: 'inc' (errors),
   * 'reset' (ManualStop) or 'keep' (version negotiation, RFC 4271 event 24).
   */
  private toIdle(event: FsmEvent['type'], reason: string, notification?: NotificationMessage, counter: 'inc' | 'reset' | 'keep' = 'inc'): void {
    if (notification && this.conn) {
      this.conn.write(encodeNotification(notification));
      this.hooks.notification?.('sent', notification);
      reason = notification.code === ErrorCode.CEASE && event === 'ManualStop' ? reason : `Error: ${describeNotification(notification)}`;
    }
    const wasEstablished = this.state === 'Established';
    this.release(reason);
    this.timers.stop('connectRetry');
    if (counter === 'inc') this.connectRetryCounter++;
    if (counter === 'reset') this.connectRetryCounter = 0;
    this.setState('Idle', event);
    if (wasEstablished) this.hooks.down?.(reason);
  }

  private release(reason: string): void {
    this.lastError = reason;
    this.pending?.cancel();
    this.pending = undefined;
    const t = this.conn;
    this.conn = undefined;
    t?.close();
    this.timers.stop('hold');
    this.timers.stop('keepalive');
    this.session = undefined;
    this.peerOpen = undefined;
  }

  private setState(to: FsmState, event: FsmEvent['type']): void {
    const from = this.state;
    this.state = to;
    if (from !== to) this.hooks.stateChange?.(from, to, event);
  }

  private connectRetryMs(): number {
    return this.config.connectRetryMs ?? DEFAULTS.connectRetryMs;
  }

  private restartHold(): void {
    if (this.session && this.session.holdTime > 0) this.timers.start('hold', this.session.holdTime * 1000);
  }

  private restartKeepalive(): void {
    if (this.session && this.session.keepaliveMs > 0) this.timers.start('keepalive', this.session.keepaliveMs);
  }

  /** Timers running now, for tests and status. */
  runningTimers(): TimerName[] {
    return this.timers.names();
  }
}
