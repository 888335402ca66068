/** Polling for the tests that watch a running cluster, a child process or a real daemon. */

/**
 * Calls `probe` until it returns something other than undefined and returns that, waiting `stepMs`
 * between calls; throws "timed out waiting for WHAT" once `timeoutMs` have passed.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, stepMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** waitFor for a condition: resolves once `check` is true. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  await waitFor(what, async () => ((await check()) ? true : undefined), timeoutMs, stepMs);
}
