import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';

/** A PING in flight on one socket of one connection. */
interface Probe {
  stream: Socket;
  sentAt: number;
}

/**
 * Drops a connection that went silent, so ioredis remakes it. A partition that drops packets
 * gives no error: the socket stays open, TCP retransmits with a backoff that reaches tens of
 * seconds, and every command waits on it; after the heal the client would stay mute until the
 * next retransmission. A connection that received nothing for a quarter of the timeout gets a
 * PING, and one whose PING is unanswered after the timeout has its socket destroyed: a silent
 * connection is dropped within twice the timeout. That fails the commands waiting on it with a
 * connection error (their callers retry; a reserve whose reply was lost leaves leases that
 * expire and redeliver) and lets ioredis reconnect.
 */
export class ConnectionLiveness {
  /** How many silent connections were dropped. */
  drops = 0;
  readonly #client: RedisClient;
  readonly #timeoutMs: number;
  readonly #probes = new Map<Redis, Probe>();
  /** When each socket last received bytes, or was first seen. */
  readonly #heard = new WeakMap<Socket, number>();
  #timer: NodeJS.Timeout | undefined;

  /** Checks `client` once started; `timeoutMs` is how long a PING may go unanswered. */
  constructor(client: RedisClient, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  /** Starts checking, every quarter of the timeout; idempotent. */
  start(): void {
    const every = Math.max(10, Math.floor(this.#timeoutMs / 4));
    this.#timer ??= setInterval(() => this.#check(), every);
    // A check alone must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  /** Stops checking; a PING in flight is left to its connection. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#probes.clear();
  }

  #check(): void {
    for (const connection of connectionsOf(this.#client)) this.#checkOne(connection);
  }

  #checkOne(connection: Redis): void {
    const stream = connection.stream as Socket | undefined;
    // Connecting is bounded by ioredis's connect timeout; a handshake is left to it too, since
    // a server loading its data answers the ready check only every few seconds.
    if (!stream || connection.status !== 'ready') {
      this.#probes.delete(connection);
      return;
    }
    const now = Date.now();
    const heard = this.#heardOn(stream, now);
    const probe = this.#probes.get(connection);
    if (probe && probe.stream === stream && probe.sentAt >= heard) {
      if (now - probe.sentAt >= this.#timeoutMs) this.#drop(connection, stream);
      return;
    }
    this.#probes.delete(connection);
    if (now - heard >= this.#timeoutMs / 4) this.#ping(connection, stream, now);
  }

  /** When the socket last received bytes; listens to it from the first time it is seen. */
  #heardOn(stream: Socket, now: number): number {
    const heard = this.#heard.get(stream);
    if (heard !== undefined) return heard;
    this.#heard.set(stream, now);
    stream.on('data', () => this.#heard.set(stream, Date.now()));
    return now;
  }

  #ping(connection: Redis, stream: Socket, now: number): void {
    const probe = { stream, sentAt: now };
    this.#probes.set(connection, probe);
    const settle = () => {
      if (this.#probes.get(connection) === probe) this.#probes.delete(connection);
    };
    // A failed PING means the connection already failed, and ioredis already reconnects.
    connection.ping().then(settle, settle);
  }

  #drop(connection: Redis, stream: Socket): void {
    this.#probes.delete(connection);
    this.drops++;
    // destroy(), not end(): a FIN into a silent link would wait as long as the data does. The
    // error reaches the client's 'error' listeners, so the drop is logged where errors are.
    stream.destroy(
      new Error(`no reply from Redis to a PING within ${this.#timeoutMs} ms; reconnecting`),
    );
  }
}

/** The connections a client talks over: itself, or each node of a cluster. */
function connectionsOf(client: RedisClient): Redis[] {
  return 'nodes' in client && typeof client.nodes === 'function'
    ? client.nodes('all')
    : [client as Redis];
}
