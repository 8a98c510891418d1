/** The fields that decide delivery order. */
export interface Ordered {
  queue: string;
  priority: number;
  seq: number;
}

/** Ready messages per queue, each list kept in delivery order so taking is a slice off the front. */
export class ReadyQueues<T extends Ordered> {
  #lists = new Map<string, T[]>();

  /** Inserts `item` at its place: after higher priorities and older items of its priority. */
  push(item: T): void {
    let list = this.#lists.get(item.queue);
    if (!list) {
      list = [];
      this.#lists.set(item.queue, list);
    }
    // Most items arrive in order, so check the tail before searching.
    const last = list[list.length - 1];
    if (!last || comesFirst(last, item)) {
      list.push(item);
      return;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comesFirst(list[mid] as T, item)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, item);
  }

  /** Removes and returns up to `max` items from the front of `queue`. */
  take(queue: string, max: number): T[] {
    const list = this.#lists.get(queue);
    return list && max > 0 ? list.splice(0, max) : [];
  }

  /** Forgets every ready item of `queue`. */
  clear(queue: string): void {
    this.#lists.delete(queue);
  }
}

/** True when `a` is delivered before `b`: higher priority, then older. */
function comesFirst(a: Ordered, b: Ordered): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}
