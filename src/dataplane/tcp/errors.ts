/**
 * Socket errors shaped like Node's (err.code, err.errno, err.syscall, err.address, err.port), so
 * code written for net.Socket can match on `code`. They are KemuErrors: `code` is the errno name.
 */
import { KemuError } from '../../util/errors.js';

/** Linux errno numbers (Node reports them negated). */
const ERRNO: Record<string, number> = {
  EPIPE: 32, EADDRINUSE: 98, EADDRNOTAVAIL: 99, ENETUNREACH: 101, ECONNRESET: 104, ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113,
  EMSGSIZE: 90,
};

export interface SocketError extends KemuError {
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

/** `${syscall} ${code} ${address}:${port}`, as Node words it ("connect ECONNREFUSED 10.0.0.2:80"). */
export function socketError(code: string, syscall: string, address?: string, port?: number): SocketError {
  const where = address === undefined ? '' : port === undefined ? ` ${address}` : ` ${address}:${port}`;
  const err = new KemuError(code, `${syscall} ${code}${where}`) as SocketError;
  err.errno = -(ERRNO[code] ?? 0);
  err.syscall = syscall;
  if (address !== undefined) err.address = address;
  if (port !== undefined) err.port = port;
  return err;
}

