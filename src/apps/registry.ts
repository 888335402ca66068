/**
 * Which program a container runs: the image gives ENTRYPOINT/CMD and the programs it contains,
 * Kubernetes' command/args rules give the argv, and argv[0] picks the emulated program. Anything
 * kemu cannot emulate runs as pause, with a Warning Event saying so (reason ImageNotEmulated).
 */
import type { Container } from '../api/types.js';
import { normalizeImage } from '../node/runtime.js';
import { planAgnhost } from './agnhost/agnhost.js';
import { SERVE_HOSTNAME_FLAGS, ServeHostname } from './agnhost/serve-hostname.js';
import { Pause } from './agnhost/pause.js';
import { planShell, planSleep, planTail } from './coreutils.js';
import { containerArgv } from './env.js';
import { parseGoFlags } from './flags.js';
import { planIperf } from './kemu/iperf.js';
import { planLoadgen } from './kemu/loadgen.js';
import { planBridge } from './kemu/bridge.js';
import { Nginx } from './nginx.js';
import { type Plan, exits, notEmulated, run } from './plan.js';
import type { Process } from './process.js';
import type { WorkloadContext } from './types.js';

export const REASON_IMAGE_NOT_EMULATED = 'ImageNotEmulated';

export interface ImageDef {
  /** A short name for messages ("agnhost", "busybox"). */
  name: string;
  entrypoint: readonly string[];
  cmd: readonly string[];
  /** Programs (basenames) in the image that kemu emulates. */
  programs: ReadonlySet<string>;
  /** nginx's listen port in this image. */
  httpPort?: number;
}

const SHELL_TOOLS = ['sh', 'ash', 'bash', 'sleep', 'tail', 'true', 'false'];
const image = (name: string, entrypoint: string[], cmd: string[], programs: string[], httpPort?: number): ImageDef => ({
  name, entrypoint, cmd, programs: new Set(programs), ...(httpPort !== undefined ? { httpPort } : {}),
});

const AGNHOST = image('agnhost', ['/agnhost'], ['pause'], ['agnhost', 'agnhost-2', ...SHELL_TOOLS]);
const PAUSE = image('pause', ['/pause'], [], ['pause']);
const SERVE_HOSTNAME = image('serve_hostname', ['/serve_hostname'], [], ['serve_hostname']);
const NGINX_TOOLS = ['docker-entrypoint.sh', 'nginx', ...SHELL_TOOLS];

/** Images by repository (registry and tag stripped by normalizeImage first). */
const BY_REPOSITORY: Record<string, ImageDef> = {
  'docker.io/library/busybox': image('busybox', [], ['sh'], SHELL_TOOLS),
  'docker.io/library/alpine': image('alpine', [], ['/bin/sh'], SHELL_TOOLS),
  'docker.io/library/ubuntu': image('ubuntu', [], ['/bin/bash'], SHELL_TOOLS),
  'docker.io/library/debian': image('debian', [], ['bash'], SHELL_TOOLS),
  'docker.io/library/nginx': image('nginx', ['/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;'], NGINX_TOOLS, 80),
  'docker.io/nginxinc/nginx-unprivileged': image('nginx-unprivileged', ['/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;'], NGINX_TOOLS, 8080),
  'kemu.dev/iperf': image('kemu.dev/iperf', ['iperf'], ['-s'], ['iperf']),
  'kemu.dev/loadgen': image('kemu.dev/loadgen', ['loadgen'], [], ['loadgen']),
  'kemu.dev/bridge': image('kemu.dev/bridge', ['bridge'], [], ['bridge']),
};

/** The repository part of an image reference: "registry.k8s.io/pause:3.10" → "registry.k8s.io/pause". */
export function imageRepository(ref: string): string {
  const normalized = normalizeImage(ref).replace(/@.*$/, '');
  const lastSlash = normalized.lastIndexOf('/');
  const colon = normalized.lastIndexOf(':');
  return colon > lastSlash ? normalized.slice(0, colon) : normalized;
}

