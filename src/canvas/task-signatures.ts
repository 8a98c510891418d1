import { CeleriacError } from '../errors/errors.ts';
import { MAP_TASK, STARMAP_TASK } from './builtin-tasks.ts';
import type { CanvasHost } from './canvas-host.ts';
import { Signature } from './signature.ts';
import { Group } from './workflows.ts';

/** A signature of `name` with `args`; `immutable` for si(). */
export function taskSignature<R, P>(
  host: CanvasHost,
  name: string,
  args: unknown[],
  immutable: boolean,
): Signature<R, P> {
  const node = { kind: 'task' as const, task: name, args, options: {} };
  return new Signature<R, P>(host, immutable ? { ...node, immutable } : node);
}

/** One message that runs `name` once per item (or argument list, for starmap) on one worker. */
export function mapSignature<R>(
  host: CanvasHost,
  name: string,
  items: unknown[],
  star: boolean,
): Signature<R[], never> {
  if (!Array.isArray(items))
    throw new CeleriacError('BAD_ARGS', `${star ? 'starmap' : 'map'} of "${name}" needs an array`);
  const queue = host.queueFor(name, host.registry.find(name)?.options.queue);
  return new Signature<R[], never>(host, {
    kind: 'task',
    task: star ? STARMAP_TASK : MAP_TASK,
    args: [name, items],
    options: { queue },
  });
}

/** A group of starmap messages of `size` argument lists each: a big list in bounded messages. */
export function chunksGroup<R>(
  host: CanvasHost,
  name: string,
  argsList: unknown[][],
  size: number,
): Group<R[][]> {
  if (!Number.isInteger(size) || size < 1)
    throw new CeleriacError(
      'BAD_ARGS',
      `chunks of "${name}": size must be a positive integer, got ${size}`,
    );
  if (!Array.isArray(argsList) || argsList.length === 0)
    throw new CeleriacError(
      'BAD_ARGS',
      `chunks of "${name}" needs a non-empty array of argument lists`,
    );
  const members = [];
  for (let start = 0; start < argsList.length; start += size) {
    members.push(mapSignature<R>(host, name, argsList.slice(start, start + size), true));
  }
  return new Group<R[][]>(host, members);
}
