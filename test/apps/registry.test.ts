import { expect } from 'chai';
import type { Container } from '../../src/api/types.js';
import { containerArgv, expandVars, containerEnv } from '../../src/apps/env.js';
import { imageDef, imageRepository, planContainer } from '../../src/apps/registry.js';
import { Fabric } from './fabric.js';
import { AGNHOST, exited, makePod, startOn } from './support.js';

describe('apps: registry (image + command/args → program)', () => {
  const cases: [string, Partial<Container>, string | { notEmulated: string }][] = [
    ['agnhost default CMD', { image: AGNHOST }, 'agnhost pause'],
    ['args replace CMD', { image: AGNHOST, args: ['netexec', '--http-port=80'] }, 'agnhost netexec'],
    ['command replaces ENTRYPOINT', { image: AGNHOST, command: ['/agnhost', 'serve-hostname'] }, 'agnhost serve-hostname'],
    ['command + args', { image: AGNHOST, command: ['/agnhost'], args: ['netexec'] }, 'agnhost netexec'],
    ['agnhost-2 symlink', { image: AGNHOST, command: ['/agnhost-2', 'netexec'] }, 'agnhost netexec'],
    ['klog flag before the subcommand', { image: AGNHOST, args: ['--v', '4', 'netexec'] }, 'agnhost netexec'],
    ['older registries', { image: 'k8s.gcr.io/e2e-test-images/agnhost:2.21', args: ['netexec'] }, 'agnhost netexec'],
    ['image by digest', { image: 'registry.k8s.io/e2e-test-images/agnhost@sha256:abc', args: ['pause'] }, 'agnhost pause'],
    ['other agnhost subcommand', { image: AGNHOST, args: ['liveness'] }, { notEmulated: 'agnhost liveness' }],
    ['program not in the image', { image: AGNHOST, command: ['curl', 'x'] }, { notEmulated: 'curl x' }],
    ['pause image', { image: 'registry.k8s.io/pause:3.10' }, 'pause'],
    ['nginx', { image: 'nginx:1.27' }, 'nginx'],
    ['nginx with its CMD written out', { image: 'nginx', command: ['nginx', '-g', 'daemon off;'] }, 'nginx'],
    ['busybox sleep', { image: 'busybox', command: ['sleep', '3600'] }, 'sleep'],
    ['sh -c exec of one command', { image: 'busybox', command: ['sh', '-c', 'exec sleep infinity'] }, 'sleep'],
    ['sh -c agnhost with quotes', { image: AGNHOST, command: ['/bin/sh', '-c', "/agnhost netexec --http-port='8080'"] }, 'agnhost netexec'],
    ['sh -c forever loop', { image: 'alpine:3.20', command: ['sh', '-c', 'while true; do sleep 5; done'] }, 'sh'],
    ['sh -c pipeline', { image: 'busybox', command: ['sh', '-c', 'echo hi | nc -l 80'] }, { notEmulated: 'sh -c "echo hi | nc -l 80"' }],
    ['tail -f', { image: 'ubuntu', command: ['tail', '-f', '/dev/null'] }, 'tail'],
    ['kemu iperf default', { image: 'kemu.dev/iperf' }, 'iperf -s'],
    ['kemu iperf client', { image: 'kemu.dev/iperf:v1', args: ['-c', '10.0.0.2', '-u'] }, 'iperf -c 10.0.0.2'],
    ['kemu loadgen', { image: 'kemu.dev/loadgen', args: ['--url=http://x/'] }, 'loadgen'],
    ['unknown image', { image: 'example.com/shop/web:1.0' }, { notEmulated: 'example.com/shop/web:1.0' }],
    ['a docker hub image named pause is not the k8s one', { image: 'pause' }, { notEmulated: 'pause' }],
  ];
  for (const [name, container, want] of cases) {
    it(name, () => {
      const { plan } = planContainer({ name: 'c', ...container } as Container, {});
      if (typeof want === 'string') {
        expect(plan.kind).to.equal('run');
        expect(plan.kind === 'run' && plan.program).to.equal(want);
      } else expect(plan).to.deep.equal({ kind: 'not-emulated', what: want.notEmulated });
    });
  }

  it('repositories are normalized like containerd does', () => {
    expect(imageRepository('busybox')).to.equal('docker.io/library/busybox');
    expect(imageRepository('nginxinc/nginx-unprivileged:1.27')).to.equal('docker.io/nginxinc/nginx-unprivileged');
    expect(imageRepository('localhost:5000/app:1')).to.equal('localhost:5000/app');
    expect(imageDef('nginxinc/nginx-unprivileged')?.httpPort).to.equal(8080);
  });

  const argvCases: [string, { entrypoint: string[]; cmd: string[] }, Partial<Container>, string[]][] = [
    ['image defaults', { entrypoint: ['/e'], cmd: ['c1', 'c2'] }, {}, ['/e', 'c1', 'c2']],
    ['args only', { entrypoint: ['/e'], cmd: ['c'] }, { args: ['a'] }, ['/e', 'a']],
    ['command only drops CMD', { entrypoint: ['/e'], cmd: ['c'] }, { command: ['/x'] }, ['/x']],
    ['command and args', { entrypoint: ['/e'], cmd: ['c'] }, { command: ['/x'], args: ['a'] }, ['/x', 'a']],
    ['empty lists count as unset', { entrypoint: ['/e'], cmd: ['c'] }, { command: [], args: [] }, ['/e', 'c']],
    ['$(VAR) in args', { entrypoint: ['/e'], cmd: [] }, { args: ['--host=$(POD_IP)', '$$(POD_IP)', '$(NOPE)'] }, ['/e', '--host=10.1.2.3', '$(POD_IP)', '$(NOPE)']],
  ];
  for (const [name, img, container, want] of argvCases) {
    it(`argv: ${name}`, () => {
      expect(containerArgv(img, { name: 'c', ...container } as Container, { POD_IP: '10.1.2.3' })).to.deep.equal(want);
    });
  }

  it('expandVars follows Kubernetes\' expansion rules', () => {
    const env = { A: 'x', B: '$(A)' };
    expect(expandVars('$(A)-$(B)-$$(A)-$(C)-$A-$(A', env)).to.equal('x-$(A)-$(A)-$(C)-$A-$(A');
  });

  it('env: values, references to earlier vars, fieldRefs, HOSTNAME', () => {
    const pod = makePod('web-0', [{
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'URL', value: 'http://$(POD_IP):80' },
        { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      ],
    }], { nodeName: 'w1' });
    const env = containerEnv(pod, pod.spec.containers[0]!, '10.244.1.9');
    expect(env).to.include({ POD_IP: '10.244.1.9', NS: 'default', URL: 'http://10.244.1.9:80', HOSTNAME: 'web-0' });
    expect(env).to.not.have.property('SECRET');
  });

  it('an unknown image runs as pause with an ImageNotEmulated warning', () => {
    const s = startOn(new Fabric(), '10.0.0.2', { image: 'example.com/shop/web:1.0', ports: [{ containerPort: 80 }] });
    expect([s.emulated, s.program]).to.deep.equal([false, 'pause']);
    expect(s.warnings).to.deep.equal([{ reason: 'ImageNotEmulated', message: 'example.com/shop/web:1.0 is not emulated by kemu; running as pause' }]);
    const sub = startOn(new Fabric(), '10.0.0.2', { image: AGNHOST, args: ['liveness'] });
    expect(sub.warnings[0]!.message).to.equal(`${AGNHOST}: command "agnhost liveness" is not emulated by kemu; running as pause`);
    s.workload.kill();
    sub.workload.kill();
  });

  it('a usage error prints cobra\'s error and exits (agnhost exits 0 even then)', async () => {
    const s = startOn(new Fabric(), '10.0.0.2', { image: AGNHOST, args: ['netexec', '--htp-port=80'] });
    expect(await exited(s.workload)).to.equal(0);
    expect(s.logs[0]).to.equal('Error: unknown flag: --htp-port');
    const extra = startOn(new Fabric(), '10.0.0.2', { image: AGNHOST, args: ['netexec', 'extra'] });
    await exited(extra.workload);
    expect(extra.logs[0]).to.equal('Error: accepts at most 0 arg(s), received 1');
  });

  it('a port already taken is log.Fatal (exit 1)', async () => {
    const fabric = new Fabric();
    const first = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['netexec'] });
    const second = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['netexec', '--udp-port=9999'] });
    expect(await exited(second.workload)).to.equal(1);
    expect(second.logs.at(-1)).to.match(/listen tcp :8080: bind: address already in use$/);
    first.workload.kill();
  });
});
