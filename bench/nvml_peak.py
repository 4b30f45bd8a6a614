"""Peak device memory of a command as nvidia-smi would see it, measured the same way for every trainer of
gpu/bench_vs_peft.sh: NVML's used memory of GPU INDEX (nvmlDeviceGetMemoryInfo, through ctypes: no Python
package needed), read before the command starts (the baseline, which includes what other processes hold),
then every INTERVAL seconds by a thread of this process while the command runs. The peak minus the baseline is
what the command's process held at most: its CUDA context, its allocator's reservations, library workspaces.
A peak shorter than the interval can be missed; a training step's peak (activations held through forward and
backward) lasts tens of milliseconds or more.

    python3 bench/nvml_peak.py [--gpu 0] [--interval 0.002] [--result FILE] -- COMMAND ARGS...

Prints one line 'nvml_peak_gib X baseline_gib Y samples N' after the command, adds "nvml_peak_gib" to the JSON
object in FILE when given and the command wrote it, and exits with the command's status. Without NVML (no
NVIDIA driver) it says so and runs the command unmeasured."""
import argparse
import ctypes
import json
import subprocess
import sys
import threading
import time


class _Memory(ctypes.Structure):
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]


class Nvml:
    def __init__(self, index):
        self.lib = ctypes.CDLL("libnvidia-ml.so.1")
        self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
        self.handle = ctypes.c_void_p()
        self._check(self.lib.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(self.handle)),
                    "nvmlDeviceGetHandleByIndex_v2")
        self.memory = _Memory()

    def used(self):
        self._check(self.lib.nvmlDeviceGetMemoryInfo(self.handle, ctypes.byref(self.memory)), "nvmlDeviceGetMemoryInfo")
        return self.memory.used

    @staticmethod
    def _check(status, call):
        if status != 0:
            raise RuntimeError(f"{call} failed with NVML status {status}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpu", type=int, default=0)
    parser.add_argument("--interval", type=float, default=0.002)
    parser.add_argument("--result", help="the command's result file (one JSON object) to add nvml_peak_gib to")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    try:
        nvml = Nvml(args.gpu)
    except (OSError, RuntimeError) as e:  # no NVIDIA driver (a smoke test elsewhere): run unmeasured
        print(f"nvml unavailable ({e}): the peak is not measured", flush=True)
        sys.exit(subprocess.call(command))
    baseline = settled(nvml)
    peak = [baseline, 0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            used = nvml.used()
            peak[0] = max(peak[0], used)
            peak[1] += 1
            time.sleep(args.interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        status = subprocess.call(command)
    finally:
        done.set()
        sampler.join()
    gib = (peak[0] - baseline) / 2**30
    print(f"nvml_peak_gib {gib:.2f} baseline_gib {baseline / 2**30:.2f} samples {peak[1]}", flush=True)
    if args.result:
        add_to_result(args.result, {"nvml_peak_gib": round(gib, 3), "nvml_baseline_gib": round(baseline / 2**30, 3)})
    sys.exit(status)


def settled(nvml, wait=5.0):
    """Used memory once it stops changing (the driver frees an exited process' memory a moment later), at most
    after wait seconds."""
    last = nvml.used()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = nvml.used()
        if now == last:
            return now
        last = now
    return last


def add_to_result(path, fields):
    """Merges fields into the JSON object the command wrote to path; nothing when it wrote none."""
    try:
        with open(path) as f:
            result = json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return
    result.update(fields)
    with open(path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
