import type { ChaosProcess } from './processes.ts';

/** SIGTERM to every process, in parallel; a violation for each that did not exit 0. */
export async function stopGracefully(processes: ChaosProcess[]): Promise<string[]> {
  const exits = await Promise.all(processes.map(async (p) => ({ p, info: await p.terminate() })));
  return exits
    .filter(({ info }) => info.code !== 0)
    .map(({ p, info }) => {
      const how = info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
      const tail = p.output().split('\n').slice(-5).join('\n');
      return `${p.role} ${p.pid} did not stop gracefully on SIGTERM (${how}):\n${tail}`;
    });
}
