package dev.loris.bench;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.runtime.LaunchProfiler;

import java.util.List;
import java.util.Locale;

/**
 * A training step's device time per kernel and per GEMM shape ({@link LaunchProfiler}'s entries over N profiled
 * steps), as a Markdown table for docs/PERF.md: per step the calls, milliseconds, share of the step, FLOPs and
 * bytes, and the floor each entry cannot beat on an H100: max(FLOPs / 780 TFLOP/s, bytes / 3.35 TB/s), with
 * the floor's share of the measured time (how close the entry runs to its bound).
 *
 * <p>FLOPs: a GEMM's 2mnk; the attention kernels' matrix products, counted here from the batch (kernels do not
 * report FLOPs): 2 · (causal query-key pairs) · heads · head_dim per product, 2 products forward (S = QKᵀ,
 * O = PV), 4 in the key/value-gradient kernel (S, dP, dV, dK) and 3 in the query-gradient one (S, dP, dQ);
 * 0 for other kernels, which are bound by memory. Bytes: a GEMM's operands, a kernel's array arguments each
 * once in full (an overestimate for a kernel that touches a slice of an argument). Ceilings: 780 TFLOP/s is the
 * bf16 GEMM rate measured on this H100 (cuBLAS 8192³; the harness' MFU ceiling), 3.35 TB/s the H100 SXM's HBM3
 * bandwidth as specified (copies measure about 3.0).
 */
final class StepProfile {
    static final double FLOP_CEILING = 780e12;
    static final double BYTE_CEILING = 3.35e12;
    private static final int ROWS = 30;

    /** What the attention kernels' FLOPs follow from: heads, head size and the causal pairs of one pass. */
    record Attention(int heads, int headDim, double causalPairs) {
        static Attention of(ModelConfig config, int[][] rows) {
            double pairs = 0;
            for (int[] row : rows) {
                pairs += (double) row.length * (row.length + 1) / 2;
            }
            return new Attention(config.numAttentionHeads(), config.headDim(), pairs);
        }

        /** FLOPs of one call of {@code kernel}: 0 unless it is an attention kernel this class knows. */
        double flopsPerCall(String kernel) {
            int products = kernel.startsWith("FlashAttention.forward") || kernel.startsWith("AttentionForward.forward")
                    ? 2 : kernel.contains("Attention") && kernel.contains(".keyValueGradients")
                    ? 4 : kernel.contains("Attention") && kernel.contains(".queryGradients") ? 3 : 0;
            return products * 2 * causalPairs * heads * headDim;
        }
    }

    private StepProfile() {
    }

    /** The table of {@code entries} (summed over {@code steps} steps whose wall time was {@code wallMs} each). */
    static String table(String label, List<LaunchProfiler.Entry> entries, int steps, double wallMs,
                        Attention attention) {
        StringBuilder out = new StringBuilder();
        double total = entries.stream().mapToDouble(LaunchProfiler.Entry::millis).sum() / steps;
        double gemms = entries.stream().filter(e -> isGemm(e.name())).mapToDouble(LaunchProfiler.Entry::millis)
                .sum() / steps;
        out.append(String.format(Locale.ROOT, "%n### Step profile: %s (%d profiled step%s)%n%n", label, steps,
                steps == 1 ? "" : "s"));
        out.append(String.format(Locale.ROOT, "Per step: wall %.2f ms; device time in launches %.2f ms (GEMMs %.2f,"
                + " kernels %.2f); the rest (%.2f ms) is copies, host gaps and overlap. Floors at %.0f TFLOP/s and"
                + " %.2f TB/s.%n%n", wallMs, total, gemms, total - gemms, wallMs - total, FLOP_CEILING / 1e12,
                BYTE_CEILING / 1e12));
        out.append("| # | kernel or GEMM | calls | ms | % of launches | µs/call | GFLOP | GB | floor ms | bound"
                + " | floor/ms |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        double floorSum = 0;
        for (int i = 0; i < entries.size(); i++) {
            LaunchProfiler.Entry e = entries.get(i);
            double calls = (double) e.calls() / steps;
            double ms = e.millis() / steps;
            double flops = (isGemm(e.name()) ? e.flops() : e.calls() * attention.flopsPerCall(e.name())) / steps;
            double bytes = e.bytes() / steps;
            double computeMs = 1e3 * flops / FLOP_CEILING;
            double memoryMs = 1e3 * bytes / BYTE_CEILING;
            double floor = Math.max(computeMs, memoryMs);
            floorSum += floor;
            if (i < ROWS) {
                out.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.3f | %.1f | %.1f | %.2f | %.3f | %.3f | %s"
                                + " | %.0f%% |%n", i + 1, e.name(), calls, ms, 100 * ms / total, 1e3 * ms / calls,
                        flops / 1e9, bytes / 1e9, floor, computeMs >= memoryMs ? "FLOP" : "bytes",
                        ms > 0 ? 100 * floor / ms : 0));
            }
        }
        if (entries.size() > ROWS) {
            double rest = entries.subList(ROWS, entries.size()).stream().mapToDouble(LaunchProfiler.Entry::millis)
                    .sum() / steps;
            out.append(String.format(Locale.ROOT, "| | %d more | | %.3f | %.1f | | | | | | |%n",
                    entries.size() - ROWS, rest, 100 * rest / total));
        }
        out.append(String.format(Locale.ROOT, "%nSum of floors %.2f ms per step: the launches run at %.0f%% of"
                + " their floors taken together.%n", floorSum, total > 0 ? 100 * floorSum / total : 0));
        return out.toString();
    }

    private static boolean isGemm(String name) {
        return name.startsWith("GEMM ");
    }
}
