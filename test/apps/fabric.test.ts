import { expect } from 'chai';
import { Fabric, settle } from './fabric.js';

describe('apps: the test fabric itself', () => {
  it('holds a writer back until the reader drains (backpressure)', async () => {
    const fabric = new Fabric(undefined, { highWaterMark: 1024 });
    let server: import('node:stream').Duplex | undefined;
    fabric.host('10.0.0.2').listenTcp(80, (s) => {
      server = s;
      s.on('error', () => {}); // the reset at the end of the test
      s.pause();
    });
    const c = fabric.host('10.0.0.1').connectTcp('10.0.0.2', 80);
    await new Promise((resolve) => c.once('connect', resolve));
    let writes = 0;
    while (c.write(Buffer.alloc(512)) && writes < 100) writes++;
    await settle();
    expect(writes).to.be.lessThan(10);
    let drained = false;
    c.once('drain', () => (drained = true));
    await settle();
    expect(drained).to.equal(false);
    let got = 0;
    server!.on('data', (d: Buffer) => (got += d.length));
    server!.resume();
    await settle();
    expect(drained).to.equal(true);
    expect(got).to.equal((writes + 1) * 512);
    c.destroy();
  });

  it('refuses closed ports, resets on destroy, FIN on end', async () => {
    const fabric = new Fabric();
    const refused = fabric.host('10.0.0.1').connectTcp('10.0.0.2', 80);
    fabric.host('10.0.0.2');
    const code = await new Promise((resolve) => refused.once('error', (e: Error & { code?: string }) => resolve(e.code)));
    expect(code).to.equal('ECONNREFUSED');
    let accepted: import('node:stream').Duplex | undefined;
    fabric.host('10.0.0.2').listenTcp(81, (s) => (accepted = s));
    const c = fabric.host('10.0.0.1').connectTcp('10.0.0.2', 81);
    await settle();
    const err = new Promise((resolve) => accepted!.once('error', (e: Error & { code?: string }) => resolve(e.code)));
    c.destroy();
    expect(await err).to.equal('ECONNRESET');
    expect(fabric.stats.resets).to.equal(1);
  });

  it('UDP: delivery with the sender\'s address, ICMP port unreachable to the sender', async () => {
    const fabric = new Fabric();
    const got: string[] = [];
    fabric.host('10.0.0.2').bindUdp(53, (d, from) => got.push(`${Buffer.from(d).toString()} from ${from.address}:${from.port}`));
    const errors: string[] = [];
    const ep = fabric.host('10.0.0.1').bindUdp(0, () => {}, (e) => errors.push(`${e.code} ${e.address}:${e.port}`));
    ep.send(Buffer.from('hi'), 53, '10.0.0.2');
    ep.send(Buffer.from('hi'), 54, '10.0.0.2');
    await settle();
    expect(got).to.deep.equal([`hi from 10.0.0.1:${ep.port}`]);
    expect(errors).to.deep.equal(['ECONNREFUSED 10.0.0.2:54']);
    expect(() => fabric.host('10.0.0.2').bindUdp(53, () => {})).to.throw(/Address already in use/);
  });
});
