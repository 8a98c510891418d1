import { MalformedMessage } from '../errors/errors.ts';
import { nestsDeeperThan } from './json-depth.ts';
import type { Serializer } from './serializer.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The deepest nesting of arrays and objects a body may have: far below what overflows a stack. */
export const MAX_JSON_DEPTH = 1000;

/** The default serializer: UTF-8 JSON, which executes nothing on decode. */
export const jsonSerializer: Serializer = {
  contentType: 'application/json',
  encode(value: unknown): Uint8Array {
    return encoder.encode(JSON.stringify(value));
  },
  decode(bytes: Uint8Array): unknown {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (error) {
      // A body longer than the longest string V8 makes fails with a RangeError.
      const why = error instanceof RangeError ? 'too large to decode' : 'not valid UTF-8';
      throw new MalformedMessage(`body is ${why}`, { cause: error });
    }
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      throw new MalformedMessage(
        `body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
    return parse(text);
  },
};

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Out of memory or stack, JSON.parse throws a RangeError: as undecodable as a syntax error.
    const why = error instanceof RangeError ? 'too large to parse' : 'not valid JSON';
    throw new MalformedMessage(`body is ${why} (${(error as Error).message})`, { cause: error });
  }
}
