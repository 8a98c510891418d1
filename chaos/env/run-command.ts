import { execFile } from 'node:child_process';

/** What a command printed, or the error of one that failed (with its stderr in the message). */
export function runCommand(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const detail = stderr.trim() || error.message;
      reject(new Error(`${file} ${args.join(' ')}: ${detail}`));
    });
  });
}

/** True when the command ran and exited 0: for probing what this machine has. */
export async function commandSucceeds(file: string, args: readonly string[]): Promise<boolean> {
  return runCommand(file, args).then(
    () => true,
    () => false,
  );
}

/** Why this process cannot change the machine's network, mounts or clocks, or undefined. */
export function notRootReason(): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  return 'needs root (network namespaces, mounts and iptables rules are privileged)';
}
