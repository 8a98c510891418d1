import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const CLUSTER_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** A redis-server child process owned by the test. */
export interface RedisServerHandle {
  port: number;
  url: string;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), delete the data dir; safe after kill(). */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit, keeping the data dir, to simulate a crash. */
  kill(): Promise<void>;
  /** Stop, then start again on the same port and wait until it answers PING. */
  restart(): Promise<void>;
}

/** A Redis Cluster of masters without replicas, all on loopback. */
export interface RedisClusterHandle {
  nodes: Array<{ host: '127.0.0.1'; port: number }>;
  url: string;
  /** Stop every node and delete their data dirs. */
  stop(): Promise<void>;
}

/** A spawned server; `closed` settles on exit or failed spawn, `output` is its output tail. */
type Proc = { child: ChildProcess; port: number; closed: Promise<void>; output(): string };

/** Servers still running and temp dirs not yet removed. */
const children = new Set<ChildProcess>();
const dirs = new Set<string>();
/** A test that crashes or forgets stop() must not leave servers or temp dirs behind. */
const cleanUp = () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) removeDir(dir);
};
process.on('exit', cleanUp);
// Vitest ends fork workers with SIGTERM, which skips 'exit' handlers: clean up, then die as before.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanUp();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/** A fresh temp dir, removed by stop() or, failing that, at process exit. */
function makeDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  dirs.delete(dir);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    // Cleanup must not mask the test's own outcome; a stray temp dir is only worth a warning.
    process.stderr.write(`redis-servers: could not remove ${dir}: ${String(err)}\n`);
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function spawnRedis(port: number, dir: string, extra: string[]): Proc {
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', [...args, '--dir', dir, '--daemonize', 'no', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let tail = '';
  const append = (chunk: Buffer | string) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // Spawn failures (e.g. ENOENT) arrive as 'error'; keep them for the readiness error message.
  child.on('error', (err) => append(`\n[spawn error] ${err.message}\n`));
  child.once('close', () => children.delete(child));
  // 'close' fires for both a normal exit and a failed spawn, unlike 'exit'.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, port, closed, output: () => tail };
}

function failure({ child, port, output }: Proc, what: string): Error {
  const state = `exit code ${child.exitCode}, signal ${child.signalCode}`;
  const tail = output().trimEnd() || '(no output)';
  return new Error(`redis-server on port ${port} ${what} (${state}). Output tail:\n${tail}`);
}

/** SIGTERM, then SIGKILL if it is still running after the grace period. */
async function terminate(proc: Proc): Promise<void> {
  if (!hasExited(proc.child)) proc.child.kill('SIGTERM');
  const grace = sleep(STOP_GRACE_MS, false, { ref: false });
  const exited = await Promise.race([proc.closed.then(() => true), grace]);
  if (!exited) await killNow(proc);
}

async function killNow(proc: Proc): Promise<void> {
  if (!hasExited(proc.child)) proc.child.kill('SIGKILL');
  await proc.closed;
}

/** One command over a raw socket, not ioredis: polling a starting server must fail fast. */
function command(port: number, args: string[], timeoutMs = 500): Promise<string> {
  const bulk = args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  const request = `*${args.length}\r\n${bulk.join('')}`;
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port }, () => socket.write(request));
    const timer = setTimeout(() => done(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    const done = (err: Error | undefined, value = '') => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.on('error', (err) => done(err));
    socket.on('close', () => done(new Error('connection closed before a reply')));
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const type = buf.subarray(0, 1).toString();
      const head = buf.subarray(1, eol).toString();
      if (type === '-') return done(new Error(head));
      if (type !== '$') return done(undefined, head);
      const end = eol + 2 + Math.max(Number(head), 0);
      if (buf.length >= end) done(undefined, buf.subarray(eol + 2, end).toString());
    });
  });
}

