import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.ts';
import { RedisBackend } from '../../src/backends/redis/redis-backend.ts';
import { backendFromUrl, registerBackend } from '../../src/backends/registry.ts';
import { SqliteBackend } from '../../src/backends/sqlite/sqlite-backend.ts';
import { ConfigError } from '../../src/errors/errors.ts';

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sqlitePathOf(url: string): string {
  const backend = backendFromUrl(url);
  expect(backend).toBeInstanceOf(SqliteBackend);
  return (backend as SqliteBackend).path;
}

describe('backendFromUrl', () => {
  it('builds a MemoryBackend from memory://', () => {
    expect(backendFromUrl('memory://')).toBeInstanceOf(MemoryBackend);
  });

  it('reads sqlite://relative/path.db as a relative path', () => {
    expect(sqlitePathOf('sqlite://relative/path.db')).toBe('relative/path.db');
    expect(sqlitePathOf('sqlite://celeriac.db')).toBe('celeriac.db');
  });

  it('reads sqlite:///abs/path.db as an absolute path', () => {
    expect(sqlitePathOf('sqlite:///abs/path.db')).toBe('/abs/path.db');
  });

  it('opens the file an absolute sqlite URL names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-resolve-'));
    dirs.push(dir);
    const path = join(dir, 'results.db');
    const backend = backendFromUrl(`sqlite://${path}`);
    await backend.connect();
    await backend.close();
    expect(existsSync(path)).toBe(true);
  });

  it('rejects an unsupported scheme with the exact message', () => {
    const attempt = () => backendFromUrl('xyz://somewhere');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'invalid config "backend": unsupported result backend URL scheme "xyz:" (supported: sqlite://, redis://, rediss://, memory://)',
    );
  });

  it('builds a RedisBackend from redis:// and rediss:// without connecting', () => {
    const plain = backendFromUrl('redis://127.0.0.1:6379/0?prefix=app1');
    expect(plain).toBeInstanceOf(RedisBackend);
    expect((plain as RedisBackend).prefix).toBe('app1');
    const secure = backendFromUrl('rediss://user:secret@redis.example:6380/2');
    expect(secure).toBeInstanceOf(RedisBackend);
    expect((secure as RedisBackend).prefix).toBe('celeriac');
    expect((secure as RedisBackend).url).toBe('rediss://user:***@redis.example:6380/2');
  });

  it('rejects a malformed redis URL without showing its password', () => {
    const attempt = () => backendFromUrl('redis://:secret@127.0.0.1:6379/zero');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'invalid config "backend": Redis URL "redis://:***@127.0.0.1:6379/zero" names database "zero", not a number such as /0',
    );
  });

  it('builds a registered backend for its schemes', () => {
    registerBackend({ schemes: ['test+results'], create: () => new MemoryBackend() });
    expect(backendFromUrl('test+results://anywhere')).toBeInstanceOf(MemoryBackend);
    expect(() =>
      registerBackend({ schemes: ['sqlite'], create: () => new MemoryBackend() }),
    ).toThrow('invalid config "backend": the result backend URL scheme "sqlite:" is taken already');
  });

  it('rejects a URL without a scheme', () => {
    expect(() => backendFromUrl('results.db')).toThrow(ConfigError);
  });

  it('rejects a sqlite URL without a path', () => {
    expect(() => backendFromUrl('sqlite://')).toThrow(
      'invalid config "backend": SQLite URL "sqlite://" names no file (e.g. sqlite://celeriac.db or sqlite:///var/lib/celeriac.db)',
    );
  });
});
