/**
 * A container's environment and argv as the kubelet builds them: env entries in order with
 * $(VAR) references to earlier ones, fieldRef values from the pod, HOSTNAME from the runtime, and
 * Kubernetes' $(VAR) expansion of command and args ($$ escapes, unknown references stay as written).
 */
import type { Container, Pod } from '../api/types.js';

/** Kubernetes' expansion.Expand: $(NAME) from `env`, $$ → $, anything else left alone. */
export function expandVars(input: string, env: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += Object.prototype.hasOwnProperty.call(env, name) ? env[name] : `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

/** The hostname a pod's containers see: spec.hostname, else the pod name cut to 63 characters. */
export function podHostname(pod: Pod): string {
  if (pod.spec.hostname) return pod.spec.hostname;
  return (pod.metadata.name ?? '').slice(0, 63).replace(/[-.]+$/, '');
}

function fieldValue(pod: Pod, podIP: string, path: string): string | undefined {
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace ?? 'default';
    case 'metadata.uid': return pod.metadata.uid;
    case 'spec.nodeName': return pod.spec.nodeName;
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP': return podIP;
    case 'status.podIPs': return podIP;
    case 'status.hostIP': return pod.status?.hostIP;
    case 'status.hostIPs': return pod.status?.hostIP;
  }
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return (pod.metadata[label[1] as 'labels' | 'annotations'] as Record<string, string> | undefined)?.[label[2]!];
  return undefined;
}

/**
 * The container's environment. Sources kemu cannot read here (ConfigMaps, Secrets, resource
 * fields) leave their variable unset, as an optional reference that is missing would.
 */
export function containerEnv(pod: Pod, container: Container, podIP: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: podHostname(pod),
  };
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = expandVars(e.value, env);
    else if (e.valueFrom === undefined) env[e.name] = '';
    else {
      const path = (e.valueFrom as { fieldRef?: { fieldPath?: string } }).fieldRef?.fieldPath;
      const v = path === undefined ? undefined : fieldValue(pod, podIP, path);
      if (v !== undefined) env[e.name] = v;
    }
  }
  return env;
}

/** Docker's ENTRYPOINT/CMD under Kubernetes' command (replaces ENTRYPOINT and CMD) and args (replace CMD). */
export function containerArgv(image: { entrypoint: readonly string[]; cmd: readonly string[] }, container: Container, env: Readonly<Record<string, string>>): string[] {
  const expand = (list: readonly string[]): string[] => list.map((s) => expandVars(s, env));
  if (container.command && container.command.length > 0) return [...expand(container.command), ...expand(container.args ?? [])];
  if (container.args && container.args.length > 0) return [...image.entrypoint, ...expand(container.args)];
  return [...image.entrypoint, ...image.cmd];
}
