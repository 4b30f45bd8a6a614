package dev.loris.train.data;

import dev.loris.LorisException;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens JSON and CSV files as UTF-8 text, gunzipping *.gz, with errors that name the file. */
final class TextFiles {
    private TextFiles() {
    }

    static BufferedReader open(Path file) {
        try {
            InputStream in = Files.newInputStream(file);
            if (file.getFileName().toString().endsWith(".gz")) {
                in = new GZIPInputStream(in, 1 << 16);
            }
            var decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            return new BufferedReader(new InputStreamReader(in, decoder), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new LorisException(file + " does not exist", "check the --data path", e);
        } catch (IOException e) {
            throw new LorisException("cannot open " + file + ": " + e.getMessage(), "check the file", e);
        }
    }

    static void closeQuietly(Closeable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (IOException ignored) {
                // nothing was written
            }
        }
    }
}
