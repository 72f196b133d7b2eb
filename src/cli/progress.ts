import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, total: number, label?: string): void;
  stop(): void;
}

/** A progress bar on a TTY (stderr, so stdout stays one JSON line); silent otherwise. */
export function progressBar(title: string): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {percentage}% {value}/{total} {label}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, total, label = '') {
      if (!started) {
        bar.start(total, value, { label });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value, { label });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
