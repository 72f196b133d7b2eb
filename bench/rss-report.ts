/**
 * Preloaded into every process a benchmark starts (`node --import <this file> ...`): when the
 * process exits it writes its own peak RSS and CPU time to TAILOR_BENCH_REPORT, so a benchmark
 * reports each process's figures exactly, whatever the process is (import, worker, sink).
 */
import { writeFileSync } from 'node:fs';

const path = process.env.TAILOR_BENCH_REPORT;
if (path) {
  process.on('exit', (code) => {
    const usage = process.resourceUsage();
    const report = {
      pid: process.pid,
      code,
      peakRssMb: Math.round(usage.maxRSS / 1024),
      cpuSeconds: Math.round((usage.userCPUTime + usage.systemCPUTime) / 10_000) / 100,
    };
    try {
      writeFileSync(path, `${JSON.stringify(report)}\n`);
    } catch {
      // Nothing to do about it while exiting: the benchmark reports the figure as missing.
    }
  });
}