export function imageDef(ref: string): ImageDef | undefined {
  const repo = imageRepository(ref);
  const known = BY_REPOSITORY[repo];
  if (known) return known;
  // The e2e images live under several registries over the years (gcr.io, k8s.gcr.io, registry.k8s.io).
  const last = repo.slice(repo.lastIndexOf('/') + 1);
  if (last === 'agnhost') return AGNHOST;
  if (/^pause(-(amd64|arm64|arm|ppc64le|s390x))?$/.test(last) && !repo.startsWith('docker.io/library/')) return PAUSE;
  if (last === 'serve_hostname' || last === 'serve-hostname') return SERVE_HOSTNAME;
  return undefined;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Plans an argv inside an image: argv[0] names the program. */
export function planArgv(def: ImageDef, argv: readonly string[], container: Readonly<Record<string, unknown>>): Plan {
  if (argv.length === 0) return exits(def.name, 127, ['exec: no command given (no ENTRYPOINT, no CMD)']);
  const program = basename(argv[0]!);
  const args = argv.slice(1);
  if (!def.programs.has(program)) return notEmulated(argv.join(' '));
  switch (program) {
    case 'agnhost':
    case 'agnhost-2':
      return planAgnhost(args);
    case 'pause':
      return run('pause', (ctx) => new Pause(ctx));
    case 'serve_hostname': {
      const parsed = parseGoFlags(args, SERVE_HOSTNAME_FLAGS);
      if (!parsed.ok) return exits('serve_hostname', 2, [parsed.error, `Usage of ${argv[0]}:`]);
      return run('serve_hostname', (ctx) => new ServeHostname(ctx, parsed.values));
    }
    case 'docker-entrypoint.sh':
      // The entrypoint script execs its arguments.
      return planArgv(def, args, container);
    case 'nginx':
      return run('nginx', (ctx) => new Nginx(ctx, def.httpPort ?? 80));
    case 'iperf':
      return planIperf(args);
    case 'loadgen':
      return planLoadgen(args);
    case 'bridge':
      return planBridge(args);
    case 'sleep':
      return planSleep(args);
    case 'tail':
      return planTail(args);
    case 'true':
      return exits('true', 0, []);
    case 'false':
      return exits('false', 1, []);
    default:
      return planShell(program, args, container.stdin === true, (words) => planArgv(def, words, container));
  }
}

/** The whole decision for one container, before anything starts. */
export function planContainer(container: Container, env: Readonly<Record<string, string>>): { plan: Plan; argv: string[]; image: string } {
  const ref = container.image ?? '';
  const def = imageDef(ref);
  if (!def) return { plan: notEmulated(ref), argv: [...(container.command ?? []), ...(container.args ?? [])], image: ref };
  const argv = containerArgv(def, container, env);
  return { plan: planArgv(def, argv, container as Readonly<Record<string, unknown>>), argv, image: ref };
}

/** The message of the ImageNotEmulated warning. */
export function notEmulatedMessage(image: string, what: string): string {
  return what === image ? `${image} is not emulated by kemu; running as pause` : `${image}: command "${what}" is not emulated by kemu; running as pause`;
}

export interface StartedWorkload {
  workload: Process;
  /** False when kemu runs pause in place of the container's real program. */
  emulated: boolean;
  program: string;
}

/** Plans and starts the container's program; `ctx.args` is filled from the plan. */
export function startWorkload(ctx: Omit<WorkloadContext, 'args'>): StartedWorkload {
  const { plan, argv, image: ref } = planContainer(ctx.container, ctx.env);
  const full: WorkloadContext = { ...ctx, args: argv };
  if (plan.kind === 'not-emulated') {
    ctx.warn(REASON_IMAGE_NOT_EMULATED, notEmulatedMessage(ref, plan.what));
    return { workload: new Pause(full).launch(), emulated: false, program: 'pause' };
  }
  return { workload: plan.start(full).launch(), emulated: true, program: plan.program };
}
