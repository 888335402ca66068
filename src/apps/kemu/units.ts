/** iperf3's number formats: sizes with K/M/G suffixes in, "12.3 MBytes" and "98.7 Mbits/sec" out. */

/**
 * "10M", "1.5K", "64k", "1000": sizes (K = 1024) or, with `decimal`, rates (K = 1000), as iperf
 * parses -n/-l and -b. undefined when malformed.
 */
export function parseSize(s: string, decimal = false): number | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([kKmMgGtT]?)$/.exec(s.trim());
  if (!m) return undefined;
  const base = decimal ? 1000 : 1024;
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * base ** Math.max(0, power));
}

function threeDigits(v: number): string {
  return v < 9.995 ? v.toFixed(2) : v < 99.95 ? v.toFixed(1) : v.toFixed(0);
}

/** Bytes in 1024 steps: "512 Bytes", "12.3 KBytes", "1.05 GBytes". */
export function formatBytes(bytes: number): string {
  const units = ['Bytes', 'KBytes', 'MBytes', 'GBytes', 'TBytes'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 * 0.9995 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? String(Math.round(v)) : threeDigits(v)} ${units[i]}`;
}

/** Bits per second in 1000 steps: "0.00 bits/sec", "945 Mbits/sec". */
export function formatBitrate(bitsPerSecond: number): string {
  const units = ['bits/sec', 'Kbits/sec', 'Mbits/sec', 'Gbits/sec', 'Tbits/sec'];
  let v = Number.isFinite(bitsPerSecond) ? bitsPerSecond : 0;
  let i = 0;
  while (v >= 1000 * 0.9995 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${threeDigits(v)} ${units[i]}`;
}

/** "[  5]   0.00-10.00  sec" */
export function intervalLabel(id: number, fromS: number, toS: number): string {
  return `[${String(id).padStart(3)}] ${`${fromS.toFixed(2)}-${toS.toFixed(2)}`.padStart(13)}  sec`;
}
