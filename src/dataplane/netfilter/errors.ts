/**
 * Typed errors of the netfilter model. Callers and tests match on `code`; `line` is set for errors
 * found while reading iptables-restore text, and the message then starts with "line N: " as
 * iptables-restore's own messages do.
 */
import { KemuError } from '../../util/errors.js';

export type NetfilterErrorCode =
  | 'ERR_IPT_SYNTAX' // malformed line, missing argument, bad address/port/number
  | 'ERR_IPT_UNSUPPORTED' // valid iptables syntax that this model does not implement
  | 'ERR_IPT_NO_CHAIN' // chain (or jump target) does not exist
  | 'ERR_IPT_CHAIN_EXISTS'
  | 'ERR_IPT_CHAIN_IN_USE' // -X of a chain that is referenced or not empty, or of a built-in chain
  | 'ERR_IPT_LOOP' // a jump would create a loop
  | 'ERR_IPT_BAD_RULE' // -D / -C of a rule that does not exist, bad rule number
  | 'ERR_IPT_TABLE'; // unknown table, or a target not valid in this table

export class NetfilterError extends KemuError {
  override readonly code: NetfilterErrorCode;
  readonly line: number | undefined;
  constructor(code: NetfilterErrorCode, message: string, line?: number) {
    super(code, line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'NetfilterError';
    this.code = code;
    this.line = line;
  }
}

export function syntax(message: string): NetfilterError {
  return new NetfilterError('ERR_IPT_SYNTAX', message);
}

export function unsupported(message: string): NetfilterError {
  return new NetfilterError('ERR_IPT_UNSUPPORTED', message);
}
