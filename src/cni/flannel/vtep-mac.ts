/** backend-data of the vxlan backend: {"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:ff"}. */
import { parseMac } from '../../net/index.js';

/** The VtepMAC of backend-data, or undefined when it does not decode (flannel logs and skips the lease). */
export function vtepMacOf(backendData: string): Uint8Array | undefined {
  let data: unknown;
  try {
    data = JSON.parse(backendData);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const text = (data as { VtepMAC?: unknown }).VtepMAC;
  if (typeof text !== 'string') return undefined;
  const mac = parseMac(text);
  return mac.ok ? mac.value : undefined;
}
