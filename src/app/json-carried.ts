import { types } from 'node:util';
import { UnserializableArgument } from '../errors/errors.ts';

/** Deeper nesting is refused: decoders on the other side would overflow their stack on it. */
export const MAX_ARGUMENT_DEPTH = 1000;

/** The values one call sends beside its task name: what JSON must carry unchanged. */
export interface CarriedValues {
  readonly args: readonly unknown[];
  readonly kwargs?: Record<string, unknown> | undefined;
  readonly headers?: Record<string, unknown> | undefined;
}

interface Problem {
  /** The keys from the top-level value down to the bad one, outermost first. */
  keys: (string | number)[];
  what: string;
}

/**
 * Throws UnserializableArgument, naming the task and the value's path, unless JSON carries
 * every argument, keyword argument and header unchanged. One walk, no encoding.
 */
export function checkCarried(task: string, values: CarriedValues, item?: number): void {
  const found =
    problemIn(values.args, 'args', false, []) ??
    problemIn(values.kwargs, 'kwargs', false, []) ??
    problemIn(values.headers, 'headers', false, []);
  if (found) throw new UnserializableArgument(task, pathOf(found.keys), found.what, item);
}

function problemIn(
  value: unknown,
  key: string | number,
  inArray: boolean,
  ancestors: object[],
): Problem | undefined {
  const what = primitiveProblem(value, inArray);
  if (what !== undefined) return { keys: [key], what };
  if (typeof value !== 'object' || value === null) return undefined;
  const inner = objectProblem(value, ancestors);
  if (inner) inner.keys.unshift(key);
  return inner;
}

function primitiveProblem(value: unknown, inArray: boolean): string | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? undefined : `is ${value}, which JSON carries as null`;
    case 'undefined':
      // Object properties that are undefined are dropped, as JSON does; in an array (or as an
      // argument) JSON would turn them into null.
      return inArray ? 'is undefined, which JSON carries as null (pass null instead)' : undefined;
    case 'function':
      return 'is a function, which JSON cannot carry';
    case 'symbol':
      return 'is a symbol, which JSON cannot carry';
    case 'bigint':
      return 'is a BigInt, which JSON cannot carry (send it as a string)';
    default:
      return undefined;
  }
}

function objectProblem(value: object, ancestors: object[]): Problem | undefined {
  if (ancestors.includes(value)) return { keys: [], what: 'is a circular reference' };
  if (ancestors.length >= MAX_ARGUMENT_DEPTH)
    return { keys: [], what: `is nested more than ${MAX_ARGUMENT_DEPTH} levels deep` };
  const refused = refusedObject(value);
  if (refused !== undefined) return { keys: [], what: refused };
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  ancestors.push(value);
  try {
    return Array.isArray(value) ? elementProblem(value, ancestors) : fieldProblem(value, ancestors);
  } finally {
    ancestors.pop();
  }
}

function elementProblem(array: unknown[], ancestors: object[]): Problem | undefined {
  // An index loop, not for-of or forEach: holes read as undefined and are refused like it.
  for (let i = 0; i < array.length; i++) {
    const found = problemIn(array[i], i, true, ancestors);
    if (found) return found;
  }
  return undefined;
}

function fieldProblem(object: object, ancestors: object[]): Problem | undefined {
  for (const key of Object.keys(object)) {
    const found = problemIn((object as Record<string, unknown>)[key], key, false, ancestors);
    if (found) return found;
  }
  return undefined;
}

/** Why JSON would change or drop this object, or undefined when it carries it. */
function refusedObject(value: object): string | undefined {
  // The common case first: plain objects and arrays of this realm need none of the checks below.
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === Array.prototype || proto === null) return undefined;
  if (types.isDate(value))
    return Number.isNaN(value.getTime())
      ? 'is an invalid Date, which JSON carries as null'
      : undefined;
  if (types.isArrayBufferView(value) || types.isAnyArrayBuffer(value))
    return `is a ${className(value)}, which JSON cannot carry faithfully (send it as a base64 string)`;
  if (types.isMap(value))
    return 'is a Map, which JSON carries as {} (send Object.fromEntries(map) or [...map])';
  if (types.isSet(value)) return 'is a Set, which JSON carries as {} (send [...set])';
  if (types.isWeakMap(value) || types.isWeakSet(value))
    return `is a ${className(value)}, which JSON cannot carry`;
  if (types.isRegExp(value)) return 'is a RegExp, which JSON carries as {} (send its source)';
  if (types.isNativeError(value) || value instanceof Error)
    return `is an Error (${className(value)}), which JSON carries as {} (send its message)`;
  if (types.isPromise(value)) return 'is a Promise, which JSON carries as {} (await it first)';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function' || isPlain(value))
    return undefined;
  return (
    `is an instance of ${className(value)} without toJSON, which JSON carries as a plain ` +
    'object without its class (send a plain object, or give the class a toJSON method)'
  );
}

/** Arrays and objects whose prototype is Object.prototype (of any realm) or null. */
function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function className(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'anonymous class';
}

/** `args[1].callback`, `kwargs["odd key"][0]`. */
function pathOf(keys: (string | number)[]): string {
  let path = '';
  for (const key of keys) {
    if (typeof key === 'number') path += `[${key}]`;
    else if (path === '' || /^[A-Za-z_$][\w$]*$/.test(key)) path += path === '' ? key : `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
  }
  return path;
}
