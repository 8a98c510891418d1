import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Another process holding `BEGIN EXCLUSIVE` on a SQLite file until released. */
export interface SqliteLock {
  /** Commits the holder's transaction and waits for it to exit. */
  release(): Promise<void>;
}

const HOLDER = fileURLToPath(new URL('./sqlite-lock-holder.ts', import.meta.url));

/** Starts the holder on `file` and resolves once it holds the lock. */
export function lockSqliteFile(file: string): Promise<SqliteLock> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, file], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!output.includes('locked\n')) return;
      child.stdout.off('data', onData);
      resolve({
        async release() {
          child.stdin.end();
          const code = await exited;
          if (code !== 0) throw new Error(`sqlite lock holder exited ${code}: ${output}`);
        },
      });
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`sqlite lock holder exited ${code}: ${output}`)));
  });
}
