/**
 * The items of one batch task that wait for their batch, with its `maxWait` timer. A batch is
 * cut when `maxSize` items are in (`add` returns it, and the caller runs it at once in the slot
 * it holds), or once `maxWait` has passed since the first item and a slot is free
 * (`takeDue`). Until then a due buffer keeps accepting items, so it never holds more than
 * `maxSize`: that is the bound on what a worker buffers per batch task.
 */
export class BatchBuffer<T> {
  #items: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  #due = false;

  /** `onDue` is called when `maxWait` has passed: the owner should find a slot for the batch. */
  constructor(
    private readonly maxSize: number,
    private readonly maxWaitMs: number,
    private readonly onDue: () => void,
  ) {}

  /** Items waiting now. */
  /** The items waiting, oldest first (a copy). */
  items(): T[] {
    return [...this.#items];
  }

  get size(): number {
    return this.#items.length;
  }

  /** True once `maxWait` has passed since the first waiting item. */
  get due(): boolean {
    return this.#due;
  }

  /** Adds an item; returns the batch when this item filled it, else undefined. */
  add(item: T): T[] | undefined {
    this.#items.push(item);
    if (this.#items.length >= this.maxSize) return this.#cut();
    if (this.#items.length === 1) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#due = true;
        this.onDue();
      }, this.maxWaitMs);
    }
    return undefined;
  }

  /** The waiting items if they are due, else undefined. */
  takeDue(): T[] | undefined {
    return this.#due ? this.#cut() : undefined;
  }

  /** Every waiting item, due or not (shutdown). */
  takeAll(): T[] {
    return this.#cut();
  }

  #cut(): T[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = false;
    const items = this.#items;
    this.#items = [];
    return items;
  }
}
