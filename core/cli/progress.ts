/**
 * A progress bar on stderr. On a terminal it redraws one line at most 10 times a second; when stderr is
 * not a terminal (CI logs, pipes) it prints a plain line at every 10% instead, so logs stay readable.
 * `done` may be fractional (progress within a long path); counts are printed as whole units.
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly tty: boolean;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, total: number, detail = ''): void {
    if (!this.enabled || total <= 0) return;
    const frac = Math.min(1, done / total);
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && done < total) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const elapsed = (now - this.started) / 1000;
      const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : 0;
      this.stream.write(
        `\r${this.label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${Math.floor(done)}/${total} ${detail} eta ${eta.toFixed(1)}s\x1b[K`,
      );
    } else {
      const decile = Math.floor(frac * 10);
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      this.stream.write(
        `${this.label} ${(decile * 10).toString().padStart(3)}% ${Math.floor(done)}/${total} ${detail}\n`,
      );
    }
  }

  done(): void {
    if (this.enabled && this.tty) this.stream.write('\n');
  }
}
