import {
  type Broker,
  type DeadLetterQuery,
  type Delivery,
  MemoryBroker,
  type NackOptions,
  type OutgoingMessage,
  type ReserveOptions,
} from '../../src/index.ts';

/**
 * A broker that moves messages and keeps no coordination state, as a RabbitMQ transport does:
 * the memory broker's transport and queue admin, and none of its stores.
 */
export class TransportOnlyBroker implements Broker {
  readonly #inner = new MemoryBroker();
  readonly capabilities = this.#inner.capabilities;
  connect = () => this.#inner.connect();
  close = () => this.#inner.close();
  enqueue = (messages: OutgoingMessage[]) => this.#inner.enqueue(messages);
  reserve = (queues: string[], options: ReserveOptions) => this.#inner.reserve(queues, options);
  ack = (deliveries: Delivery[]) => this.#inner.ack(deliveries);
  nack = (delivery: Delivery, options: NackOptions) => this.#inner.nack(delivery, options);
  extendLease = (deliveries: Delivery[], ms: number) => this.#inner.extendLease(deliveries, ms);
  stats = (queue: string) => this.#inner.stats(queue);
  queues = () => this.#inner.queues();
  purge = (queue: string) => this.#inner.purge(queue);
  listDeadLetters = (query?: DeadLetterQuery) => this.#inner.listDeadLetters(query);
  requeueDeadLetters = (ids?: string[]) => this.#inner.requeueDeadLetters(ids);
  purgeDeadLetters = (queue?: string) => this.#inner.purgeDeadLetters(queue);
}
