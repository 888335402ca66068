/**
 * Ages as kubectl prints them: k8s.io/apimachinery's duration.HumanDuration, which keeps two
 * significant units and drops the finer one as the duration grows ("119s", "2m30s", "15m", "7h15m",
 * "47h", "3d2h", "300d", "2y40d", "9y").
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
// Go's zero time, which serializes as this and means "unset".
const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** duration.HumanDuration for a duration in milliseconds (Go truncates toward zero at every step). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  // Up to two seconds in the future is clock skew between machines: call it "now".
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * 60) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const days = Math.trunc(hours / 24);
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const years = Math.trunc(hours / 24 / 365);
    const d = Math.trunc(hours / 24) % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Milliseconds since the epoch for an RFC 3339 timestamp, or undefined for a missing/zero/bad one. */
export function parseTimestamp(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const t = Date.parse(ts);
  // Go's zero time (0001-01-01T00:00:00Z) counts as unset.
  if (Number.isNaN(t) || t === GO_ZERO_TIME) return undefined;
  return t;
}

/** The printers' translateTimestampSince: "<unknown>" for an unset timestamp, else its age at `now`. */
export function ageSince(ts: unknown, now: number): string {
  const t = parseTimestamp(ts);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}
