/**
 * Per-port counters (what `ip -s link` shows, plus why frames were dropped) and the stats view a
 * segment offers to `kemu` for display.
 */
import type { LinkParams } from '../../topology/types.js';

/**
 * Why a frame was dropped. Egress (counted on the sender's port): malformed, down, mtu, loss,
 * queue-full, unknown-dest. Ingress (counted on the receiver's port): foreign-sender, malformed.
 */
export type DropReason = 'loss' | 'queue-full' | 'mtu' | 'unknown-dest' | 'foreign-sender' | 'malformed' | 'down';

export const DROP_REASONS: readonly DropReason[] = ['loss', 'queue-full', 'mtu', 'unknown-dest', 'foreign-sender', 'malformed', 'down'];

export interface PortCounters {
  /** Frames that left the port onto the wire (after impairments; a duplicate counts twice, a broadcast once). */
  txPackets: number;
  txBytes: number;
  /** Frames handed to the port's receive handler. */
  rxPackets: number;
  rxBytes: number;
  /** Extra copies made by the duplicate rule. */
  duplicated: number;
  /** Frames the reorder rule sent without the delay. */
  reordered: number;
  drops: Record<DropReason, number>;
}

export function newCounters(): PortCounters {
  return {
    txPackets: 0,
    txBytes: 0,
    rxPackets: 0,
    rxBytes: 0,
    duplicated: 0,
    reordered: 0,
    drops: { loss: 0, 'queue-full': 0, mtu: 0, 'unknown-dest': 0, 'foreign-sender': 0, malformed: 0, down: 0 },
  };
}

export function addCounters(into: PortCounters, c: PortCounters): PortCounters {
  into.txPackets += c.txPackets;
  into.txBytes += c.txBytes;
  into.rxPackets += c.rxPackets;
  into.rxBytes += c.rxBytes;
  into.duplicated += c.duplicated;
  into.reordered += c.reordered;
  for (const r of DROP_REASONS) into.drops[r] += c.drops[r];
  return into;
}

export function totalDrops(c: PortCounters): number {
  let n = 0;
  for (const r of DROP_REASONS) n += c.drops[r];
  return n;
}

export interface PortStats extends PortCounters {
  mac: string;
  label: string;
  /** "127.0.0.1:PORT" of the port's UDP socket; null for an in-memory segment. */
  address: string | null;
  down: boolean;
  /** Effective parameters: the segment's with the port's overrides on top. */
  link: LinkParams;
  /** Frames held by the delay line or waiting for rate tokens. */
  heldFrames: number;
  heldBytes: number;
}

export interface SegmentStats {
  name: string;
  kind: 'dgram' | 'memory';
  down: boolean;
  link: LinkParams;
  ports: PortStats[];
  totals: PortCounters;
}

/** A compact text table of a segment's stats, one line per port, for `kemu` to print. */
export function formatSegmentStats(s: SegmentStats): string {
  const drops = (c: PortCounters): string =>
    DROP_REASONS.filter((r) => c.drops[r] > 0).map((r) => `${r}=${c.drops[r]}`).join(',') || '-';
  const lines = [`segment ${s.name} (${s.kind})${s.down ? ' DOWN' : ''}`];
  lines.push('  PORT               LABEL            TX-PKTS    TX-BYTES   RX-PKTS    RX-BYTES   HELD  DROPS');
  for (const p of s.ports) {
    lines.push(
      `  ${p.mac.padEnd(18)} ${p.label.slice(0, 16).padEnd(16)} ${String(p.txPackets).padStart(8)} ${String(p.txBytes).padStart(11)}` +
        ` ${String(p.rxPackets).padStart(8)} ${String(p.rxBytes).padStart(11)} ${String(p.heldFrames).padStart(6)}  ` +
        `${p.down ? 'DOWN ' : ''}${drops(p)}`,
    );
  }
  return lines.join('\n');
}
