import { expect } from 'chai';
import { Fabric } from './fabric.js';
import { exited, startOn } from './support.js';
import type { IperfServer } from '../../src/apps/kemu/iperf-server.js';
import type { IperfClient } from '../../src/apps/kemu/iperf-client.js';

const IPERF = 'kemu.dev/iperf:latest';

describe('apps: kemu.dev/iperf', () => {
  let fabric: Fabric;
  let server: ReturnType<typeof startOn<IperfServer>>;
  beforeEach(() => {
    fabric = new Fabric();
    server = startOn<IperfServer>(fabric, '10.0.0.2', { image: IPERF });
  });
  afterEach(() => server.workload.kill());

  it('the image runs the server by default on 5201 TCP and UDP', () => {
    expect(server.program).to.equal('iperf -s');
    expect([...server.workload.listening].sort()).to.deep.equal(['5201/TCP', '5201/UDP']);
  });

  it('TCP -n: the sink counts exactly the bytes sent and the client reports its goodput', async () => {
    const client = startOn<IperfClient>(fabric, '10.0.0.1', { image: IPERF, args: ['-c', '10.0.0.2', '-n', '20M', '-l', '64K'] });
    expect(await exited(client.workload, 10_000)).to.equal(0);
    const r = client.workload.result!;
    expect(r.sentBytes).to.equal(20 * 1024 * 1024);
    expect(r.receivedBytes).to.equal(20 * 1024 * 1024);
    expect(server.workload.tcpResults.map((t) => t.bytes)).to.deep.equal([20 * 1024 * 1024]);
    expect(r.bitsPerSecond).to.be.greaterThan(0);
    expect(client.logs.at(-1)).to.equal('iperf Done.');
    expect(client.logs.some((l) => /^\[  5\]\s+0\.00-\d+\.\d\d\s+sec\s+20\.0 MBytes\s+[\d.]+ [KMG]bits\/sec\s+receiver$/.test(l))).to.equal(true);
    // eslint-disable-next-line no-console
    console.log(`      TCP over the test fabric: ${(r.bitsPerSecond / 1e9).toFixed(2)} Gbit/s (${r.seconds.toFixed(3)} s for 20 MiB)`);
  });

  it('TCP -t: sends for the given time (real clock) and the counts agree', async () => {
    const client = startOn<IperfClient>(fabric, '10.0.0.1', { image: IPERF, args: ['-c', '10.0.0.2', '-t', '0.2', '-i', '0.1'] });
    expect(await exited(client.workload, 5000)).to.equal(0);
    const r = client.workload.result!;
    expect(r.seconds).to.be.within(0.19, 2);
    expect(r.receivedBytes).to.equal(r.sentBytes);
    expect(r.sentBytes).to.be.greaterThan(0);
  });

  it('UDP: paced datagrams, loss counted by the server and reported to the client', async () => {
    fabric.dropEveryNthDatagram = 10;
    const client = startOn<IperfClient>(fabric, '10.0.0.1', { image: IPERF, args: ['-c', '10.0.0.2', '-u', '-b', '20M', '-t', '0.25', '-l', '1000'] });
    expect(await exited(client.workload, 5000)).to.equal(0);
    const u = client.workload.result!.udp!;
    expect(u.sent).to.be.greaterThan(100);
    expect(u.received + u.lost).to.equal(u.sent);
    expect(u.lost).to.be.within(Math.floor(u.sent / 10) - 2, Math.ceil(u.sent / 10) + 2);
    expect(u.bytes).to.equal(u.received * 1000);
    expect(server.workload.udpResults).to.have.length(1);
  });

  it('a refused connection is iperf3\'s error and exit 1', async () => {
    const client = startOn(fabric, '10.0.0.1', { image: IPERF, args: ['-c', '10.0.0.2', '-p', '6000'] });
    expect(await exited(client.workload)).to.equal(1);
    expect(client.logs.at(-1)).to.equal('iperf3: error - unable to connect to server: Connection refused');
  });

  it('bad flags are a parameter error', async () => {
    const client = startOn(fabric, '10.0.0.1', { image: IPERF, args: ['-s', '-c', 'x'] });
    expect(await exited(client.workload)).to.equal(1);
    expect(client.logs[0]).to.equal('iperf3: parameter error - cannot be both server and client');
  });
});
