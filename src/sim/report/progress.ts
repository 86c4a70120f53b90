/**
 * A progress bar for long simulations, on stderr and only when stderr is a
 * terminal (pipes and CI logs stay clean). Redrawn per whole percent, so it needs
 * no clock: the simulator's own progress callbacks pace it.
 */

/** Where the bar is drawn. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** A progress sink: `update(share, label)`, then `done()`. */
export interface Progress {
  update(share: number, label: string): void;
  done(): void;
}

const WIDTH = 30;

/** A bar on `stream` when it is a TTY; a silent no-op otherwise. */
export function progressBar(stream: ProgressStream | undefined): Progress {
  if (stream?.isTTY !== true) return { update: () => {}, done: () => {} };
  let shown = -1;
  let drawn = false;
  return {
    update(share, label) {
      const pct = Math.max(0, Math.min(100, Math.floor(share * 100)));
      if (pct === shown) return;
      shown = pct;
      drawn = true;
      const filled = Math.round((pct / 100) * WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(pct).padStart(3)}% ${label.padEnd(16).slice(0, 16)}`);
    },
    done() {
      if (drawn) stream.write(`\r${' '.repeat(WIDTH + 24)}\r`);
    },
  };
}
