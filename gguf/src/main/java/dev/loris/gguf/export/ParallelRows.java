package dev.loris.gguf.export;

import dev.loris.gguf.GgufWriter;
import dev.loris.gguf.quant.BlockQuantizer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Quantises a tensor batch by batch: each batch of rows (about 16 MB of output) is split across the threads,
 * each converting and quantising its own rows into the batch buffer, then the batch is written. The output is
 * the same whatever the thread count, since every row is quantised on its own.
 */
final class ParallelRows {
    private static final long BATCH_BYTES = 16L << 20;

    private ParallelRows() {
    }

    static void write(RowSource source, BlockQuantizer quantizer, ExecutorService pool, int threads,
                      GgufWriter.TensorSink sink) throws IOException {
        int rowLength = source.rowLength();
        long rows = source.rows();
        int rowBytes = Math.toIntExact(quantizer.type().rowBytes(rowLength));
        int batchRows = (int) Math.max(1, Math.min(rows, BATCH_BYTES / Math.max(rowBytes, 4L * rowLength)));
        byte[] batch = new byte[Math.multiplyExact(batchRows, rowBytes)]; // (batchRows, rowBytes) quantised
        for (long start = 0; start < rows; start += batchRows) {
            int count = (int) Math.min(batchRows, rows - start);
            int parts = Math.min(threads, count);
            List<Future<?>> futures = new ArrayList<>(parts);
            for (int p = 0; p < parts; p++) {
                int from = (int) ((long) count * p / parts);
                int to = (int) ((long) count * (p + 1) / parts);
                long first = start;
                futures.add(pool.submit(() -> {
                    float[] row = new float[rowLength]; // (rowLength) f32
                    for (int r = from; r < to; r++) {
                        source.read(first + r, row, 0);
                        quantizer.quantize(row, 0, rowLength, batch, r * rowBytes);
                    }
                }));
            }
            await(futures);
            sink.write(MemorySegment.ofArray(batch).asSlice(0, (long) count * rowBytes));
        }
    }

    private static void await(List<Future<?>> futures) throws IOException {
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("export interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
