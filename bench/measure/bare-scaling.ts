import { spawn } from 'node:child_process';
import { now } from '../child/protocol.ts';

/** The same hashing as `bench.hash`, in a plain Node process with no Celeriac at all. */
const HASH_LOOP = `
const { createHash } = require('node:crypto');
const [tasks, rounds] = process.argv.slice(1).map(Number);
for (let t = 0; t < tasks; t++) {
  let digest = Buffer.from('celeriac');
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
}
`;

function hashIn(tasks: number, rounds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', HASH_LOOP, String(tasks), String(rounds)], {
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`hash process exited with ${code}`)),
    );
  });
}

/**
 * Tasks per second of `tasks` hashing tasks split over `processes` plain Node processes: what
 * this machine itself gives, the reference for the pools' 1-slot to 2-slot scaling.
 */
export async function bareHashRate(
  processes: number,
  tasks: number,
  rounds: number,
): Promise<number> {
  const share = Math.ceil(tasks / processes);
  const start = now();
  await Promise.all(Array.from({ length: processes }, () => hashIn(share, rounds)));
  return (share * processes) / ((now() - start) / 1000);
}
