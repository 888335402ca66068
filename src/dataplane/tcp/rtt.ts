/**
 * The retransmission timer's estimator (RFC 6298): SRTT and RTTVAR from samples, RTO clamped to
 * [RTO_MIN_MS, RTO_MAX_MS], doubled on each expiry (exponential backoff) until a new ACK.
 * Karn's rule is the caller's: only segments sent once are timed.
 */
import { RTO_INITIAL_MS, RTO_MAX_MS, RTO_MIN_MS } from './constants.js';

/** RFC 6298's G: the clock granularity kemu assumes (ms). */
const CLOCK_GRANULARITY_MS = 1;

export class RttEstimator {
  srtt = 0;
  rttvar = 0;
  /** Whether a sample was taken (RFC 6298 2.2 vs 2.3). */
  measured = false;
  /** Consecutive expiries since the last new ACK: the RTO is doubled this many times. */
  backoff = 0;
  private base = RTO_INITIAL_MS;

  constructor(private readonly minRto = RTO_MIN_MS, private readonly maxRto = RTO_MAX_MS) {}

  /** The current RTO with backoff applied. */
  get rto(): number {
    return Math.min(this.maxRto, this.base * 2 ** this.backoff);
  }

  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (!this.measured) { // RFC 6298 2.2
      this.srtt = r;
      this.rttvar = r / 2;
      this.measured = true;
    } else { // RFC 6298 2.3, alpha = 1/8, beta = 1/4
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.base = clamp(this.srtt + Math.max(CLOCK_GRANULARITY_MS, 4 * this.rttvar), this.minRto, this.maxRto);
  }

  /** RFC 6298 5.5: the timer expired. */
  expired(): void {
    if (this.rto < this.maxRto) this.backoff++;
  }

  /** New data was acknowledged: the backoff ends (the RTO is recomputed from SRTT and RTTVAR). */
  acked(): void {
    this.backoff = 0;
  }

  /** RFC 6298 5.7: a lost SYN and no sample yet: start data transfer with a 3 s RTO. */
  resetTo(ms: number): void {
    if (!this.measured) this.base = clamp(ms, this.minRto, this.maxRto);
    this.backoff = 0;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
