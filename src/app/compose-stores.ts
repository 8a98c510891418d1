import { type Broker, COORDINATION_STORES, type Coordination } from '../brokers/contract/index.ts';
import { brokerFromUrl, coordinationFromUrl, DEFAULT_BROKER_URL } from '../brokers/registry.ts';
import { ConfigError } from '../errors/errors.ts';
import { redactUrl } from '../logging/redact-url.ts';

/** What a coordination store given apart from the broker may need opened and closed. */
interface Lifecycle {
  connect?: () => Promise<void>;
  close?: () => Promise<void>;
}

/** The broker and the coordination stores an app works with, and how logs name them. */
export interface ComposedStores {
  /** The transport and its queue admin: `config.broker`, or the default SQLite file. */
  broker: Broker;
  /** The broker as logs name it: its URL with the password hidden, or its class name. */
  brokerLabel: string;
  /** Rate limits, slots, unique claims, beat, broadcast, revokes and the worker registry. */
  coordination: Coordination;
  /** The coordination stores as errors name them: `the broker <label>` or `the coordination <label>`. */
  coordinationLabel: string;
  /** A coordination store given apart from the broker, which the app opens and closes. */
  separate: Lifecycle | undefined;
}

/** The app's own config keys this reads. */
export interface StoresConfig {
  broker?: string | Broker;
  coordination?: string | Coordination;
}

/**
 * Builds the broker from its URL (or takes the object), and the coordination stores: the
 * broker's own unless `coordination` names other ones (a URL of a broker that keeps them, or
 * an object with them). A coordination that keeps none is refused here, at `createApp`.
 */
export function composeStores(config: StoresConfig): ComposedStores {
  const brokerUrl = config.broker ?? DEFAULT_BROKER_URL;
  const broker = typeof brokerUrl === 'string' ? brokerFromUrl(brokerUrl) : brokerUrl;
  const brokerLabel = labelOf(brokerUrl);
  const given = config.coordination;
  if (given === undefined || given === broker) {
    return {
      broker,
      brokerLabel,
      coordination: broker,
      coordinationLabel: `the broker ${brokerLabel}`,
      separate: undefined,
    };
  }
  const coordination = typeof given === 'string' ? coordinationFromUrl(given) : given;
  const coordinationLabel = `the coordination ${labelOf(given)}`;
  if (!COORDINATION_STORES.some((store) => coordination[store] !== undefined)) {
    throw new ConfigError(
      'coordination',
      `${coordinationLabel} keeps no coordination store (none of ${COORDINATION_STORES.join(', ')}): it is a transport-only broker; name a broker that keeps them, such as redis://… or sqlite://…`,
    );
  }
  return {
    broker,
    brokerLabel,
    coordination: withBrokerUniques(coordination, broker),
    coordinationLabel,
    separate: coordination as Lifecycle,
  };
}

/**
 * The coordination's stores, but the unique claims of the broker: a claim is taken in the same
 * atomic step as its message's enqueue, so it must live where the message does. A broker
 * without claims of its own has none, and a unique task is refused at registration.
 */
function withBrokerUniques(coordination: Coordination, broker: Broker): Coordination {
  return {
    rates: coordination.rates,
    slots: coordination.slots,
    uniques: broker.uniques,
    beat: coordination.beat,
    broadcast: coordination.broadcast,
    revokes: coordination.revokes,
    workers: coordination.workers,
  };
}

/** A URL with its password hidden, or an object's class name. */
function labelOf(value: string | object): string {
  return typeof value === 'string' ? redactUrl(value) : value.constructor.name;
}
