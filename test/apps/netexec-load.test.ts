import { expect } from 'chai';
import { Fabric, settle } from './fabric.js';
import { AGNHOST, request, startOn } from './support.js';

describe('apps: netexec under 1,000 concurrent connections', () => {
  it('answers every one of them, each on its own connection', async () => {
    const fabric = new Fabric();
    const server = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['netexec'] }, { podName: 'busy' });
    const clients = Array.from({ length: 10 }, (_, i) => fabric.host(`10.0.1.${i + 1}`));
    try {
      const t0 = performance.now();
      const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => request(clients[i % 10]!, '10.0.0.2', 8080, `/echo?msg=r${i}`)));
      const ms = performance.now() - t0;
      expect(replies.every((r, i) => r.status === 200 && r.body === `r${i}`)).to.equal(true);
      expect(fabric.stats.connections).to.equal(1000);
      expect(fabric.stats.refused).to.equal(0);
      await settle();
      expect(fabric.openSockets, 'connections left open').to.equal(0);
      expect(fabric.stats.resets).to.equal(0);
      // eslint-disable-next-line no-console
      console.log(`      1000 concurrent GETs answered in ${ms.toFixed(0)} ms`);
    } finally {
      server.workload.kill();
    }
  });
});
