/** Manifest text shared by the running-cluster tests. */
export const NETEXEC_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.47';

/**
 * A Deployment of agnhost netexec pods labelled app=NAME, with named ports http (8080) and udp (8081/UDP).
 * `spec` is inserted after the pod template's `spec:` (e.g. a nodeSelector line, starting with "\n").
 */
export function netexecDeployment(name: string, replicas: number, spec = '', args = '[netexec, --http-port=8080, --udp-port=8081]'): string {
  return `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:${spec}
      containers:
        - name: netexec
          image: ${NETEXEC_IMAGE}
          args: ${args}
          ports: [{name: http, containerPort: 8080}, {name: udp, containerPort: 8081, protocol: UDP}]
`;
}
