/** The agents' SyncLoop: coalescing bursts of triggers into as few syncs as correctness allows. */
import { expect } from 'chai';
import { SyncLoop } from '../../src/cni/sync-loop.js';

describe('cni: SyncLoop', () => {
  it('runs one sync for a burst of triggers raised in one synchronous stretch', async () => {
    let syncs = 0;
    const loop = new SyncLoop(async () => void syncs++, () => true);
    for (let i = 0; i < 50; i++) loop.kick(); // 50 IPAM block claims, each heard by this agent
    expect(syncs).to.equal(0); // not inside the caller's stack
    await loop.idle;
    expect(syncs).to.equal(1);
  });

  it('a trigger during a sync asks for exactly one more, so no change is missed', async () => {
    let syncs = 0;
    let release: () => void = () => {};
    const loop = new SyncLoop(async () => {
      syncs++;
      if (syncs === 1) await new Promise<void>((r) => (release = r));
    }, () => true);
    loop.kick();
    await new Promise((r) => setImmediate(r));
    loop.kick();
    loop.kick();
    release();
    await loop.idle;
    expect(syncs).to.equal(2);
  });

  it('does not sync once inactive, even if the trigger came before', async () => {
    let syncs = 0;
    let active = true;
    const loop = new SyncLoop(async () => void syncs++, () => active);
    loop.kick();
    active = false;
    await loop.idle;
    expect(syncs).to.equal(0);
  });
});
