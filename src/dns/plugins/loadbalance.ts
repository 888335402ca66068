/**
 * loadbalance (round_robin): rotates the A, AAAA and MX records of every answer, one step per
 * response, so successive clients start with a different address. As CoreDNS reassembles the
 * answer: CNAMEs first, then other records, then addresses, then MX. Responses are copied, never
 * changed in place, because the cache below may hand out the same object again.
 */
import type { Answer } from 'dns-packet';
import type { Plugin } from '../types.js';

export function loadbalance(): Plugin {
  let turn = 0;
  return (next) => (req) => next(req).then((res) => {
    if (!res || res.answers.length < 2) return res;
    const cname: Answer[] = [];
    const address: Answer[] = [];
    const mx: Answer[] = [];
    const rest: Answer[] = [];
    for (const rr of res.answers) {
      if (rr.type === 'CNAME') cname.push(rr);
      else if (rr.type === 'A' || rr.type === 'AAAA') address.push(rr);
      else if (rr.type === 'MX') mx.push(rr);
      else rest.push(rr);
    }
    if (address.length < 2 && mx.length < 2) return res;
    const step = turn++;
    return { ...res, answers: [...cname, ...rest, ...rotate(address, step), ...rotate(mx, step)], shared: false };
  });
}

function rotate<T>(list: T[], step: number): T[] {
  if (list.length < 2) return list;
  const k = step % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}
