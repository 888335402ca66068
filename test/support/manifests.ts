/**
 * Manifest text shared by the running-cluster tests. topologyHeader() is the Topology document; the
 * other builders return a whole document that starts with "---" and ends with a newline, so each one
 * follows the header, another builder's document or a literal document in one topology text.
 */
export const NETEXEC_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.47';

/**
 * The Topology document of a test cluster: `nodes` in order (the first one the control plane; cp, w1
 * and w2 unless told), `networking` as a YAML flow mapping, and timing.speed when `speed` is given.
 */
export function topologyHeader(name: string, opts: { nodes?: string[]; networking?: string; speed?: number } = {}): string {
  const [cp, ...workers] = opts.nodes ?? ['cp', 'w1', 'w2'];
  const nodes = [`{name: ${cp}, role: control-plane}`, ...workers.map((w) => `{name: ${w}}`)].join(', ');
  return `apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: ${name}}
spec:
${opts.networking === undefined ? '' : `  networking: ${opts.networking}\n`}  nodes: [${nodes}]
${opts.speed === undefined ? '' : `  timing: {speed: ${opts.speed}}\n`}`;
}

/** netexec's default container ports: http (8080) and udp (8081/UDP). */
const NETEXEC_PORTS = '[{name: http, containerPort: 8080}, {name: udp, containerPort: 8081, protocol: UDP}]';

/**
 * A Deployment of agnhost netexec pods labelled app=NAME. Unless told: args [netexec, --http-port=8080,
 * --udp-port=8081] and NETEXEC_PORTS (`args` and `ports` are YAML flow sequences); `node` pins the
 * pods to one node with a nodeSelector on kubernetes.io/hostname.
 */
export function netexecDeployment(
  name: string, replicas: number, opts: { node?: string; args?: string; ports?: string } = {},
): string {
  return `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:${opts.node === undefined ? '' : `\n      nodeSelector: {kubernetes.io/hostname: ${opts.node}}`}
      containers:
        - name: netexec
          image: ${NETEXEC_IMAGE}
          args: ${opts.args ?? '[netexec, --http-port=8080, --udp-port=8081]'}
          ports: ${opts.ports ?? NETEXEC_PORTS}
`;
}

/**
 * A Service NAME selecting app=`app` (NAME unless told), `ports` a YAML flow sequence; `type` and the
 * `spec` lines (e.g. 'externalTrafficPolicy: Local') go before the selector.
 */
export function serviceManifest(name: string, ports: string, opts: { type?: string; app?: string; spec?: string[] } = {}): string {
  const lines = [...(opts.type === undefined ? [] : [`type: ${opts.type}`]), ...(opts.spec ?? []), `selector: {app: ${opts.app ?? name}}`, `ports: ${ports}`];
  return `---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
${lines.map((l) => `  ${l}\n`).join('')}`;
}
