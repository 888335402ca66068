/** A BgpFsm on a FakeClock with a fake connector, and helpers that walk it to a given state. */
import { expect } from 'chai';
import { type OpenMessage, encodeKeepalive, encodeOpen } from '../../src/bgp/codec/index.js';
import { BgpFsm, type FsmConfig, type FsmHooks, type Session, defaultCapabilities } from '../../src/bgp/fsm/index.js';
import { ipv4 } from '../../src/net/addr.js';
import { FakeClock } from '../../src/util/clock.js';
import { FakeConnector, type FakeTransport } from './fakes.js';

export const AS = 64512;
export const BASE: FsmConfig = { localAs: AS, localId: ipv4('10.0.0.1'), peerAs: AS, peerAddress: '10.0.0.2', connectRetryMs: 5000 };

export function peerOpen(o: Partial<OpenMessage> = {}): Uint8Array {
  return encodeOpen({ version: 4, myAs: AS, holdTime: 90, bgpId: ipv4('10.0.0.2'), capabilities: defaultCapabilities(AS), ...o });
}

export interface Rig {
  fsm: BgpFsm;
  clock: FakeClock;
  connector: FakeConnector;
  log: string[];
  sessions: Session[];
  updates: unknown[];
}

export function rig(config: Partial<FsmConfig> = {}, hooks: FsmHooks = {}): Rig {
  const clock = new FakeClock();
  const connector = new FakeConnector();
  const log: string[] = [];
  const sessions: Session[] = [];
  const updates: unknown[] = [];
  const fsm = new BgpFsm({ ...BASE, ...config }, clock, connector, {
    stateChange: (from, to, ev) => log.push(`${from}->${to} on ${ev}`),
    established: (s) => sessions.push(s),
    update: (u) => updates.push(u),
    down: (reason) => log.push(`down: ${reason}`),
    ...hooks,
  });
  return { fsm, clock, connector, log, sessions, updates };
}

/** Idle → Connect → OpenSent over a fresh outgoing connection. */
export function toOpenSent(r: Rig): FakeTransport {
  r.fsm.handle({ type: 'ManualStart' });
  const t = r.connector.succeed();
  expect(t.sentTypes()).to.deep.equal(['OPEN']);
  return t;
}

export function toOpenConfirm(r: Rig, open = peerOpen()): FakeTransport {
  const t = toOpenSent(r);
  t.deliver(open);
  expect(t.sentTypes()).to.deep.equal(['KEEPALIVE']);
  return t;
}

export function toEstablished(r: Rig, open = peerOpen()): FakeTransport {
  const t = toOpenConfirm(r, open);
  t.deliver(encodeKeepalive());
  expect(r.fsm.state).to.equal('Established');
  return t;
}

