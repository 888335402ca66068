/** Helpers for the underlay tests: frames with a sequence number, waiting on real sockets, handle counts. */
import { BROADCAST_MAC, ETHERTYPE_IPV4, encodeEthernet, mac } from '../../../src/net/index.js';

export const MAC_A = mac('02:00:00:00:00:0a');
export const MAC_B = mac('02:00:00:00:00:0b');
export const MAC_C = mac('02:00:00:00:00:0c');
export const MAC_X = mac('02:00:00:00:00:99');
export { BROADCAST_MAC };

/** An Ethernet frame of `size` bytes in total whose payload starts with `seq` (32-bit). */
export function frame(dst: Uint8Array, src: Uint8Array, seq = 0, size = 64): Uint8Array {
  const payload = new Uint8Array(Math.max(4, size - 14));
  new DataView(payload.buffer).setUint32(0, seq);
  return encodeEthernet({ dst, src, etherType: ETHERTYPE_IPV4 }, payload);
}

export function seqOf(f: Uint8Array): number {
  return new DataView(f.buffer, f.byteOffset + 14, 4).getUint32(0);
}

/** Polls `cond` on real timers until it holds; rejects after `ms` (a hang guard, not a speed check). */
export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Lets in-flight loopback datagrams arrive (used before asserting that something did NOT arrive). */
export function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function udpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'UDPWRAP').length;
}
