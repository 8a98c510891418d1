import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../../redis/redis-connection.ts';

type Arg = string | number | Buffer;
/**
 * Keys are spread into the call and the arguments go as one array, which ioredis flattens:
 * spread, a batch of 100,000 or more arguments would overflow the stack. Keys stay plain
 * arguments, the shape a Redis Cluster client reads a command's keys from.
 */
type EvalArgs = [script: string, numKeys: number, ...keysThenArgs: Array<string | Arg[]>];
/** ioredis has the Buffer-reply variants of EVAL and EVALSHA at run time but not in its types. */
interface BufferEval {
  evalshaBuffer(...args: EvalArgs): Promise<unknown>;
  evalBuffer(...args: EvalArgs): Promise<unknown>;
}
/** A MULTI being queued; its EVAL takes the same two arrays. */
interface QueuedEval {
  eval(...args: EvalArgs): unknown;
}

const SCRIPTS_DIR = new URL('./scripts/', import.meta.url);

/** Reads a script and inlines its `--@include lib/x.lua` lines, so shared Lua lives once. */
export function loadLuaSource(name: string, scriptsDir: URL = SCRIPTS_DIR): string {
  const source = readFileSync(new URL(name, scriptsDir), 'utf8');
  return source.replace(/^--@include (\S+)$/gm, (_, lib: string) =>
    readFileSync(new URL(lib, scriptsDir), 'utf8'),
  );
}

/**
 * One Lua step, run with EVALSHA and loaded on the first NOSCRIPT (a restarted or new node), so
 * the source crosses the network once per server.
 */
export class LuaScript {
  #loaded: { source: string; sha: string } | undefined;

  /** `scriptsDir`: where `<name>.lua` lives (default: the broker's scripts). */
  constructor(
    readonly name: string,
    private readonly scriptsDir: URL = SCRIPTS_DIR,
  ) {}

  /** The script's text with its includes inlined; read on first use, so importing reads no file. */
  get source(): string {
    return this.#load().source;
  }

  /** The SHA-1 that EVALSHA names the script by. */
  get sha(): string {
    return this.#load().sha;
  }

  #load(): { source: string; sha: string } {
    if (!this.#loaded) {
      const source = loadLuaSource(`${this.name}.lua`, this.scriptsDir);
      this.#loaded = { source, sha: createHash('sha1').update(source).digest('hex') };
    }
    return this.#loaded;
  }

  /** Runs the script; replies come back as Buffers (bodies are binary). */
  async run(client: RedisClient, keys: string[], args: Arg[]): Promise<unknown> {
    try {
      return await (client as unknown as BufferEval).evalshaBuffer(
        this.sha,
        keys.length,
        ...keys,
        args,
      );
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      return (client as unknown as BufferEval).evalBuffer(this.source, keys.length, ...keys, args);
    }
  }

  /**
   * Runs the script with EVAL, never EVALSHA, for calls whose order matters: after a NOSCRIPT
   * the retry of one call could go out behind a later call that found the script loaded.
   */
  async runInOrder(client: RedisClient, keys: string[], args: Arg[]): Promise<unknown> {
    return (client as unknown as BufferEval).evalBuffer(this.source, keys.length, ...keys, args);
  }

  /**
   * Queues the script into a MULTI with EVAL and its source, never EVALSHA: inside a
   * transaction a NOSCRIPT fails that command alone while the others are applied.
   */
  queueIn(transaction: ChainableCommander, keys: string[], args: Arg[]): void {
    (transaction as unknown as QueuedEval).eval(this.source, keys.length, ...keys, args);
  }
}

/** Every step of the Redis broker, one script each. */
export const SCRIPTS = {
  publish: new LuaScript('publish'),
  reserve: new LuaScript('reserve'),
  ack: new LuaScript('ack'),
  retry: new LuaScript('retry'),
  deadLetter: new LuaScript('dead-letter'),
  extendLeases: new LuaScript('extend-leases'),
  promoteDue: new LuaScript('promote-due'),
  recoverLeases: new LuaScript('recover-leases'),
  requeueDead: new LuaScript('requeue-dead'),
  purge: new LuaScript('purge'),
  queueStats: new LuaScript('queue-stats'),
} as const;
