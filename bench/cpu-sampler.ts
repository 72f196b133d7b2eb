import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time of named processes over time, read from /proc/<pid>/stat every `everyMs`, so a bench
 * can say how much CPU each process spent within a stage's wall-clock span (known only after the
 * run, from BullMQ's job timestamps). Linux only; elsewhere every figure is null.
 */
export class CpuSampler {
  private readonly samples = new Map<string, { at: number; seconds: number }[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: Record<string, number | undefined>,
    everyMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const at = Date.now();
    for (const [name, pid] of Object.entries(this.pids)) {
      this.record(name, at, pid === undefined ? null : cpuSecondsOf(pid));
    }
    this.record(STOLEN, at, stolenSeconds());
  }

  private record(name: string, at: number, seconds: number | null): void {
    if (seconds === null) return;
    let series = this.samples.get(name);
    if (!series) {
      series = [];
      this.samples.set(name, series);
    }
    series.push({ at, seconds });
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  /** CPU seconds `name` spent between two instants (ms), interpolated between samples. */
  between(name: string, from: number, to: number): number | null {
    const series = this.samples.get(name);
    if (!series || series.length < 2) return null;
    return valueAt(series, to) - valueAt(series, from);
  }
}

function valueAt(series: { at: number; seconds: number }[], at: number): number {
  if (at <= series[0].at) return series[0].seconds;
  for (let i = 1; i < series.length; i++) {
    const b = series[i];
    if (at <= b.at) {
      const a = series[i - 1];
      return a.seconds + ((b.seconds - a.seconds) * (at - a.at)) / Math.max(1, b.at - a.at);
    }
  }
  return series[series.length - 1].seconds;
}

/** The series of `stolenSeconds`, sampled beside the processes. */
export const STOLEN = '(stolen by the host)';

/**
 * CPU time the hypervisor gave other guests while this machine wanted it (/proc/stat's steal,
 * all cores), or null off Linux. On a shared virtual machine it explains runs that are slow
 * for no reason of their own.
 */
export function stolenSeconds(): number | null {
  try {
    const cpu = readFileSync('/proc/stat', 'latin1').slice(0, 200).split('\n')[0].trim().split(/\s+/);
    return cpu[0] === 'cpu' && cpu.length > 8 ? Number(cpu[8]) / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** utime + stime of a process (all its threads), or null once it is gone or off Linux. */
function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces), counted from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
