/** Which of a Service's endpoints answered, and how often (netexec answers with its pod name). */
import { tally } from '../measure/stats.js';
import type { EndpointSpread } from '../types.js';

export function spreadOf(expected: string[], answers: string[]): EndpointSpread {
  const hits = tally(answers);
  return { expected, hits, missing: expected.filter((e) => !(e in hits)) };
}
