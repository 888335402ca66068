/**
 * log: one line per query in CoreDNS's common format, without the response size (the wire layer
 * knows it, the chain does not):
 *   [INFO] 127.0.0.1:5300 - 4711 "A IN web.default.svc.cluster.local. udp false" NOERROR qr,aa,rd 0.000113s
 */
import type { Clock } from '../../util/clock.js';
import { RCODE_NAMES, type Plugin } from '../types.js';

export interface LogOptions {
  clock: Clock;
  write: (line: string) => void;
}

export function log(opts: LogOptions): Plugin {
  return (next) => async (req) => {
    const start = opts.clock.now();
    const res = await next(req);
    const flags = ['qr', res?.authoritative ? 'aa' : '', res?.truncated ? 'tc' : '', req.rd ? 'rd' : '', res?.recursionAvailable ? 'ra' : '']
      .filter(Boolean)
      .join(',');
    const remote = req.remote ? `${req.remote.address}:${req.remote.port}` : '-';
    const rcode = res ? (RCODE_NAMES[res.rcode] ?? String(res.rcode)) : 'REFUSED';
    const secs = ((opts.clock.now() - start) / 1000).toFixed(6);
    opts.write(`[INFO] ${remote} - ${req.id} "${req.type} ${req.qclass} ${req.name}. ${req.transport} ${req.do}" ${rcode} ${flags} ${secs}s`);
    return res;
  };
}
