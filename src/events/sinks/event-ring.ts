/**
 * A fixed-capacity FIFO of events that makes room by dropping its oldest entry: pushing is
 * O(1) whatever the size, so the task path never pays for a sink that lags.
 */
export class EventRing<T> {
  readonly #slots: Array<T | undefined>;
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`expected a buffer capacity of at least 1, got ${capacity}`);
    this.#slots = new Array(capacity);
  }

  /** How many entries it holds. */
  get size(): number {
    return this.#size;
  }

  /** Appends `item`; returns true when the oldest entry was dropped to make room. */
  push(item: T): boolean {
    const tail = (this.#head + this.#size) % this.capacity;
    this.#slots[tail] = item;
    if (this.#size < this.capacity) {
      this.#size++;
      return false;
    }
    this.#head = (this.#head + 1) % this.capacity;
    return true;
  }

  /** Removes and returns up to `count` of the oldest entries, oldest first. */
  take(count: number): T[] {
    const taken = Math.min(count, this.#size);
    const items = new Array<T>(taken);
    for (let i = 0; i < taken; i++) {
      items[i] = this.#slots[this.#head] as T;
      this.#slots[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.capacity;
    }
    this.#size -= taken;
    return items;
  }
}
