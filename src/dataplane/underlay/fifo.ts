/**
 * A FIFO over an array with a moving head, for the impairment core's held frames: O(1) amortised
 * and no allocation per item (Array.shift is O(n), a linked list allocates a node per frame).
 */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  peek(): T {
    return this.items[this.head]!;
  }
  shift(): T {
    const v = this.items[this.head]!;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
