/** IPv4 fragmentation (RFC 791 section 3.2, "Fragmentation"). */

import { type Result, fail, ok } from './errors.js';
import { decodeIpv4, encodeIpv4Into, ipv4HeaderLength } from './ipv4.js';

const OPTION_EOL = 0;
const OPTION_NOP = 1;
const OPTION_COPIED_FLAG = 0x80;

/**
 * Splits a datagram so that every piece fits `mtu` bytes. Returns the input (as a view up to its total
 * length) when it already fits; ERR_FRAG_NEEDED when it does not and DF is set (the caller answers with
 * ICMP unreachable code 4 carrying its MTU). Works on already-fragmented input: offsets add up and the
 * last piece keeps the input's MF. Only options with the "copied" bit go into the non-first fragments.
 */
export function fragmentIpv4(packet: Uint8Array, mtu: number): Result<Uint8Array[]> {
  const decoded = decodeIpv4(packet);
  if (!decoded.ok) return decoded;
  const p = decoded.value;
  if (p.totalLength <= mtu) return ok([packet.subarray(0, p.totalLength)]);
  if (p.dontFragment) return fail('ERR_FRAG_NEEDED', `${p.totalLength}-byte datagram with DF set exceeds MTU ${mtu}`);

  const copied = copiedOptions(p.options);
  if (!copied.ok) return copied;
  const laterOptions = copied.value;
  const firstChunk = ((mtu - p.headerLength) >> 3) << 3;
  const laterChunk = ((mtu - ipv4HeaderLength(laterOptions)) >> 3) << 3;
  if (firstChunk < 8 || laterChunk < 8) {
    return fail('ERR_BAD_LENGTH', `MTU ${mtu} leaves no room for 8 data bytes after a ${p.headerLength}-byte header`);
  }

  const fragments: Uint8Array[] = [];
  const data = p.payload;
  for (let offset = 0; offset < data.length;) {
    const isFirst = offset === 0;
    const options = isFirst ? p.options : laterOptions;
    const length = Math.min(isFirst ? firstChunk : laterChunk, data.length - offset);
    const isLast = offset + length === data.length;
    const out = new Uint8Array(ipv4HeaderLength(options) + length);
    encodeIpv4Into(out, 0, {
      ...p,
      options,
      moreFragments: !isLast || p.moreFragments,
      fragmentOffset: p.fragmentOffset + offset,
    }, data.subarray(offset, offset + length));
    fragments.push(out);
    offset += length;
  }
  return ok(fragments);
}

/** The options a non-first fragment must repeat: those whose type has the copied flag set. */
export function copiedOptions(options: Uint8Array): Result<Uint8Array> {
  const kept: number[] = [];
  for (let i = 0; i < options.length;) {
    const type = options[i]!;
    if (type === OPTION_EOL) break;
    if (type === OPTION_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= options.length) return fail('ERR_BAD_OPTION', `IPv4 option ${type} has no length byte`);
    const length = options[i + 1]!;
    if (length < 2 || i + length > options.length) return fail('ERR_BAD_OPTION', `IPv4 option ${type} has bad length ${length}`);
    if ((type & OPTION_COPIED_FLAG) !== 0) for (let j = 0; j < length; j++) kept.push(options[i + j]!);
    i += length;
  }
  return ok(Uint8Array.from(kept));
}

