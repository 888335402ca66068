/**
 * metav1.Time text (RFC 3339, whole seconds) for timestamps taken on hot paths: every object the
 * API creates, every Event, every pod status. Consecutive calls fall mostly in the same second, so
 * the text of the last second is kept and handed out again instead of formatting a Date each time.
 */
import { rfc3339 } from '../util/time.js';

let lastSecond = Number.NaN;
let lastText = '';

/** rfc3339(ms), remembered for the second last asked for. */
export function timestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = rfc3339(ms);
    lastSecond = second;
  }
  return lastText;
}
