package dev.loris.model.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * All the safetensors weights of a Hugging Face model folder, looked up by tensor name across its files.
 *
 * <p>What {@link #open} accepts, in this order (the first two as transformers decides):
 * <ol>
 *   <li>a folder with {@code model.safetensors}: that file alone, even if an index or shards lie beside it;</li>
 *   <li>a folder with {@code model.safetensors.index.json}: the shards its {@code weight_map} names. Every shard
 *       must exist; every entry must be in the shard the index names; shards not named are ignored. A tensor
 *       a named shard holds but the index omits is served too (its shard's header is authoritative);</li>
 *   <li>a folder with other {@code *.safetensors} files and no index (an adapter folder, a hand-split model):
 *       all of them, in name order (hidden files, such as a writer's temporary files, are skipped);</li>
 *   <li>a {@code .safetensors} file, or an {@code .index.json} file, given directly.</li>
 * </ol>
 * In every case no tensor name may appear in two files. All files are mapped and checked when the checkpoint
 * opens, not on first use: mapping costs address space, not memory, and a broken download should fail at
 * once rather than in the middle of loading a model.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    /** The single-file name transformers looks for first. */
    public static final String SINGLE_FILE_NAME = "model.safetensors";
    private static final String SUFFIX = ".safetensors";
    private static final String REDOWNLOAD = "the download is incomplete or mixed: download the checkpoint again";

    private final Path location;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileOfTensor;

    private SafetensorsCheckpoint(Path location, List<SafetensorsFile> files) {
        this.location = location;
        this.files = List.copyOf(files);
        this.fileOfTensor = Collections.unmodifiableMap(indexByName(location, files));
    }

    /** Opens the weights at {@code location} (see the class comment for what it may be). */
    public static SafetensorsCheckpoint open(Path location) {
        if (Files.isRegularFile(location)) {
            return location.getFileName().toString().endsWith(".index.json")
                    ? openIndexed(location.toAbsolutePath().getParent(), location)
                    : openFiles(location, List.of(location));
        }
        if (!Files.isDirectory(location)) {
            throw new SafetensorsException(location, "no such file or folder", "give the folder of a Hugging Face "
                    + "model (the one holding config.json)");
        }
        if (Files.isRegularFile(location.resolve(SINGLE_FILE_NAME))) {
            return openFiles(location, List.of(location.resolve(SINGLE_FILE_NAME)));
        }
        if (Files.exists(location.resolve(ShardIndex.FILE_NAME))) { // not only a regular one: its reader says what is wrong
            return openIndexed(location, location.resolve(ShardIndex.FILE_NAME));
        }
        List<Path> found = safetensorsIn(location);
        if (found.isEmpty()) {
            throw new SafetensorsException(location, "holds no .safetensors file", noWeightsHint(location));
        }
        return openFiles(location, found);
    }

    /** The folder or file this was opened from. */
    public Path location() {
        return location;
    }

    /** The files that hold the tensors, in the order their tensors are listed. */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Every tensor name: file by file, each in file order. */
    public List<String> names() {
        return List.copyOf(fileOfTensor.keySet());
    }

    public int size() {
        return fileOfTensor.size();
    }

    public boolean contains(String name) {
        return fileOfTensor.containsKey(name);
    }

    /** The file holding {@code name}; a {@link SafetensorsException} naming close names if none does. */
    public SafetensorsFile fileOf(String name) {
        SafetensorsFile file = fileOfTensor.get(name);
        if (file == null) {
            throw new SafetensorsException(location, name, "no such tensor in the checkpoint"
                    + CloseNames.suggest(name, fileOfTensor.keySet()), "check the tensor name against the "
                    + "checkpoint's architecture");
        }
        return file;
    }

    /** The tensor called {@code name} (its offsets are within {@link #fileOf}'s file). */
    public TensorInfo info(String name) {
        return fileOf(name).info(name);
    }

    /** The tensor's bytes, a read-only slice of its mapped file (no copy). */
    public MemorySegment data(String name) {
        return fileOf(name).data(name);
    }

    /** The tensor widened to float[] (F32, F16, BF16), a copy: for small tensors. */
    public float[] readFloats(String name) {
        return fileOf(name).readFloats(name);
    }

    /** The sum of all tensors' byte sizes (what an index's metadata.total_size states). */
    public long totalTensorBytes() {
        long total = 0;
        for (SafetensorsFile file : files) {
            for (TensorInfo tensor : file.tensors()) {
                total += tensor.byteLength();
            }
        }
        return total;
    }

    /** Unmaps every file. */
    @Override
    public void close() {
        closeAll(files);
    }

    @Override
    public String toString() {
        return "SafetensorsCheckpoint[" + location + ", " + files.size() + " files, " + size() + " tensors]";
    }

    private static SafetensorsCheckpoint openIndexed(Path folder, Path indexFile) {
        ShardIndex index = ShardIndex.read(indexFile);
        if (index.weightMap().isEmpty()) {
            throw new SafetensorsException(indexFile, "its weight_map lists no tensors", REDOWNLOAD);
        }
        TreeSet<String> shardNames = new TreeSet<>(index.weightMap().values());
        for (String shard : shardNames) {
            if (!Files.isRegularFile(folder.resolve(shard))) {
                throw missingShard(folder, shard, index);
            }
        }
        List<Path> shards = shardNames.stream().map(folder::resolve).toList();
        SafetensorsCheckpoint checkpoint = openFiles(folder, shards);
        try {
            checkIndexAgrees(indexFile, index, checkpoint);
            return checkpoint;
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    private static SafetensorsException missingShard(Path folder, String shard, ShardIndex index) {
        List<String> mapped = index.weightMap().entrySet().stream()
                .filter(e -> e.getValue().equals(shard)).map(Map.Entry::getKey).toList();
        return new SafetensorsException(folder, "shard " + shard + " is missing (the index puts "
                + mapped.size() + " tensors in it, e.g. '" + mapped.getFirst() + "')",
                "download " + shard + " again; the download is incomplete");
    }

    private static void checkIndexAgrees(Path indexFile, ShardIndex index, SafetensorsCheckpoint checkpoint) {
        for (Map.Entry<String, String> entry : index.weightMap().entrySet()) {
            String name = entry.getKey();
            SafetensorsFile holder = checkpoint.fileOfTensor.get(name);
            if (holder == null) {
                throw new SafetensorsException(indexFile, name, "the index puts it in " + entry.getValue()
                        + " but no shard holds it", REDOWNLOAD);
            }
            String holderName = holder.path().getFileName().toString();
            if (!holderName.equals(entry.getValue())) {
                throw new SafetensorsException(indexFile, name, "the index puts it in " + entry.getValue()
                        + " but it is in " + holderName, REDOWNLOAD);
            }
        }
    }

    /** Opens every file, closing those already open if one fails. */
    private static SafetensorsCheckpoint openFiles(Path location, List<Path> paths) {
        List<SafetensorsFile> opened = new ArrayList<>(paths.size());
        try {
            for (Path path : paths) {
                opened.add(SafetensorsFile.open(path));
            }
            return new SafetensorsCheckpoint(location, opened);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    private static Map<String, SafetensorsFile> indexByName(Path location, List<SafetensorsFile> files) {
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        for (SafetensorsFile file : files) {
            for (String name : file.names()) {
                SafetensorsFile earlier = byName.putIfAbsent(name, file);
                if (earlier != null) {
                    throw new SafetensorsException(location, name, "appears in two files, "
                            + earlier.path().getFileName() + " and " + file.path().getFileName()
                            + ", so which one to use is ambiguous", "remove the stale file, or download the "
                            + "checkpoint again into an empty folder");
                }
            }
        }
        return byName;
    }

    private static List<Path> safetensorsIn(Path folder) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, "*" + SUFFIX)) {
            for (Path entry : entries) {
                if (!entry.getFileName().toString().startsWith(".") && Files.isRegularFile(entry)) {
                    found.add(entry);
                }
            }
        } catch (IOException e) {
            throw new SafetensorsException(folder, null, "cannot be listed: " + e, "check its permissions", e);
        }
        found.sort(null);
        return found;
    }

    private static String noWeightsHint(Path folder) {
        try (var entries = Files.list(folder)) {
            List<String> names = entries.map(p -> p.getFileName().toString()).sorted().toList();
            boolean pickled = names.stream().anyMatch(n -> n.endsWith(".bin") || n.endsWith(".pt")
                    || n.endsWith(".pth"));
            String listing = names.isEmpty() ? "the folder is empty" : "it holds "
                    + names.stream().limit(8).collect(Collectors.joining(", ")) + (names.size() > 8 ? ", ..." : "");
            return (pickled ? "Loris reads only safetensors: convert the PyTorch .bin/.pt weights to safetensors"
                    : "download the model's *.safetensors files into it") + " (" + listing + ")";
        } catch (IOException e) {
            return "give the folder of a Hugging Face model with *.safetensors weights";
        }
    }

    private static void closeAll(List<SafetensorsFile> files) {
        for (SafetensorsFile file : files) {
            file.close();
        }
    }
}
