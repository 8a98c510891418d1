/** Turns envelopes into bytes and back. Decoding yields `unknown`: validation comes after. */
export interface Serializer {
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}
