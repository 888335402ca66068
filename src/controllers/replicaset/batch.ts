/**
 * controller's slowStartBatch: run `count` calls in batches of 1, 2, 4, ... and stop at the first
 * batch with a failure, so a create that always fails (quota, a bad template) fails once instead
 * of `count` times.
 */
export interface BatchResult<T> {
  done: T[];
  errors: Error[];
  /** Calls never made because an earlier batch failed. */
  skipped: number;
}

export async function slowStartBatch<T>(count: number, call: (i: number) => Promise<T>): Promise<BatchResult<T>> {
  const out: BatchResult<T> = { done: [], errors: [], skipped: 0 };
  let started = 0;
  for (let batch = 1; started < count; batch *= 2) {
    const size = Math.min(batch, count - started);
    const results = await Promise.allSettled(Array.from({ length: size }, (_, k) => call(started + k)));
    started += size;
    for (const r of results) {
      if (r.status === 'fulfilled') out.done.push(r.value);
      else out.errors.push(r.reason as Error);
    }
    if (out.errors.length) break;
  }
  out.skipped = count - started;
  return out;
}
