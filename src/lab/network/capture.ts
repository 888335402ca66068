/**
 * `kemu capture`: a pcap of one interface, taken with a device tap (what `tcpdump -i IFACE -w` sees:
 * frames sent and received, as bytes on the link). Ethernet devices give LINKTYPE_ETHERNET, TUN and
 * IPIP devices (and lo) bare IPv4 as LINKTYPE_RAW. Taps copy every frame: receivers rewrite packets
 * in place (TTL, NAT), and the capture must show the bytes as they were on the link.
 */
import { ApiError } from '../../api/errors.js';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW, PCAP_RECORD_HEADER_LEN, pcapHeader, pcapRecordHeader } from '../../net/index.js';
import type { LabNetwork } from './network.js';
import { resolveNamespaceTarget } from './targets.js';

export interface CaptureOptions {
  target: string;
  /** Stop after this long (default 5000 ms, or 60 s when only `count` is given). */
  durationMs?: number;
  /** Stop after this many frames. */
  count?: number;
}

export interface CaptureResult {
  target: string;
  namespace: string;
  iface: string;
  linkType: 'ethernet' | 'raw';
  frames: number;
  /** The whole pcap file. */
  pcap: Uint8Array;
  /** True when the capture stopped at MAX_CAPTURE_BYTES. */
  truncated: boolean;
}

export const MAX_CAPTURE_MS = 600_000;
export const MAX_CAPTURE_BYTES = 64 * 1024 * 1024;

export function captureTarget(net: LabNetwork, opts: CaptureOptions): Promise<CaptureResult> {
  if (!net.running) throw new ApiError('BadRequest', 'the packet plane is not running');
  const { ns, dev } = resolveNamespaceTarget(net, opts.target);
  const count = opts.count;
  const durationMs = opts.durationMs ?? (count !== undefined ? 60_000 : 5000);
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) throw new ApiError('BadRequest', `count must be a positive integer, not ${count}`);
  if (!(durationMs > 0 && durationMs <= MAX_CAPTURE_MS)) throw new ApiError('BadRequest', `durationMs must be in 1..${MAX_CAPTURE_MS}`);
  const linkType = dev.linkType;
  const chunks: Uint8Array[] = [pcapHeader(linkType === 'ethernet' ? LINKTYPE_ETHERNET : LINKTYPE_RAW)];
  let frames = 0;
  let bytes = chunks[0]!.length;
  let truncated = false;

  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      removeTap();
      timer.cancel();
      const pcap = new Uint8Array(bytes);
      let off = 0;
      for (const c of chunks) {
        pcap.set(c, off);
        off += c.length;
      }
      resolve({ target: opts.target, namespace: ns.name, iface: dev.name, linkType, frames, pcap, truncated });
    };
    const removeTap = dev.addTap((_dir, frame, _linkType, at) => {
      if (done) return;
      if (bytes + PCAP_RECORD_HEADER_LEN + frame.length > MAX_CAPTURE_BYTES) {
        truncated = true;
        return finish();
      }
      chunks.push(pcapRecordHeader(at, frame.length), frame.slice());
      bytes += PCAP_RECORD_HEADER_LEN + frame.length;
      frames++;
      if (count !== undefined && frames >= count) finish();
    });
    const timer = net.clock.setTimeout(finish, durationMs);
  });
}
