import { expect } from 'chai';
import { FakeClock } from '../../src/util/clock.js';
import { WorkQueue } from '../../src/util/workqueue.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('WorkQueue.addSoon: a key added many times in one event-loop turn is queued once', () => {
  it('queues the key when the turn is over, once, and is not idle until then', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    for (let i = 0; i < 5; i++) q.addSoon('a');
    q.addSoon('b');
    expect(q.len()).to.equal(0);
    expect(q.idle()).to.equal(false); // waiting for the end of this turn
    await turn();
    expect(q.len()).to.equal(2);
    const first = (await q.get())!;
    q.addSoon(first); // while it is processed: queued again after done(), as add() does
    await turn();
    q.done(first);
    expect([first, (await q.get())!, (await q.get())!]).to.deep.equal(['a', 'b', 'a']);
  });

  it('drops keys still waiting for the turn to end when shut down', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.addSoon('a');
    q.shutDown();
    await turn();
    expect(q.len()).to.equal(0);
    expect(q.idle()).to.equal(true);
  });
});

describe('WorkQueue: a long queue keeps its order and dedup', () => {
  it('hands out 5,000 keys first in, first out, each once, re-queued when dirty', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    for (let i = 0; i < 5000; i++) q.add(`k${i}`);
    q.add('k0'); // already queued: no duplicate
    expect(q.len()).to.equal(5000);
    const got: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const k = (await q.get())!;
      got.push(k);
      q.done(k);
    }
    q.add('k1'); // processed before: queued again, at the end
    while (q.len() > 0) {
      const k = (await q.get())!;
      got.push(k);
      q.done(k);
    }
    expect(got.slice(0, 3)).to.deep.equal(['k0', 'k1', 'k2']);
    expect(got.length).to.equal(5001);
    expect(got.at(-2)).to.equal('k4999');
    expect(got.at(-1)).to.equal('k1');
    expect(q.idle()).to.equal(true);
  });
});
