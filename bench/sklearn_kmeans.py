"""scikit-learn's KMeans on the points bench/segment.ts wrote, driven over stdin/stdout.

Usage: sklearn_kmeans.py POINTS.f64 N D
Reads one JSON command per line: {"k": 8, "seed": 0} (k-means++, one init) or
{"k": 8, "init": "CENTRES.f64"} (start from given centres); answers one JSON line per command
with the fit's wall and CPU seconds (fit only, all threads), inertia and iterations. The points are loaded once, so
Python's start-up and the file read are not timed.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans

try:
    from threadpoolctl import threadpool_info
except ImportError:  # pragma: no cover - threadpoolctl ships with Debian's python3-sklearn
    threadpool_info = None


def main():
    path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    points = np.fromfile(path, dtype=np.float64).reshape(n, d)
    print(json.dumps({"ready": True, "version": sklearn.__version__}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        k = command["k"]
        if "init" in command:
            centres = np.fromfile(command["init"], dtype=np.float64).reshape(k, d)
            model = KMeans(n_clusters=k, init=centres, n_init=1)
        else:
            model = KMeans(n_clusters=k, n_init=1, random_state=command["seed"])
        started = time.perf_counter()
        cpu_started = time.process_time()
        model.fit(points)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        threads = None
        if threadpool_info is not None:
            threads = max((pool.get("num_threads", 0) for pool in threadpool_info()), default=None)
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "cpuSeconds": cpu_seconds,
                    "inertia": float(model.inertia_),
                    "iterations": int(model.n_iter_),
                    "threads": threads,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
