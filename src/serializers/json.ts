import { MalformedMessage } from '../errors/errors.ts';
import type { Serializer } from './serializer.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

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
      throw new MalformedMessage('body is not valid UTF-8', { cause: error });
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new MalformedMessage(`body is not valid JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
  },
};
