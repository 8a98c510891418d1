const ESC = '\x1b[';
/** Alternate screen buffer on, cursor hidden, screen cleared. */
const ENTER = `${ESC}?1049h${ESC}?25l${ESC}2J`;
/** Cursor shown, back to the normal screen with what it held before. */
const LEAVE = `${ESC}?25h${ESC}?1049l`;
/** Cursor home; each line then clears its own tail, and the end clears below: no flicker. */
const HOME = `${ESC}H`;
const CLEAR_LINE_TAIL = `${ESC}K`;
const CLEAR_BELOW = `${ESC}J`;

/**
 * A full-screen view on a terminal: `enter()` switches to the alternate screen and hides the
 * cursor, `draw()` repaints it, `leave()` puts the terminal back as it was, also when the
 * process exits without calling it.
 */
export class TerminalScreen {
  readonly #out: NodeJS.WriteStream;
  #active = false;
  readonly #restoreOnExit = () => this.leave();

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  /** Switches to the alternate screen with the cursor hidden. */
  enter(): void {
    if (this.#active) return;
    this.#active = true;
    process.once('exit', this.#restoreOnExit);
    this.#out.write(ENTER);
  }

  /** Repaints the screen with `lines`. */
  draw(lines: readonly string[]): void {
    if (!this.#active) return;
    this.#out.write(
      `${HOME}${lines.join(`${CLEAR_LINE_TAIL}\r\n`)}${CLEAR_LINE_TAIL}${CLEAR_BELOW}`,
    );
  }

  /** Shows the cursor and returns to the normal screen; idempotent. */
  leave(): void {
    if (!this.#active) return;
    this.#active = false;
    process.removeListener('exit', this.#restoreOnExit);
    this.#out.write(LEAVE);
  }
}

/**
 * Calls `onQuit` when `q` or Ctrl-C is typed on a terminal `input` (read raw, so keys come
 * without Enter); returns a function that gives the terminal back. Does nothing off a terminal.
 */
export function onQuitKey(input: NodeJS.ReadStream, onQuit: () => void): () => void {
  if (!input.isTTY) return () => {};
  const onData = (data: Buffer) => {
    const text = data.toString('utf8');
    if (text.includes('q') || text.includes('Q') || text.includes('\x03')) onQuit();
  };
  input.setRawMode(true);
  input.on('data', onData);
  input.resume();
  return () => {
    input.removeListener('data', onData);
    input.setRawMode(false);
    input.pause();
  };
}
