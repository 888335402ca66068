/**
 * errors: a failure below it becomes SERVFAIL instead of a dropped query, and is reported once
 * through `onError` (CoreDNS logs it). It sits first in the chain so nothing escapes it.
 */
import { emptyResponse, Rcode, type DnsRequest, type Plugin } from '../types.js';

export interface ErrorsOptions {
  onError?: (err: Error, req: DnsRequest) => void;
}

export function errors(opts: ErrorsOptions = {}): Plugin {
  // Not an async function, and no closure per query: this wraps every query on the hot path.
  return (next) => (req) => {
    try {
      return next(req).catch((err: unknown) => failed(opts, err, req));
    } catch (err) {
      return Promise.resolve(failed(opts, err, req));
    }
  };
}

function failed(opts: ErrorsOptions, err: unknown, req: DnsRequest) {
  opts.onError?.(err instanceof Error ? err : new Error(String(err)), req);
  return emptyResponse(Rcode.SERVFAIL);
}
