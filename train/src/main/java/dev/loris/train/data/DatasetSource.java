package dev.loris.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The files of a dataset and their rows, streamed file by file so a dataset larger than memory works.
 * {@code --data} may name:
 *
 * <ul>
 *   <li>a file: {@code .jsonl} / {@code .json} / {@code .ndjson} (JSON lines or an array; {@link JsonRows}),
 *       {@code .csv} / {@code .tsv} ({@link CsvRows}), any of those gzip-compressed ({@code .gz}),
 *       {@code .parquet} ({@link ParquetRows}), {@code .arrow} / {@code .feather} ({@link ArrowIpcRows});</li>
 *   <li>a Hugging Face {@code save_to_disk} folder: {@code state.json} lists its Arrow files in order
 *       ({@code dataset_info.json} beside it describes the features); a DatasetDict folder
 *       ({@code dataset_dict.json}) is entered at the chosen split (default "train");</li>
 *   <li>any other folder: every data file under it, in path order; where file or folder names carry split
 *       names (train-00000-of-00002.parquet, data/test/...), only the chosen split's.</li>
 * </ul>
 */
public final class DatasetSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SPLIT_NAMES = Set.of("train", "test", "validation", "valid", "dev", "eval");

    private final Path path;
    private final List<Path> files;

    private DatasetSource(Path path, List<Path> files) {
        this.path = path;
        this.files = List.copyOf(files);
    }

    /** The dataset at {@code path}, entering Hugging Face folders at {@link DataOptions#split()}. */
    public static DatasetSource open(Path path, DataOptions options) {
        return open(path, options.split());
    }

    public static DatasetSource open(Path path, String split) {
        if (!Files.exists(path)) {
            throw new LorisException("the dataset " + path + " does not exist", "check the --data path");
        }
        if (!Files.isDirectory(path)) {
            kindOf(path);
            return new DatasetSource(path, List.of(path));
        }
        Path dict = path.resolve("dataset_dict.json");
        if (Files.isRegularFile(dict)) {
            return open(splitFolder(path, dict, split), split);
        }
        Path state = path.resolve("state.json");
        if (Files.isRegularFile(state)) {
            return new DatasetSource(path, savedArrowFiles(path, state));
        }
        return new DatasetSource(path, folderFiles(path, split));
    }

    /** The data files, in the order their rows are read. */
    public List<Path> files() {
        return files;
    }

    /** What --data named. */
    public Path path() {
        return path;
    }

    /** The rows of one file ({@code fileIndex} into {@link #files()}). */
    public RowCursor rows(int fileIndex) {
        Path file = files.get(fileIndex);
        return switch (kindOf(file)) {
            case JSON -> JsonRows.open(file, fileIndex);
            case CSV -> CsvRows.open(file, fileIndex);
            case PARQUET -> ParquetRows.open(file, fileIndex);
            case ARROW -> ArrowIpcRows.open(file, fileIndex);
        };
    }

    /** The rows of every file, one after the other. */
    public RowCursor rows() {
        return new RowCursor() {
            private int next;
            private RowCursor current;

            @Override
            public boolean hasNext() {
                while (current == null || !current.hasNext()) {
                    if (current != null) {
                        current.close();
                        current = null;
                    }
                    if (next >= files.size()) {
                        return false;
                    }
                    current = rows(next++);
                }
                return true;
            }

            @Override
            public DataRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }

            @Override
            public void close() {
                if (current != null) {
                    current.close();
                }
            }
        };
    }

    enum FileKind { JSON, CSV, PARQUET, ARROW }

    static FileKind kindOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String plain = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
        if (plain.endsWith(".jsonl") || plain.endsWith(".json") || plain.endsWith(".ndjson")) {
            return FileKind.JSON;
        }
        if (plain.endsWith(".csv") || plain.endsWith(".tsv")) {
            return FileKind.CSV;
        }
        if (name.endsWith(".parquet")) {
            return FileKind.PARQUET;
        }
        if (name.endsWith(".arrow") || name.endsWith(".feather") || name.endsWith(".ipc")) {
            return FileKind.ARROW;
        }
        throw new LorisException("cannot tell the format of " + file + " from its name",
                "Loris reads .jsonl, .json, .csv, .tsv (optionally .gz), .parquet and .arrow files, and "
                        + "Hugging Face save_to_disk folders; rename the file to its format");
    }

    private static boolean isDataFile(Path file) {
        try {
            kindOf(file);
            return !file.getFileName().toString().startsWith(".");
        } catch (LorisException e) {
            return false;
        }
    }

    private static Path splitFolder(Path folder, Path dict, String split) {
        JsonNode splits = readJson(dict).path("splits");
        List<String> names = new ArrayList<>();
        splits.forEach(s -> names.add(s.asText()));
        if (!names.contains(split)) {
            throw new LorisException(folder + " is a DatasetDict without a '" + split + "' split",
                    "its splits are " + String.join(", ", names) + "; choose one with --split");
        }
        return folder.resolve(split);
    }

    private static List<Path> savedArrowFiles(Path folder, Path state) {
        JsonNode dataFiles = readJson(state).path("_data_files");
        if (!dataFiles.isArray() || dataFiles.isEmpty()) {
            throw new LorisException(state + " lists no _data_files",
                    "this does not look like a folder written by datasets' save_to_disk; save the dataset again");
        }
        List<Path> files = new ArrayList<>();
        for (JsonNode entry : dataFiles) {
            Path file = folder.resolve(entry.path("filename").asText());
            if (!Files.isRegularFile(file)) {
                throw new LorisException(state + " lists " + file.getFileName() + ", which is missing",
                        "copy the whole save_to_disk folder");
            }
            files.add(file);
        }
        return files;
    }

    private static List<Path> folderFiles(Path folder, String split) {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(folder)) {
            all = walk.filter(Files::isRegularFile).filter(DatasetSource::isDataFile).sorted().toList();
        } catch (IOException e) {
            throw new LorisException("cannot list " + folder + ": " + e.getMessage(), "check the folder", e);
        }
        if (all.isEmpty()) {
            throw new LorisException(folder + " holds no data files",
                    "Loris reads .jsonl, .json, .csv, .tsv, .parquet and .arrow files");
        }
        List<Path> named = all.stream().filter(f -> splitOf(folder, f) != null).toList();
        if (named.isEmpty()) {
            return all;
        }
        List<Path> chosen = named.stream().filter(f -> split.equals(splitOf(folder, f))).toList();
        if (chosen.isEmpty()) {
            throw new LorisException(folder + " has no files of the '" + split + "' split",
                    "its files name the splits " + named.stream().map(f -> splitOf(folder, f)).distinct()
                            .collect(Collectors.joining(", ")) + "; choose one with --split");
        }
        return chosen;
    }

    /** The split a file's name or folder carries (train-00000-of-00001.parquet, test.jsonl, train/x.arrow). */
    private static String splitOf(Path root, Path file) {
        for (Path part : root.relativize(file)) {
            String name = part.toString().toLowerCase(Locale.ROOT);
            String stem = name.split("[-_.]", 2)[0];
            if (SPLIT_NAMES.contains(stem)) {
                return stem;
            }
        }
        return null;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new LorisException("cannot read " + file + ": " + e.getMessage(), "save the dataset again", e);
        }
    }
}
