/**
 * Pod and PodTemplateSpec validation (pkg/apis/core/validation), limited to what kemu's users
 * touch: containers, ports, the networking-related pod fields (hostNetwork, DNS, hostname,
 * nodeName), scheduling inputs (nodeSelector, tolerations) and restart policy. Fields kemu does
 * not model (volumes, probes, securityContext...) are not checked, so nothing a real cluster
 * accepts is rejected.
 */
import { child, duplicate, goQuote, index, invalid, notSupported, required } from './field-error.js';
import type { FieldError } from './field-error.js';
import { validateAnnotations, validateLabelName, validateLabels, validateObjectMeta } from './meta.js';
import {
  inclusiveRangeError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
  VALID_IP_MSG,
} from './names.js';
import { arr, has, num, obj, str } from './util.js';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const MAX_DNS_NAMESERVERS = 3;

export function validatePod(pod: Record<string, unknown>): FieldError[] {
  return [...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain), ...validatePodSpec(pod.spec, 'spec')];
}

export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  const t = obj(template);
  const meta = obj(t.metadata);
  return [
    ...validateLabels(meta.labels, child(child(path, 'metadata'), 'labels')),
    ...validateAnnotations(meta.annotations, child(child(path, 'metadata'), 'annotations')),
    ...validatePodSpec(t.spec, child(path, 'spec')),
  ];
}

export function validatePodSpec(specRaw: unknown, path: string): FieldError[] {
  const spec = obj(specRaw);
  const errs: FieldError[] = [];
  const containers = arr(spec.containers);
  const names = new Set<string>();
  if (containers.length === 0) errs.push(required(child(path, 'containers')));
  containers.forEach((c, i) => {
    const p = index(child(path, 'containers'), i);
    errs.push(...validateContainer(c, p));
    const name = str(obj(c).name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
  });
  // Init container names must be unique among all containers of the pod.
  arr(spec.initContainers).forEach((c, i) => {
    const p = index(child(path, 'initContainers'), i);
    errs.push(...validateContainer(c, p));
    const name = str(obj(c).name);
    if (name && names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
  });
  if (spec.hostNetwork === true) errs.push(...validateHostNetwork(containers, path));
  const restart = has(spec, 'restartPolicy') ? str(spec.restartPolicy) : 'Always';
  if (!RESTART_POLICIES.includes(restart)) errs.push(notSupported(child(path, 'restartPolicy'), restart, RESTART_POLICIES));
  const dnsPolicy = has(spec, 'dnsPolicy') ? str(spec.dnsPolicy) : 'ClusterFirst';
  if (!DNS_POLICIES.includes(dnsPolicy)) errs.push(notSupported(child(path, 'dnsPolicy'), dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  errs.push(...validateDNSConfig(spec.dnsConfig, dnsPolicy, child(path, 'dnsConfig')));
  const nodeName = str(spec.nodeName);
  if (nodeName) for (const m of isDNS1123Subdomain(nodeName)) errs.push(invalid(child(path, 'nodeName'), nodeName, m));
  if (has(spec, 'activeDeadlineSeconds')) {
    const v = num(spec.activeDeadlineSeconds);
    if (v < 1 || v > 2147483647) errs.push(invalid(child(path, 'activeDeadlineSeconds'), v, inclusiveRangeError(1, 2147483647)));
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v) for (const m of isDNS1123Label(v)) errs.push(invalid(child(path, f), v, m));
  }
  errs.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  return errs;
}

function validateContainer(raw: unknown, path: string): FieldError[] {
  const c = obj(raw);
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(required(child(path, 'name')));
  else for (const m of isDNS1123Label(name)) errs.push(invalid(child(path, 'name'), name, m));
  if (!str(c.image)) errs.push(required(child(path, 'image')));
  const tmp = has(c, 'terminationMessagePolicy') ? str(c.terminationMessagePolicy) : 'File';
  if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) {
    errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, TERMINATION_MESSAGE_POLICIES));
  }
  errs.push(...validateContainerPorts(c.ports, child(path, 'ports')));
  const pull = str(c.imagePullPolicy);
  if (pull && !PULL_POLICIES.includes(pull)) errs.push(notSupported(child(path, 'imagePullPolicy'), pull, PULL_POLICIES));
  return errs;
}

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((raw, i) => {
    const p = obj(raw);
    const ip = index(path, i);
    const name = str(p.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(invalid(child(ip, 'name'), name, m));
      else if (names.has(name)) errs.push(duplicate(child(ip, 'name'), name));
      else names.add(name);
    }
    const cp = num(p.containerPort);
    if (cp === 0) errs.push(required(child(ip, 'containerPort')));
    else for (const m of isValidPortNum(cp)) errs.push(invalid(child(ip, 'containerPort'), cp, m));
    const hp = num(p.hostPort);
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(invalid(child(ip, 'hostPort'), hp, m));
    const proto = has(p, 'protocol') ? str(p.protocol) : 'TCP';
    if (!PROTOCOLS.includes(proto)) errs.push(notSupported(child(ip, 'protocol'), proto, PROTOCOLS));
  });
  return errs;
}

