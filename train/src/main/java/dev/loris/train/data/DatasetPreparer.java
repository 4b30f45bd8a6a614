package dev.loris.train.data;

import dev.loris.LorisException;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a dataset once, row by row, and writes its {@link TokenCache}: detects each file's format (or takes the
 * chosen one), converts rows to examples, tokenizes them in parallel in chunks (order kept), skips and counts
 * bad rows when asked. A cache whose fingerprint (data files' paths, sizes and times; tokenizer; template;
 * every option that changes tokens) matches is reused instead.
 */
final class DatasetPreparer {
    private static final int CHUNK = 256;
    private static final int SKIPPED_SHOWN = 5;

    private final DatasetSource source;
    private final Tokenizer tokenizer;
    private final DataOptions options;
    private final ExampleEncoder encoder;

    DatasetPreparer(DatasetSource source, Tokenizer tokenizer, DataOptions options) {
        this.source = source;
        this.tokenizer = tokenizer;
        this.options = options;
        this.encoder = new ExampleEncoder(tokenizer, options);
    }

    /** The cache in {@code root}: reused when its fingerprint matches, else built. */
    TokenCache prepare(Path root) {
        String fingerprint = fingerprint();
        Path folder = root.resolve("tokens-" + fingerprint.substring(0, 16));
        TokenCache.Meta meta = TokenCache.readMeta(folder);
        if (meta != null && meta.version() == TokenCache.VERSION && fingerprint.equals(meta.fingerprint())) {
            return TokenCache.open(folder);
        }
        return build(folder, fingerprint);
    }

    private TokenCache build(Path folder, String fingerprint) {
        Counts counts = new Counts();
        try (TokenCacheWriter writer = new TokenCacheWriter(folder)) {
            for (int f = 0; f < source.files().size(); f++) {
                readFile(f, writer, counts);
            }
            if (counts.examples == 0) {
                throw new LorisException("the dataset " + source.path() + " gave no examples (" + counts.rows
                        + " rows read, " + counts.skipped + " bad, " + counts.empty + " empty)",
                        "check the file and the --format");
            }
            String template = counts.anyChat ? encoder.templateDescription() : null;
            DataStats stats = new DataStats(counts.rows, counts.examples, counts.skipped, counts.skippedShown,
                    counts.empty, counts.truncated, counts.unlabelled,
                    counts.firstUnlabelled == null ? null : counts.firstUnlabelled.toString(), counts.tokens,
                    counts.labels, counts.formats, template);
            return writer.finish(fingerprint, source.files(), stats);
        }
    }

    private void readFile(int fileIndex, TokenCacheWriter writer, Counts counts) {
        DataFormat format = options.format() == DataFormat.AUTO ? null : options.format();
        try (RowCursor rows = source.rows(fileIndex)) {
            List<Object> chunk = new ArrayList<>(CHUNK); // Example, BadRowException, or null for empty
            while (rows.hasNext()) {
                counts.rows++;
                try {
                    DataRow row = rows.next();
                    if (format == null) {
                        format = FormatDetector.detect(row, options.textField());
                    }
                    chunk.add(RowConverter.convert(row, format, options.textField()));
                } catch (BadRowException e) {
                    chunk.add(e);
                }
                if (chunk.size() == CHUNK) {
                    flush(chunk, writer, counts);
                }
            }
            flush(chunk, writer, counts);
        }
        counts.formats.put(source.files().get(fileIndex).toString(),
                format == null ? "empty" : format.cliName());
    }

    private void flush(List<Object> chunk, TokenCacheWriter writer, Counts counts) {
        List<Object> encoded = chunk.parallelStream().map(this::encodeOrError).toList();
        for (Object item : encoded) {
            switch (item) {
                case null -> counts.empty++;
                case BadRowException bad -> {
                    if (!options.skipBadRows()) {
                        throw bad;
                    }
                    counts.skipped++;
                    if (counts.skippedShown.size() < SKIPPED_SHOWN) {
                        counts.skippedShown.add(bad.getMessage());
                    }
                }
                case EncodedExample example -> {
                    if (example.ids().length == 0) {
                        counts.empty++;
                        continue;
                    }
                    writer.add(example);
                    counts.examples++;
                    counts.tokens += example.ids().length;
                    int labels = example.labelCount();
                    counts.labels += labels;
                    if (labels == 0) {
                        counts.unlabelled++;
                        if (counts.firstUnlabelled == null) {
                            counts.firstUnlabelled = example.origin();
                        }
                    }
                    if (example.truncated()) {
                        counts.truncated++;
                    }
                }
                default -> throw new IllegalStateException(String.valueOf(item));
            }
        }
        for (Object item : chunk) {
            counts.anyChat |= item instanceof Example.Chat;
        }
        chunk.clear();
    }

    private Object encodeOrError(Object item) {
        if (!(item instanceof Example example)) {
            return item;
        }
        try {
            return encoder.encode(example);
        } catch (BadRowException e) {
            return e;
        }
    }

    /** SHA-256 over everything that changes the tokens. */
    private String fingerprint() {
        StringBuilder key = new StringBuilder("loris-token-cache v").append(TokenCache.VERSION).append('\n');
        for (Path file : source.files()) {
            key.append(describeFile(file)).append('\n');
        }
        key.append("tokenizer ").append(describeFile(Path.of(tokenizer.source()))).append(' ')
                .append(tokenizer.vocabSize()).append('\n');
        key.append("model template ").append(tokenizer.chatTemplate().map(ChatTemplate::source).orElse("")).append('\n');
        String name = options.chatTemplate();
        Optional<String> named = name == null || name.isBlank() || name.strip().equalsIgnoreCase(ChatTemplates.MODEL)
                ? Optional.empty() : Optional.of(name.strip().toLowerCase(java.util.Locale.ROOT));
        key.append("template ").append(named.map(n -> ChatTemplates.NAMES.contains(n) ? ChatTemplates.source(n) : n)
                .orElse("model")).append('\n');
        key.append(options.format()).append(' ').append(options.responsesOnly()).append(' ')
                .append(options.maxSeqLength()).append(' ').append(options.skipBadRows()).append(' ')
                .append(options.textField()).append(' ').append(options.appendEos()).append(' ')
                .append(new java.util.TreeMap<>(options.templateVariables()));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describeFile(Path file) {
        try {
            return file.toAbsolutePath() + " " + Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return file.toString();
        }
    }

    private static final class Counts {
        long rows;
        long examples;
        long skipped;
        long empty;
        long truncated;
        long unlabelled;
        long tokens;
        long labels;
        boolean anyChat;
        RowOrigin firstUnlabelled;
        final List<String> skippedShown = new ArrayList<>();
        final Map<String, String> formats = new LinkedHashMap<>();
    }
}
