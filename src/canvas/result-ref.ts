import { AsyncResult, type ResultSource } from '../result/async-result.ts';
import { GroupResult } from './group-result.ts';

/** Where a sent workflow's outcome will be: one task's id, or a group of them. */
export type ResultRef =
  | { kind: 'one'; id: string }
  | { kind: 'group'; id: string; members: ResultRef[] };

/** The handle a caller gets for a result reference. */
export function resultOf(
  ref: ResultRef,
  source: ResultSource | undefined,
): AsyncResult | GroupResult {
  if (ref.kind === 'one') return new AsyncResult(ref.id, source);
  return new GroupResult(
    ref.id,
    ref.members.map((member) => resultOf(member, source)),
  );
}