// With hostNetwork the pod shares the node's ports, so hostPort (defaulted to containerPort) must equal it.
function validateHostNetwork(containers: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    arr(obj(c).ports).forEach((raw, j) => {
      const p = obj(raw);
      if (has(p, 'hostPort') && num(p.hostPort) !== num(p.containerPort)) {
        const ip = index(child(index(child(path, 'containers'), i), 'ports'), j);
        errs.push(invalid(child(ip, 'hostPort'), num(p.hostPort), 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

function validateDNSConfig(raw: unknown, dnsPolicy: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (dnsPolicy === 'None') {
    if (raw === undefined || raw === null) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(obj(raw).nameservers).length === 0) {
      return [required(child(path, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  const cfg = obj(raw);
  const ns = arr(cfg.nameservers).map(str);
  if (ns.length > MAX_DNS_NAMESERVERS) {
    errs.push(invalid(child(path, 'nameservers'), ns, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  }
  ns.forEach((s, i) => {
    if (!isIP(s)) errs.push(invalid(index(child(path, 'nameservers'), i), s, VALID_IP_MSG));
  });
  arr(cfg.options).forEach((o, i) => {
    if (!str(obj(o).name)) errs.push(required(index(child(path, 'options'), i), 'Option.Name must not be empty'));
  });
  return errs;
}

export function validateTaintEffect(effect: string, allowEmpty: boolean, path: string): FieldError[] {
  if (!allowEmpty && effect === '') return [required(path)];
  return TAINT_EFFECTS.includes(effect) ? [] : [notSupported(path, effect, TAINT_EFFECTS)];
}

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(tolerations).forEach((raw, i) => {
    const t = obj(raw);
    const p = index(path, i);
    const k = str(t.key);
    const op = str(t.operator);
    const value = str(t.value);
    const effect = str(t.effect);
    if (k) errs.push(...validateLabelName(k, child(p, 'key')));
    if (!k && op !== 'Exists') {
      errs.push(invalid(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (has(t, 'tolerationSeconds') && effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      for (const m of isValidLabelValue(value)) errs.push(invalid(child(p, 'operator'), value, m));
    } else if (op === 'Exists') {
      if (value) {
        const secs = has(t, 'tolerationSeconds') ? `${num(t.tolerationSeconds)}` : '(*int64)(nil)';
        const go = `core.Toleration{Key:${goQuote(k)}, Operator:${goQuote(op)}, Value:${goQuote(value)}, Effect:${goQuote(effect)}, TolerationSeconds:${secs}}`;
        errs.push(invalid(child(p, 'operator'), t, "value must be empty when `operator` is 'Exists'", go));
      }
    } else {
      errs.push(notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (effect) errs.push(...validateTaintEffect(effect, true, child(p, 'effect')));
  });
  return errs;
}
