import { describe, expect, it } from 'vitest';
import { MalformedMessage } from '../../../src/index.ts';
import { jsonSerializer, MAX_JSON_DEPTH } from '../../../src/serializers/json.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function decodeError(body: Uint8Array): MalformedMessage {
  try {
    jsonSerializer.decode(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedMessage);
    return error as MalformedMessage;
  }
  throw new Error('expected a MalformedMessage');
}

describe('jsonSerializer', () => {
  it('round-trips values as UTF-8 JSON', () => {
    const value = { task: 'add', args: [1, 'é', '🥕', null, { a: [true] }] };
    const body = jsonSerializer.encode(value);
    expect(body).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(body)).toBe(JSON.stringify(value));
    expect(jsonSerializer.decode(body)).toEqual(value);
    expect(jsonSerializer.contentType).toBe('application/json');
  });

  it('names invalid JSON and keeps the parser error as the cause', () => {
    const error = decodeError(bytes('not json'));
    expect(error.message).toMatch(/^malformed message: body is not valid JSON \(.+\)$/);
    expect(error.message).toContain('Unexpected token');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('names an empty and a truncated body as invalid JSON', () => {
    expect(decodeError(new Uint8Array()).message).toMatch(
      /^malformed message: body is not valid JSON \(/,
    );
    expect(decodeError(bytes('{"task":')).message).toMatch(
      /^malformed message: body is not valid JSON \(/,
    );
  });

  it('names invalid UTF-8', () => {
    const error = decodeError(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(error.message).toBe('malformed message: body is not valid UTF-8');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('rejects a truncated multi-byte character', () => {
    const full = bytes('"🥕"');
    expect(decodeError(full.subarray(0, 3)).message).toBe(
      'malformed message: body is not valid UTF-8',
    );
  });

  it('does not revive dates or classes', () => {
    const body = jsonSerializer.encode({ at: new Date(0) });
    expect(jsonSerializer.decode(body)).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });

  it('refuses a body nested deeper than MAX_JSON_DEPTH, which JSON.parse alone would accept', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(decodeError(bytes(nested(100_000))).message).toBe(
      'malformed message: body nests arrays and objects deeper than 1000 levels',
    );
    expect(decodeError(bytes(`{"task":"t","args":${nested(MAX_JSON_DEPTH)}}`)).message).toBe(
      'malformed message: body nests arrays and objects deeper than 1000 levels',
    );
    const deepest = jsonSerializer.decode(bytes(nested(MAX_JSON_DEPTH))) as unknown[];
    expect(Array.isArray(deepest)).toBe(true);
  });

  it('counts no brackets inside strings, escaped quotes included', () => {
    // JSON "\\\"[[[…": an escaped backslash, then an escaped quote, then brackets in the string.
    const brackets = `"\\\\\\"${'['.repeat(5000)}"`;
    const body = bytes(`{"task":"t","args":[${brackets}]}`);
    expect(jsonSerializer.decode(body)).toEqual({ task: 't', args: [`\\"${'['.repeat(5000)}`] });
  });
});
