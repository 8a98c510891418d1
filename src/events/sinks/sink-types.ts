import { type ClusterEvent, TASK_EVENT_TYPES, WORKER_EVENT_TYPES } from '../cluster-event.ts';

const KNOWN_TYPES: ReadonlySet<string> = new Set([...TASK_EVENT_TYPES, ...WORKER_EVENT_TYPES]);

/** Checks a sink's `types` option: a non-empty list of known event types, or undefined. */
export function checkSinkTypes(
  sink: string,
  types: unknown,
): readonly ClusterEvent['type'][] | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types) || types.length === 0)
    throw new TypeError(`${sink}: types must be a non-empty list of event types`);
  const unknown = types.find((type) => !KNOWN_TYPES.has(type));
  if (unknown !== undefined)
    throw new TypeError(
      `${sink}: unknown event type ${JSON.stringify(unknown)}; expected one of ${[...KNOWN_TYPES].join(', ')}`,
    );
  return [...types];
}
