/**
 * Preloaded into every process a benchmark starts (`node --import <this file> ...`): when the
 * process exits it writes its own peak RSS, CPU time and garbage-collection time to
 * TAILOR_BENCH_REPORT, so a benchmark reports each process's figures exactly, whatever the
 * process is (import, worker, sink).
 */
import { writeFileSync } from 'node:fs';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

const path = process.env.TAILOR_BENCH_REPORT;
if (path) {
  // Pauses of the main thread by kind, as Node reports them (one entry per collection, a few
  // hundred a minute in a busy worker). With --single-threaded-gc they are the GC's CPU as well.
  const gcMs = { minor: 0, major: 0 };
  // How many pauses too: more of them means more garbage or more survivors; the same number
  // taking longer means each pause was slower (e.g. memory that faulted in).
  const gcCount = { minor: 0, major: 0 };
  const count = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      // major: mark-compact, its incremental steps, weak callbacks
      const side = kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'major';
      gcMs[side] += entry.duration;
      gcCount[side]++;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const centiRound = (seconds: number) => Math.round(seconds * 100) / 100;
  process.on('exit', (code) => {
    count(observer.takeRecords()); // collections not yet delivered to the callback
    const usage = process.resourceUsage();
    const report = {
      pid: process.pid,
      code,
      peakRssMb: Math.round(usage.maxRSS / 1024),
      cpuSeconds: centiRound((usage.userCPUTime + usage.systemCPUTime) / 1e6),
      // The kernel's share of it, and the page faults behind much of that.
      systemCpuSeconds: centiRound(usage.systemCPUTime / 1e6),
      pageFaults: { minor: usage.minorPageFault, major: usage.majorPageFault },
      gcSeconds: { minor: centiRound(gcMs.minor / 1000), major: centiRound(gcMs.major / 1000) },
      gcCount,
    };
    try {
      writeFileSync(path, `${JSON.stringify(report)}\n`);
    } catch {
      // Nothing to do about it while exiting: the benchmark reports the figure as missing.
    }
  });
}
