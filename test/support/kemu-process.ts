/** Runs `kemu up` as a real child process for end-to-end and interop tests, and stops it cleanly; runs the kemu CLI against it. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

const exec = promisify(execFile);

export interface KemuUp {
  dir: string;
  kubeconfig: string;
  status: any;
  proc: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

async function waitForFile(path: string, proc: ChildProcess, timeoutMs: number, stderr: () => string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`kemu up exited with ${proc.exitCode}: ${stderr()}`);
    try {
      return await readFile(path, 'utf8');
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`kemu up did not become ready in ${timeoutMs} ms: ${stderr()}`);
}

/** Starts `kemu up` on a topology text (written to a temp dir) with an ephemeral API port. */
export async function kemuUp(topology: string, extraArgs: string[] = [], timeoutMs = 30_000): Promise<KemuUp> {
  const dir = await mkdtemp(join(tmpdir(), 'kemu-test-'));
  const file = join(dir, 'topology.yaml');
  await writeFile(file, topology);
  const kubeconfig = join(dir, 'kubeconfig');
  const statusFile = join(dir, 'status.json');
  const proc = spawn(
    process.execPath,
    [join(REPO, 'bin/kemu'), 'up', file, '--api-port', '0', '--kubeconfig', kubeconfig, '--status-file', statusFile, '--json',
      // Node addresses apart from a cluster the developer may be running (127.0.1.x) and from each other.
      '--node-address-base', randomNodeAddressBase(), ...extraArgs],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  proc.stdout!.resume();
  const stderr = () => err;
  const status = JSON.parse(await waitForFile(statusFile, proc, timeoutMs, stderr));
  return {
    dir,
    kubeconfig,
    status,
    proc,
    stderr,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
        proc.kill('SIGINT');
        const code = await exited;
        await rm(dir, { recursive: true, force: true });
        return code;
      }
      await rm(dir, { recursive: true, force: true });
      return proc.exitCode;
    },
  };
}

/** Runs the CLI (bin/kemu ARGS --kubeconfig KUBECONFIG); resolves with stdout, stderr and the exit code (non-zero is not an exception). */
export async function kemuCli(kubeconfig: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await exec(process.execPath, [join(REPO, 'bin/kemu'), ...args, '--kubeconfig', kubeconfig]);
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** A random 127.X.Y.0 base (X in 2..254), so concurrent clusters' NodePort listeners never collide. */
export function randomNodeAddressBase(): string {
  return `127.${2 + Math.floor(Math.random() * 253)}.${Math.floor(Math.random() * 256)}.0`;
}
