package dev.loris.train.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.model.Folders;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a {@link TokenCache}: into a temporary sibling folder, renamed to its final name only when complete,
 * so an interrupted preparation never leaves a cache that looks finished.
 */
final class TokenCacheWriter implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final OutputStream tokens;
    private final OutputStream trained;
    private final OutputStream examples;
    private final ByteBuffer record = ByteBuffer.allocate(TokenCache.RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long tokenCount;
    private boolean finished;

    TokenCacheWriter(Path target) {
        this.target = target;
        try {
            Files.createDirectories(target.getParent());
            this.temp = Files.createTempDirectory(target.getParent(), target.getFileName() + ".partial-");
            this.tokens = stream(temp.resolve("tokens.bin"));
            this.trained = stream(temp.resolve("trained.bin"));
            this.examples = stream(temp.resolve("examples.bin"));
        } catch (IOException e) {
            throw new LorisException("cannot write the token cache in " + target.getParent() + ": " + e.getMessage(),
                    "check that the folder is writable and has space", e);
        }
    }

    private static OutputStream stream(Path file) throws IOException {
        return new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
    }

    void add(EncodedExample example) {
        try {
            int n = example.ids().length;
            ByteBuffer ids = ByteBuffer.allocate(n * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            byte[] mask = new byte[n];
            for (int t = 0; t < n; t++) {
                ids.putInt(example.ids()[t]);
                mask[t] = (byte) (example.trained()[t] ? 1 : 0);
            }
            tokens.write(ids.array());
            trained.write(mask);
            RowOrigin origin = example.origin();
            record.clear();
            record.putLong(tokenCount).putLong(origin.number()).putInt(n).putInt(origin.fileIndex())
                    .putInt(example.labelCount())
                    .putInt((example.truncated() ? TokenCache.FLAG_TRUNCATED : 0) | (origin.isLine() ? TokenCache.FLAG_LINE : 0));
            examples.write(record.array());
            tokenCount += n;
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Writes meta.json, renames the folder into place and opens it. */
    TokenCache finish(String fingerprint, List<Path> files, DataStats stats) {
        try {
            tokens.close();
            trained.close();
            examples.close();
            TokenCache.Meta meta = new TokenCache.Meta(TokenCache.VERSION, fingerprint,
                    files.stream().map(Path::toString).toList(), stats);
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(temp.resolve("meta.json").toFile(), meta);
            if (Files.exists(target)) {
                deleteTree(target); // a stale or damaged cache of the same fingerprint
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target);
            }
            finished = true;
            return TokenCache.open(target);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private LorisException failed(IOException e) {
        return new LorisException("cannot write the token cache " + temp + ": " + e.getMessage(),
                "check the disk space of the cache folder", e);
    }

    @Override
    public void close() {
        if (!finished) {
            TextFiles.closeQuietly(tokens);
            TextFiles.closeQuietly(trained);
            TextFiles.closeQuietly(examples);
            deleteTree(temp);
        }
    }

    /** Deletes a temporary or stale cache folder; what cannot be deleted stays, harmless. */
    static void deleteTree(Path folder) {
        try {
            Folders.deleteTree(folder);
        } catch (IOException ignored) {
            // a leftover temporary folder is harmless
        }
    }
}
