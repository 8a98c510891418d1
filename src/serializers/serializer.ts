/** Turns envelopes into bytes and back. Decoding yields `unknown`: validation comes after. */
export interface Serializer {
  /** The MIME type of the bytes it makes, such as `application/json`. */
  readonly contentType: string;
  /** Turns a value (an envelope in its wire form) into bytes. */
  encode(value: unknown): Uint8Array;
  /** Turns bytes back into a value; a throw dead-letters the message with the error message. */
  decode(bytes: Uint8Array): unknown;
}
