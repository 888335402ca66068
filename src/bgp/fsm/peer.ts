/**
 * One configured peer: the FSM for our side of the peering, a second FSM while a connection the
 * peer opened races ours (RFC 4271 §6.8 collision detection keeps the connection opened by the
 * speaker with the higher BGP Identifier), and the restart after an error that the RFC leaves to
 * "the local system" (BIRD's error wait time: 5 s doubling to 30 s in calico's template).
 */
import { CeaseSubcode, ErrorCode, encodeNotification } from '../codec/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { BgpFsm } from './fsm.js';
import type { Connector, Transport } from './transport.js';
import type { FsmConfig, FsmEvent, FsmHooks, FsmState } from './types.js';

export interface PeerSessionConfig extends FsmConfig {
  /** Restart delay after an error: [first, max] in ms, doubling in between. Default [5000, 30000]. */
  errorWaitMs?: [number, number];
}

export type PeerHooks = Omit<FsmHooks, 'collision'>;

const ORDER: Record<FsmState, number> = { Idle: 0, Connect: 1, Active: 1, OpenSent: 2, OpenConfirm: 3, Established: 4 };

export class PeerSession {
  primary: BgpFsm;
  private incoming: BgpFsm | undefined;
  private stopped = true;
  private restartTimer: TimerHandle | undefined;
  private errorWait: number;
  private shownState: FsmState = 'Idle';
  /** Clock time of the last change of `state` (birdc's "since"). */
  since: number;

  constructor(
    readonly config: PeerSessionConfig,
    private readonly clock: Clock,
    private readonly connector: Connector,
    private readonly hooks: PeerHooks = {},
  ) {
    this.primary = this.makeFsm(config);
    this.errorWait = this.waits()[0];
    this.since = clock.now();
  }

  /** The furthest-along state of the connections to this peer. */
  get state(): FsmState {
    const a = this.primary.state;
    const b = this.incoming?.state ?? 'Idle';
    return ORDER[b] > ORDER[a] ? b : a;
  }

  get lastError(): string | undefined {
    return this.primary.lastError;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** The FSM whose session is Established, if any. */
  get established(): BgpFsm | undefined {
    return [this.primary, this.incoming].find((f) => f?.state === 'Established');
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.primary.handle({ type: this.config.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' });
  }

  /** ManualStop: Cease with `subcode` (Administrative Shutdown; Peer De-configured when removed). */
  stop(subcode: number = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN): void {
    this.stopped = true;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.incoming?.handle({ type: 'ManualStop', subcode });
    this.primary.handle({ type: 'ManualStop', subcode });
  }

  /** A TCP connection the peer opened to us. */
  accept(t: Transport): void {
    const state = this.primary.state;
    if (this.stopped || state === 'Idle') return reject(t, CeaseSubcode.CONNECTION_REJECTED);
    if (state === 'Active') return this.primary.handle({ type: 'TcpConnectionConfirmed', transport: t });
    if (this.established || this.incoming) return reject(t, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION);
    // Our own attempt is under way (Connect) or done: run the peer's connection alongside until an
    // OPEN settles the collision. Dropping our attempt instead (the RFC's Connect-state rule) lets
    // two speakers that dial each other at once each drop the connection the other just took.
    // BIRD likewise keeps an incoming and an outgoing connection per peer.
    const fsm = this.makeFsm({ ...this.config, passive: true });
    this.incoming = fsm;
    fsm.handle({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    fsm.handle({ type: 'TcpConnectionConfirmed', transport: t });
  }

  private makeFsm(config: FsmConfig): BgpFsm {
    const fsm: BgpFsm = new BgpFsm(config, this.clock, this.connector, {
      ...this.hooks,
      stateChange: (_from, to, event) => this.onStateChange(fsm, to, event),
      collision: (open) => this.collision(fsm, open.bgpId),
    });
    return fsm;
  }

  /**
   * Returns true to dump `fsm` (whose OPEN just arrived), or dumps the other connection instead.
   * Both connections lead to the same configured peer address, so its BGP Identifier is known
   * from this OPEN and a connection still in OpenSent is examined too (the RFC's "MAY"): deciding
   * on the first OPEN, the same way on both sides, avoids the race where each side keeps a
   * different connection and both die.
   */
  private collision(fsm: BgpFsm, remoteId: number): boolean {
    const other = fsm === this.primary ? this.incoming : this.primary;
    if (!other || ORDER[other.state] < ORDER.OpenSent) return false;
    if (other.state === 'Established') return true; // RFC 4271 §6.8: the new connection yields
    // Keep the connection opened by the speaker with the higher BGP Identifier.
    const localWins = this.config.localId > remoteId;
    const keepThis = fsm.outbound !== other.outbound ? fsm.outbound === localWins : false;
    if (!keepThis) return true;
    other.handle({ type: 'OpenCollisionDump' });
    return false;
  }

  private onStateChange(fsm: BgpFsm, to: FsmState, event: FsmEvent['type']): void {
    if (fsm === this.primary && to === 'Active' && this.incoming && this.incoming.state !== 'Idle') {
      // Our attempt failed while the peer's connection is alive: let that one carry the session.
      return fsm.handle({ type: 'ManualStop' });
    }
    if (to === 'Idle') {
      if (fsm === this.incoming) this.incoming = undefined;
      else if (fsm === this.primary && this.incoming && this.incoming.state !== 'Idle') {
        this.primary = this.incoming; // the peer's connection won the collision
        this.incoming = undefined;
      }
    }
    if (to === 'Established') this.errorWait = this.waits()[0];
    const shown = this.state;
    if (shown !== this.shownState) {
      this.hooks.stateChange?.(this.shownState, shown, event);
      this.shownState = shown;
      this.since = this.clock.now();
    }
    if (shown === 'Idle' && !this.stopped && !this.restartTimer) this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const [, max] = this.waits();
    const wait = this.errorWait;
    this.errorWait = Math.min(max, wait * 2);
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped || this.state !== 'Idle') return;
      // A connection promoted from the peer's side ran passive; restart with our own configuration.
      if (this.primary.config !== this.config) this.primary = this.makeFsm(this.config);
      this.primary.handle({ type: this.config.passive ? 'AutomaticStart_with_PassiveTcpEstablishment' : 'AutomaticStart' });
    }, wait);
  }

  private waits(): [number, number] {
    return this.config.errorWaitMs ?? [5_000, 30_000];
  }
}

/** Refuses a connection with a Cease NOTIFICATION (RFC 4486 subcodes) and closes it. */
function reject(t: Transport, subcode: number): void {
  t.setHandlers({ data: () => {}, closed: () => {} });
  t.write(encodeNotification({ code: ErrorCode.CEASE, subcode, data: new Uint8Array(0) }));
  t.close();
}
