package dev.loris.gguf.export;

import dev.loris.gguf.GgufException;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Rows of floats for one GGUF tensor, read on demand (by several threads at once) from the memory-mapped
 * checkpoint, so no tensor is ever copied whole to the heap. A GGUF row is a torch row (ne[0] = the last
 * torch dimension); 1-D tensors are one row.
 *
 * <p>For llama's q_proj and k_proj (weights and biases) rows or elements are read through llama.cpp's
 * permutation (convert_hf_to_gguf.py {@code permute}): Hugging Face rotates pairs (i, i + d/2) of each head,
 * llama.cpp's ROPE_NORM rotates adjacent pairs, so within each head GGUF row 2i + j comes from HF row
 * j·d/2 + i.
 */
public interface RowSource {
    int rowLength();

    long rows();

    /** Writes row {@code row} to {@code dst[offset..offset + rowLength())}. */
    void read(long row, float[] dst, int offset);

    /** A tensor already in memory (generated tensors such as rope_freqs), as one row. */
    static RowSource of(float[] values) {
        return new RowSource() {
            public int rowLength() {
                return values.length;
            }

            public long rows() {
                return 1;
            }

            public void read(long row, float[] dst, int offset) {
                System.arraycopy(values, 0, dst, offset, values.length);
            }
        };
    }

    /**
     * This source with 1 added to every value in f32 (Gemma's norm weights: llama.cpp multiplies by the stored
     * weight, Gemma by 1 + w). convert_hf_to_gguf.py adds 1 in the checkpoint's dtype; adding in f32 keeps the
     * factor Loris' decoder uses exactly.
     */
    default RowSource plusOne() {
        RowSource source = this;
        return new RowSource() {
            public int rowLength() {
                return source.rowLength();
            }

            public long rows() {
                return source.rows();
            }

            public void read(long row, float[] dst, int offset) {
                source.read(row, dst, offset);
                for (int i = 0; i < source.rowLength(); i++) {
                    dst[offset + i] += 1f;
                }
            }
        };
    }

    /** A checkpoint tensor; {@code heads} > 0 applies the llama Q/K permutation over that many heads. */
    static RowSource of(SafetensorsCheckpoint checkpoint, String name, int heads) {
        return new CheckpointRows(checkpoint, name, heads);
    }

    final class CheckpointRows implements RowSource {
        private static final ValueLayout.OfShort U16 =
                ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 =
                ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final MemorySegment data;
        private final Dtype dtype;
        private final int rowLength;
        private final long rows;
        private final int heads;
        private final boolean vector;

        CheckpointRows(SafetensorsCheckpoint checkpoint, String name, int heads) {
            TensorInfo info = checkpoint.info(name);
            if (!info.dtype().readableAsFloat()) {
                throw new GgufException(checkpoint.location() + ": tensor '" + name + "' is " + info.dtype(),
                        "export needs F32, F16 or BF16 weights; a quantised checkpoint cannot be exported, use the "
                                + "16-bit base model (and merge the adapter into it)");
            }
            if (info.rank() < 1 || info.rank() > 2) {
                throw new GgufException(checkpoint.location() + ": tensor '" + name + "' has shape "
                        + info.shapeText(), "Loris exports 1-D and 2-D tensors of dense decoders only");
            }
            this.data = checkpoint.data(name);
            this.dtype = info.dtype();
            this.vector = info.rank() == 1;
            this.rowLength = Math.toIntExact(info.dim(info.rank() - 1));
            this.rows = vector ? 1 : info.dim(0);
            this.heads = heads;
            long permuted = vector ? rowLength : rows;
            if (heads > 0 && permuted % (2L * heads) != 0) {
                throw new GgufException(checkpoint.location() + ": tensor '" + name + "' has " + permuted
                        + " rows, not whole pairs for " + heads + " heads", "check num_attention_heads and "
                        + "num_key_value_heads in config.json against the checkpoint");
            }
        }

        public int rowLength() {
            return rowLength;
        }

        public long rows() {
            return rows;
        }

        public void read(long row, float[] dst, int offset) {
            if (vector) {
                for (int i = 0; i < rowLength; i++) {
                    dst[offset + i] = at(heads > 0 ? sourceRow(i, rowLength, heads) : i);
                }
                return;
            }
            long source = heads > 0 ? sourceRow(row, rows, heads) : row;
            long base = source * rowLength;
            if (dtype == Dtype.F32) {
                MemorySegment.copy(data, F32, base * 4, dst, offset, rowLength);
                return;
            }
            for (int i = 0; i < rowLength; i++) {
                dst[offset + i] = at(base + i);
            }
        }

        private float at(long index) {
            return switch (dtype) {
                case BF16 -> Float.intBitsToFloat(data.getAtIndex(U16, index) << 16);
                case F16 -> Float.float16ToFloat(data.getAtIndex(U16, index));
                default -> data.getAtIndex(F32, index);
            };
        }

        /** The HF row that GGUF row {@code row} of a q/k projection comes from. */
        static long sourceRow(long row, long rows, int heads) {
            long headSize = rows / heads;
            long head = row / headSize;
            long within = row % headSize;
            return head * headSize + (within % 2) * (headSize / 2) + within / 2;
        }
    }
}
