package dev.loris.train.data;

import com.github.luben.zstd.Zstd;
import io.airlift.compress.lz4.Lz4Decompressor;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Page decompressors for parquet-java that need no Hadoop: snappy (snappy-java), zstd (zstd-jni), gzip
 * (java.util.zip), LZ4_RAW (aircompressor), all libraries parquet-hadoop already depends on. parquet-java's
 * own factory goes through Hadoop's codec classes, which would need Hadoop's whole runtime. These are the
 * codecs pyarrow and Hugging Face write; Brotli, LZO and Hadoop-framed LZ4 are refused by name.
 * Read only: Loris never writes Parquet.
 */
final class ParquetCodecs implements CompressionCodecFactory {
    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return new Decompressor(codec);
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        throw new UnsupportedOperationException("Loris reads Parquet only");
    }

    @Override
    public void release() {
    }

    private record Decompressor(CompressionCodecName codec) implements BytesInputDecompressor {
        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            return BytesInput.from(decompress(bytes.toInputStream().readAllBytes(), uncompressedSize));
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] compressed = new byte[compressedSize];
            input.get(compressed);
            output.put(decompress(compressed, uncompressedSize));
        }

        private byte[] decompress(byte[] compressed, int uncompressedSize) throws IOException {
            byte[] out = switch (codec) {
                case UNCOMPRESSED -> compressed;
                case SNAPPY -> Snappy.uncompress(compressed);
                case ZSTD -> Zstd.decompress(compressed, uncompressedSize);
                case GZIP -> {
                    try (var in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
                        yield in.readAllBytes();
                    }
                }
                case LZ4_RAW -> {
                    byte[] target = new byte[uncompressedSize];
                    int n = new Lz4Decompressor().decompress(compressed, 0, compressed.length, target, 0,
                            target.length);
                    if (n != uncompressedSize) {
                        throw new IOException("LZ4_RAW page gave " + n + " bytes, expected " + uncompressedSize);
                    }
                    yield target;
                }
                default -> throw new IOException("Parquet pages compressed with " + codec
                        + " are not supported (snappy, zstd, gzip, lz4_raw and uncompressed are)");
            };
            if (out.length != uncompressedSize) {
                throw new IOException(codec + " page decompressed to " + out.length + " bytes, expected "
                        + uncompressedSize);
            }
            return out;
        }

        @Override
        public void release() {
        }
    }
}