/** Polls `check` until it returns true; its errors only describe why it is not ready yet. */
async function poll(proc: Proc[], timeoutMs: number, what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  let last = 'not ready';
  while (Date.now() < deadline) {
    const dead = proc.find((p) => hasExited(p.child));
    if (dead) throw failure(dead, `exited while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(50);
  }
  const first = proc[0];
  const detail = `did not reach ${what} within ${timeoutMs / 1000} s (last: ${last})`;
  throw first ? failure(first, detail) : new Error(detail);
}

/** Binds and releases `port` (0: any, chosen by the OS); resolves to it, or 0 if it is taken. */
function tryBind(port: number): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    // EADDRINUSE and the like just mean "pick another port"; callers retry.
    server.once('error', () => resolve(0));
    server.listen({ host: HOST, port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A free loopback port (never 6379) from the OS's ephemeral range. Cluster nodes also need
 * port + 10000 (the bus) free and below 65536, so they probe 20000-29999 instead.
 */
async function freePort(clusterBus: boolean): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const random = 20_000 + Math.floor(Math.random() * 10_000);
    const port = await tryBind(clusterBus ? random : 0);
    if (port === 0 || port === 6379) continue;
    if (!clusterBus || (await tryBind(port + 10_000)) !== 0) return port;
  }
  throw new Error('redis-servers: found no free loopback port in 100 attempts');
}

/** Extra redis-server arguments; a function when they depend on the chosen port. */
type ExtraArgs = string[] | ((port: number) => string[]);

/** Answers PING, and is really our child, not another server that already held the port. */
async function isReady(proc: Proc): Promise<boolean> {
  if ((await command(proc.port, ['PING'])) !== 'PONG') return false;
  const info = await command(proc.port, ['INFO', 'server']);
  if (info.includes(`process_id:${proc.child.pid}\r\n`)) return true;
  throw new Error(`port ${proc.port} is served by another process`);
}

/** Spawns redis-server and waits for PING; a port lost to a race is retried on a fresh one. */
async function launch(dir: string, args: ExtraArgs, fixed?: number, bus = false): Promise<Proc> {
  for (let attempt = 1; ; attempt++) {
    const port = fixed ?? (await freePort(bus));
    const proc = spawnRedis(port, dir, typeof args === 'function' ? args(port) : args);
    try {
      await poll([proc], READY_TIMEOUT_MS, 'PING', () => isReady(proc));
      return proc;
    } catch (err) {
      await killNow(proc);
      const portClash = proc.output().includes('Address already in use');
      if (fixed !== undefined || !portClash || attempt >= 5) throw err;
    }
  }
}

/** Starts a throwaway redis-server (no persistence) on a free loopback port. */
export async function startRedisServer(
  options: { port?: number; args?: string[] } = {},
): Promise<RedisServerHandle> {
  const args = options.args ?? [];
  const dir = makeDir('celeriac-redis-');
  let proc = await launch(dir, args, options.port).catch((err: unknown) => {
    removeDir(dir);
    throw err;
  });
  const port = proc.port;
  return {
    port,
    url: `redis://${HOST}:${port}/0`,
    async stop() {
      await terminate(proc);
      removeDir(dir);
    },
    kill: () => killNow(proc),
    async restart() {
      await terminate(proc);
      mkdirSync(dir, { recursive: true });
      dirs.add(dir);
      proc = await launch(dir, args, port);
    },
  };
}

/** Joins running cluster-enabled nodes into one cluster of masters. */
async function createCluster(addresses: string[]): Promise<void> {
  const args = ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'];
  try {
    await execFileAsync('redis-cli', args, { timeout: CLUSTER_TIMEOUT_MS });
  } catch (err) {
    // redis-cli reports --cluster errors on stdout, which the error message leaves out.
    const stdout = (err as { stdout?: string }).stdout ?? '';
    throw new Error(`redis-cli --cluster create failed: ${String(err)}\n${stdout.slice(-2_000)}`);
  }
}

/** Starts `masters` (default 3) cluster-enabled servers, forms a cluster, waits for state ok. */
export async function startRedisCluster(
  options: { masters?: number } = {},
): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error(`a Redis Cluster needs at least 3 masters, got ${masters}`);
  const root = makeDir('celeriac-redis-cluster-');
  const procs: Proc[] = [];
  const stop = async () => {
    await Promise.all(procs.map(terminate));
    removeDir(root);
  };
  try {
    const args = (port: number) => [
      ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
      ...['--cluster-node-timeout', '5000'],
    ];
    // Sequential: a running node holds its ports, so the next node's probe cannot pick them.
    for (let i = 0; i < masters; i++) {
      const dir = join(root, `node-${i}`);
      mkdirSync(dir);
      procs.push(await launch(dir, args, undefined, true));
    }
    const addresses = procs.map((p) => `${HOST}:${p.port}`);
    await createCluster(addresses);
    await poll(procs, CLUSTER_TIMEOUT_MS, 'cluster_state:ok on every node', async () => {
      const infos = await Promise.all(procs.map((p) => command(p.port, ['CLUSTER', 'INFO'])));
      return infos.every((info) => info.includes('cluster_state:ok'));
    });
    return {
      nodes: procs.map((p) => ({ host: HOST, port: p.port })),
      url: `redis+cluster://${addresses.join(',')}`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
