import { createInterface } from 'node:readline/promises';
import { CliError } from '../load-app.ts';

/** Asks a yes/no question on a terminal; refuses without one, as a purge is not undoable. */
export async function confirm(question: string, force: boolean | undefined): Promise<boolean> {
  if (force) return true;
  if (!process.stdin.isTTY) {
    throw new CliError(
      'refusing to delete without confirmation: no terminal to ask on; pass --force',
      2,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
