/** A one-line progress bar for a terminal. */
export function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, otherwise a line per item so logs show how far it got.
 */
export function progressReporter(label: string): {
  report: (done: number, total: number, item: string) => void;
  finish: () => void;
} {
  const tty = process.stderr.isTTY === true;
  return {
    report(done, total, item) {
      if (tty) process.stderr.write(`\r${label} ${progressBar(done, total)} ${item.slice(0, 40).padEnd(40)}`);
      else process.stderr.write(`${label} ${done}/${total} ${item}\n`);
    },
    finish() {
      if (tty) process.stderr.write('\n');
    },
  };
}
