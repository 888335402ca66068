/**
 * A node agent's open problems (flanneld's, calico-node's), keyed so that a problem reported on
 * every check is one problem, and what a user sees of them: a Warning Event when one appears or
 * changes (its reason from the key), the NetworkUnavailable condition (False with the daemon's "is
 * up" reason once it runs and nothing is open; True with the first problem's reason otherwise),
 * and one line for the lab to print. Each daemon names its reasons (`reason`).
 */
import type { NetworkCondition } from './flannel/node-status.js';

export interface ConditionText {
  reason: string;
  message: string;
}

export abstract class NodeProblems {
  private readonly open = new Map<string, string>();

  /** `up`: the condition once running with nothing open; `notRunning`: not running, nothing open. */
  protected constructor(private readonly up: ConditionText, private readonly notRunning: ConditionText) {}

  /** The Event and condition reason for a problem key. */
  abstract reason(key: string): string;

  /** True when this is new or changed (worth an Event). */
  set(key: string, message: string): boolean {
    if (this.open.get(key) === message) return false;
    this.open.set(key, message);
    return true;
  }

  clear(key: string): boolean {
    return this.open.delete(key);
  }

  get size(): number {
    return this.open.size;
  }

  messages(): string[] {
    return [...this.open.values()];
  }

  keys(): string[] {
    return [...this.open.keys()];
  }

  /** NetworkUnavailable as it should read. */
  condition(running: boolean): NetworkCondition {
    if (running && this.open.size === 0) return { status: 'False', ...this.up };
    const first = this.keys()[0];
    if (first === undefined) return { status: 'True', ...this.notRunning };
    return { status: 'True', reason: this.reason(first), message: this.messages().join('; ') };
  }
}
