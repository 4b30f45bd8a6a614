"""Joins GemmBench and torch_gemm.py output (tab-separated: backend, name, shape, "x ms", "y GFLOP/s") by
shape and prints a markdown table: torch.matmul, each Loris backend's time and TFLOP/s, and the ratio of
Loris' time to torch's (1.05 is the issue-4 bound for cuBLASLt). Usage: python3 bench/compare_gemm.py FILE."""
import sys
from collections import OrderedDict


def parse(path):
    rows = OrderedDict()  # shape -> {"name": str, backend: ms}
    backends = []
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 5 or not fields[3].endswith(" ms"):
            continue
        backend, name, shape, ms, _ = fields
        row = rows.setdefault(shape, {"name": name})
        if name != "-":
            row["name"] = name
        row[backend] = float(ms.split()[0])
        if backend not in backends:
            backends.append(backend)
    return rows, backends


def flops(shape):
    m, n, k = (int(x) for x in shape.split()[1].split("x"))
    return 2.0 * m * n * k


def main():
    rows, backends = parse(sys.argv[1])
    ours = [b for b in backends if b != "torch.matmul"]
    header = ["product", "shape", "torch ms"] + [f"{b} ms (TFLOP/s, x torch)" for b in ours]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for shape, row in rows.items():
        torch_ms = row.get("torch.matmul")
        cells = [row["name"], shape.replace("GEMM ", ""), f"{torch_ms:.3f}" if torch_ms else "-"]
        for b in ours:
            if b not in row:
                cells.append("-")
                continue
            ms = row[b]
            ratio = f", {ms / torch_ms:.2f}x" if torch_ms else ""
            cells.append(f"{ms:.3f} ({flops(shape) / ms / 1e9:.0f}{ratio})")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
