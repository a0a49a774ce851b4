"""B7: the wall and CPU time of `make demo` (the default optimizer comparison).

Runs `keras-recipes run optimizer_comparison` with its defaults, on each
backend asked for, in a fresh process (what `make demo` does), and prints
wall seconds and the CPU seconds of the process. CPU seconds are the
figure to trust on a shared machine; on 2 free cores, wall is about CPU / 2
at best. Goal: <= 60 s wall on 2 free cores.

    python benchmarks/bench_demo.py [--backends jax,tensorflow]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

GOAL_SECONDS = 60.0


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_demo(backend):
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "keras_recipes.recipes.common.cli", "run",
                   "optimizer_comparison", "--backend", backend, "--verbose", "0",
                   "--out", os.path.join(folder, "run")]
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        environment.pop("KERAS_BACKEND", None)
        cpu, started = children_cpu_seconds(), time.perf_counter()
        subprocess.run(command, env=environment, check=True, capture_output=True)
        return time.perf_counter() - started, children_cpu_seconds() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="jax")
    arguments = parser.parse_args()
    for backend in arguments.backends.split(","):
        wall, cpu = run_demo(backend)
        print(f"B7 make demo on {backend}: {wall:.0f} s wall, {cpu:.0f} s CPU "
              f"(goal <= {GOAL_SECONDS:.0f} s wall on 2 free cores; "
              f"load average now {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
