/**
 * `kemu curl [--from SRC] URL`: an HTTP GET made inside the emulation, from a node's host (the
 * first worker unless --from says otherwise) or a pod, over kemu's own TCP across the packet plane.
 * Prints the body as curl does; `-i` adds the status line and headers. Exit codes are curl's: 0 for
 * any HTTP answer (22 with --fail and a status ≥ 400), 6 unresolvable host, 7 refused/unreachable,
 * 28 timeout, 56 reset.
 */
import type { Command } from 'commander';
import type { HttpGetError, HttpGetResult } from '../lab/network/http-get.js';
import { type NetCommandOptions, TARGET_HELP, parseSeconds, postNetwork, reportError, withNetOptions } from './net-target.js';

interface CurlCliOptions extends NetCommandOptions {
  from?: string;
  include?: boolean;
  fail?: boolean;
  maxTime: number;
}

export function registerCurlCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('curl')
    .description('HTTP GET from inside the emulation (a node or a pod) and print the body, like curl')
    .argument('<url>', 'http://ADDRESS[:PORT]/PATH (a pod IP, a ClusterIP, a node IP and NodePort, ...)')
    .option('--from <src>', 'where the request starts: node/NAME, pod/NAME[.NS] (default: the first worker node)')
    .option('-i, --include', 'print the status line and headers before the body')
    .option('-f, --fail', 'exit 22 when the HTTP status is 400 or more')
    .option('-m, --max-time <s>', 'give up after this many seconds', parseSeconds, 10);
  withNetOptions(cmd)
    .addHelpText('after', TARGET_HELP + '\nExamples:\n  kemu curl http://10.96.0.20/hostname\n  kemu curl --from pod/web-7d4b9c-abcde http://10.244.2.3:8080/clientip\n  kemu curl -i http://172.18.0.3:30080/echo?msg=hi')
    .action(async (url: string, opts: CurlCliOptions) => setExit(await curlCommand(url, opts)));
}

export async function curlCommand(url: string, opts: CurlCliOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let res: HttpGetResult | HttpGetError;
  try {
    res = await postNetwork<HttpGetResult | HttpGetError>(opts.kubeconfig, '/curl', {
      url, from: opts.from ?? '', timeoutMs: Math.max(1, Math.round(opts.maxTime * 1000)),
    });
  } catch (e) {
    return reportError(e, err);
  }
  if (opts.json) {
    out.write(JSON.stringify(res) + '\n');
    return 'error' in res ? res.code : 0;
  }
  if ('error' in res) {
    err.write(`curl: (${res.code}) ${res.error}\n`);
    return res.code;
  }
  if (opts.include) {
    const headers = Object.entries(res.headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}`));
    out.write(`HTTP/1.1 ${res.status} ${res.statusText}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`);
  }
  out.write(res.body);
  if (res.truncated) err.write('kemu: body truncated at 1 MiB\n');
  return opts.fail && res.status >= 400 ? 22 : 0;
}
