import { expect } from 'chai';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { KubeObject } from '../../../src/api/types.js';
import { deepFreeze, obj } from './fixtures.js';

const pod = (spec: Record<string, unknown>): KubeObject => obj('v1', 'Pod', 'web', { spec });

describe('defaults: Pod', () => {
  it('fills the PodSpec, container, port and probe defaults of a minimal pod', () => {
    const out = applyDefaults(
      pod({
        containers: [
          {
            name: 'netexec',
            image: 'registry.k8s.io/e2e-test-images/agnhost:2.47',
            ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 8081, protocol: 'UDP' }],
            readinessProbe: { httpGet: { port: 8080 } },
            livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
            startupProbe: { grpc: { port: 9000 } },
          },
        ],
      }),
    );
    expect(out.spec).to.deep.equal({
      containers: [
        {
          name: 'netexec',
          image: 'registry.k8s.io/e2e-test-images/agnhost:2.47',
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          resources: {},
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { containerPort: 8081, protocol: 'UDP' },
          ],
          readinessProbe: { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          livenessProbe: { tcpSocket: { port: 8080 }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
          startupProbe: { grpc: { port: 9000, service: '' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    });
  });

  it('keeps explicit values, including zero where zero is meaningful', () => {
    const out = applyDefaults(
      pod({
        containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never' }],
        restartPolicy: 'Never',
        dnsPolicy: 'Default',
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        schedulerName: 'my-scheduler',
        securityContext: { runAsUser: 1000 },
      }),
    );
    expect(out.spec).to.include({ restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 0, enableServiceLinks: false, schedulerName: 'my-scheduler' });
    expect(out.spec.securityContext).to.deep.equal({ runAsUser: 1000 });
    expect(out.spec.containers[0].imagePullPolicy).to.equal('Never');
  });

  it('defaults init and ephemeral containers too', () => {
    const out = applyDefaults(
      pod({ containers: [{ name: 'c', image: 'nginx:1.27' }], initContainers: [{ name: 'init', image: 'busybox' }], ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36' }] }),
    );
    expect(out.spec.initContainers[0]).to.include({ imagePullPolicy: 'Always', terminationMessagePolicy: 'File' });
    expect(out.spec.ephemeralContainers[0]).to.include({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' });
  });

  it('gives a pod (not a template) requests from limits and host ports on the host network', () => {
    const out = applyDefaults(
      pod({
        hostNetwork: true,
        containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } } }],
      }),
    );
    expect(out.spec.containers[0].resources).to.deep.equal({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(out.spec.containers[0].ports).to.deep.equal([{ containerPort: 80, protocol: 'TCP', hostPort: 80 }]);
  });

  it('defaults volumes, downward-API field references and lifecycle hooks', () => {
    const out = applyDefaults(
      pod({
        containers: [
          {
            name: 'c',
            image: 'nginx',
            env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, { name: 'X', value: '1' }],
            lifecycle: { preStop: { httpGet: { port: 80, path: '/quit' } } },
          },
        ],
        volumes: [
          { name: 'scratch' },
          { name: 'cfg', configMap: { name: 'cfg' } },
          { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
          { name: 'host', hostPath: { path: '/var/run' } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        ],
      }),
    );
    const c = out.spec.containers[0];
    expect(c.env).to.deep.equal([{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP', apiVersion: 'v1' } } }, { name: 'X', value: '1' }]);
    expect(c.lifecycle.preStop.httpGet).to.deep.equal({ port: 80, path: '/quit', scheme: 'HTTP' });
    expect(out.spec.volumes).to.deep.equal([
      { name: 'scratch', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
      { name: 'host', hostPath: { path: '/var/run', type: '' } },
      { name: 'info', downwardAPI: { defaultMode: 420, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }] } },
      { name: 'token', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
    ]);
  });

  it('returns a new object, leaves a frozen input alone, and is idempotent', () => {
    const input = deepFreeze(pod({ containers: [{ name: 'c', image: 'nginx' }] }));
    const once = applyDefaults(input);
    expect(once).to.not.equal(input);
    expect(input.spec).to.deep.equal({ containers: [{ name: 'c', image: 'nginx' }] });
    expect(applyDefaults(deepFreeze(structuredClone(once)))).to.deep.equal(once);
  });

  it('creates a missing spec rather than failing', () => {
    const bare: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
    const out = applyDefaults(bare);
    expect(out.spec).to.include({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' });
  });
});
