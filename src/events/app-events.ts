import type { Logger } from 'pino';
import type { Unsubscribe } from '../brokers/contract/broadcast.ts';
import type { Coordination } from '../brokers/contract/index.ts';
import { CeleriacError } from '../errors/errors.ts';
import {
  type ClusterEvent,
  type ClusterTaskEvent,
  type ClusterWorkerEvent,
  EVENTS_CHANNEL,
  type TaskEventType,
  type WorkerEventType,
} from './cluster-event.ts';
import type { EventSink } from './event-sink.ts';
import { SinkDispatcher, type SinkStats } from './sinks/sink-dispatcher.ts';

/** Listeners by event type; `*` hears every event. */
type EventType = ClusterEvent['type'] | '*';
type Listener<E extends ClusterEvent = ClusterEvent> = (event: E) => void;
// By the family the type belongs to: `type` of a task event is a union of every task step, so
// `Extract<ClusterEvent, { type: T }>` would find no member and type the listener's event never.
type EventOf<T extends EventType> = T extends '*'
  ? ClusterEvent
  : T extends TaskEventType
    ? ClusterTaskEvent & { type: T }
    : T extends WorkerEventType
      ? ClusterWorkerEvent & { type: T }
      : never;

/** What AppEvents needs from its app. */
export interface AppEventsDeps {
  /** Where the broadcast is: the app's coordination. */
  coordination: Pick<Coordination, 'broadcast'>;
  log: Logger;
  connect(): Promise<void>;
  /** Sinks to add at once (the config's `events.sinks`). */
  sinks?: readonly EventSink[];
}

/**
 * The events of an app (`app.events`): `on()` hears what this process does (its producer's
 * sends, its workers' tasks), sinks export them, and `receive()` hears the whole cluster's
 * events over the broker from workers started with events on (`--events`).
 */
export class AppEvents {
  readonly #listeners = new Map<EventType, Set<Listener>>();
  readonly #deps: AppEventsDeps;
  /** Publishes this process's events on the broker, when sending. */
  #broadcaster: SinkDispatcher | undefined;
  #dispatchers: SinkDispatcher[] = [];
  /** Called once, when the first listener, sink or broker publishing appears. */
  #onActive: Array<() => void> = [];
  #active = false;

  constructor(deps: AppEventsDeps) {
    this.#deps = deps;
    for (const sink of deps.sinks ?? []) this.addSink(sink);
  }

