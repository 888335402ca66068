/**
 * kube-proxy's LineBuffer: iptables-restore lines built from words. Words are joined with spaces as
 * given: callers quote comments with spaces themselves (`"ns/svc:p cluster IP"`), as kube-proxy
 * does, so the text is byte-for-byte what kube-proxy writes.
 */
export type Words = ReadonlyArray<string | readonly string[]>;

export class LineBuffer {
  private out: string[] = [];

  write(...words: Words): void {
    this.out.push(words.flat().join(' '));
  }

  /** `:CHAIN - [0:0]`: declares (noflush: flushes) a user chain. */
  chain(name: string): void {
    this.out.push(`:${name} - [0:0]`);
  }

  get lines(): number {
    return this.out.length;
  }

  /** The lines written since line `from` (to remember what one service wrote). */
  since(from: number): string[] {
    return this.out.slice(from);
  }

  /** Hands the lines over and starts empty. */
  take(): string[] {
    const lines = this.out;
    this.out = [];
    return lines;
  }

  /** Lines written before, again (a service whose rules did not change). */
  push(lines: readonly string[]): void {
    for (const l of lines) this.out.push(l);
  }

  text(): string {
    return this.out.length === 0 ? '' : `${this.out.join('\n')}\n`;
  }
}

/** The buffer unchanged services write into during a partial sync: counted, then thrown away. */
export class DiscardLineBuffer extends LineBuffer {
  private count = 0;

  override write(): void {
    this.count++;
  }

  override chain(): void {
    this.count++;
  }

  override get lines(): number {
    return this.count;
  }

  override text(): string {
    return '';
  }
}