  /** Calls `listener` for each event of `type` (or `*`) this process emits; returns an off function. */
  on<T extends EventType>(type: T, listener: Listener<EventOf<T>>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as Listener);
    this.#activate();
    return () => set.delete(listener as Listener);
  }

  /**
   * Runs `start` once something wants this process's events (now, if something already
   * does): emitters hook in only then, so a process nobody observes pays nothing per task.
   */
  whenActive(start: () => void): void {
    if (this.#active) start();
    else this.#onActive.push(start);
  }

  #activate(): void {
    if (this.#active) return;
    this.#active = true;
    for (const start of this.#onActive.splice(0)) start();
  }

  /** Whether this process publishes its events on the broker. */
  get sending(): boolean {
    return this.#broadcaster !== undefined;
  }

  /**
   * Publishes this process's events on the broker from now on (a worker's `--events`, or
   * `events.send`), batched; idempotent. Throws when the broker has no broadcast.
   */
  startSending(): void {
    if (this.#broadcaster) return;
    const broadcast = this.#deps.coordination.broadcast;
    if (!broadcast)
      throw new CeleriacError(
        'NO_BROADCAST',
        'this broker cannot carry events between processes (it has no broadcast)',
      );
    // The broker is one more sink: batched (a write per 100 ms or 200 events), bounded, and
    // never in the way of a task.
    const broker: EventSink = {
      name: 'broker',
      write: (events) => broadcast.publish(EVENTS_CHANNEL, JSON.stringify(events)),
    };
    const broadcaster = new SinkDispatcher(broker, this.#deps.log, {
      batchSize: 200,
      flushIntervalMs: 100,
    });
    this.#broadcaster = broadcaster;
    this.on('*', (event) => broadcaster.push(event));
    this.#activate();
  }

  /** Publishes the events still buffered for the broker. */
  async flushSent(): Promise<void> {
    await this.#broadcaster?.flush();
  }

  /** True when something listens to `type` here (listeners or sinks): emitters skip work otherwise. */
  wanted(type: ClusterEvent['type']): boolean {
    return (
      this.#broadcaster !== undefined ||
      this.#dispatchers.some((dispatcher) => dispatcher.wants(type)) ||
      (this.#listeners.get(type)?.size ?? 0) > 0 ||
      (this.#listeners.get('*')?.size ?? 0) > 0
    );
  }

  /**
   * Hands an event to this process's sinks (buffered: O(1), never waits) and listeners, each
   * isolated: a listener that throws is logged.
   */
  emit(event: ClusterEvent): void {
    for (const dispatcher of this.#dispatchers) dispatcher.push(event);
    for (const key of [event.type, '*'] as const) {
      const set = this.#listeners.get(key);
      if (!set) continue;
      for (const listener of set) {
        try {
          listener(event);
        } catch (error) {
          this.#deps.log.error({ err: error, event: event.type }, 'event listener threw');
        }
      }
    }
  }

  /** The sinks added so far. */
  get sinks(): readonly EventSink[] {
    return this.#dispatchers.map((dispatcher) => dispatcher.sink);
  }

  /** Adds a sink that receives every event this process emits (of its `types`, if it says). */
  addSink(sink: EventSink): this {
    const candidate = sink as Partial<EventSink> | null;
    if (
      typeof candidate?.write !== 'function' ||
      typeof candidate.name !== 'string' ||
      !candidate.name
    )
      throw new TypeError('addSink: expected a sink, an object with a name and write(events)');
    this.#dispatchers = [...this.#dispatchers, new SinkDispatcher(sink, this.#deps.log)];
    this.#activate();
    return this;
  }

  /** Per sink, in the order added: events written, dropped, and failed writes. */
  sinkStats(): Array<
    SinkStats & {
      /** The sink's name. */
      sink: string;
    }
  > {
    return this.#dispatchers.map((dispatcher) => ({
      sink: dispatcher.name,
      ...dispatcher.stats(),
    }));
  }

  /** Writes what the sinks still buffer and closes them (what `app.close()` does first). */
  async close(): Promise<void> {
    await Promise.all(this.#dispatchers.map((dispatcher) => dispatcher.close()));
  }

  /**
   * Hears every event published on the broker by any process (workers with events on, and
   * producers with `events.send`); malformed payloads are logged and skipped.
   */
  async receive(listener: Listener): Promise<Unsubscribe> {
    const broadcast = this.#deps.coordination.broadcast;
    if (!broadcast)
      throw new CeleriacError(
        'NO_BROADCAST',
        'this broker cannot carry events between processes (it has no broadcast)',
      );
    await this.#deps.connect();
    const log = this.#deps.log;
    return broadcast.subscribe(EVENTS_CHANNEL, (payload) => {
      for (const event of parseEvents(payload, log)) {
        try {
          listener(event);
        } catch (error) {
          log.error({ err: error, event: event.type }, 'event listener threw');
        }
      }
    });
  }
}

/** The events of one broadcast payload (a JSON array); anything else is logged and skipped. */
export function parseEvents(payload: string, log: Logger): ClusterEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    log.warn({ bytes: payload.length }, 'skipped an events payload that is not JSON');
    return [];
  }
  if (!Array.isArray(value)) {
    log.warn('skipped an events payload that is not an array');
    return [];
  }
  return value.filter(
    (item): item is ClusterEvent =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as { type?: unknown }).type === 'string' &&
      typeof (item as { timestamp?: unknown }).timestamp === 'number',
  );
}
