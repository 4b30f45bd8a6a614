package dev.loris.model.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes a checkpoint folder the way huggingface_hub's {@code split_state_dict_into_shards} and
 * transformers' {@code save_pretrained} lay it out:
 * <ul>
 *   <li>tensors packed greedily, in the order they were added, into shards of at most the given number of
 *       tensor bytes; a tensor larger than that gets a shard of its own (placed where huggingface_hub places
 *       it: before the shard being filled);</li>
 *   <li>one shard: {@code model.safetensors}, no index; several: {@code model-00001-of-0000N.safetensors}
 *       and {@code model.safetensors.index.json} with {@code metadata.total_size} (tensor bytes);</li>
 *   <li>every shard carries the writer's {@code __metadata__}.</li>
 * </ul>
 * All shards and the index are written to temporary files first; only when every one is on disk are they
 * renamed into place, index last, so a failed write (disk full, a dead segment) leaves the folder as it was.
 * Afterwards the files of an earlier save that the new one does not use (shards of another count, a
 * {@code model.safetensors} or an index) are deleted: {@link SafetensorsCheckpoint} prefers
 * {@code model.safetensors}, and a stale one would shadow the new shards.
 */
final class ShardedWrite {
    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private ShardedWrite() {}

    static List<Path> write(SafetensorsWriter all, Path folder, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("the shard size limit must be positive, not " + maxShardBytes);
        }
        createFolder(folder);
        List<List<String>> shards = plan(all, maxShardBytes);
        if (shards.size() <= 1) {
            Path file = folder.resolve(SafetensorsCheckpoint.SINGLE_FILE_NAME);
            all.write(file);
            removeStale(folder, Set.of(file.getFileName().toString()));
            return List.of(file);
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        List<Path> targets = new ArrayList<>();
        List<AtomicFile> prepared = new ArrayList<>();
        try {
            for (int k = 0; k < shards.size(); k++) {
                String shardName = String.format("model-%05d-of-%05d.safetensors", k + 1, shards.size());
                targets.add(folder.resolve(shardName));
                prepared.add(all.subset(shards.get(k)).prepare(targets.getLast()));
                shards.get(k).forEach(name -> weightMap.put(name, shardName));
            }
            long totalSize = all.names().stream().mapToLong(all::byteLength).sum();
            byte[] index = new ShardIndex(weightMap, OptionalLong.of(totalSize)).toJson()
                    .getBytes(StandardCharsets.UTF_8);
            targets.add(folder.resolve(ShardIndex.FILE_NAME));
            prepared.add(AtomicFile.prepare(targets.getLast(), channel -> channel.write(
                    ByteBuffer.wrap(index))));
        } catch (RuntimeException | Error e) {
            prepared.forEach(AtomicFile::discard);
            throw e;
        }
        commitAll(prepared);
        removeStale(folder, Set.copyOf(targets.stream().map(p -> p.getFileName().toString()).toList()));
        return List.copyOf(targets);
    }

    /** huggingface_hub's greedy split, by tensor bytes, in insertion order. */
    static List<List<String>> plan(SafetensorsWriter all, long maxShardBytes) {
        List<List<String>> shards = new ArrayList<>();
        List<String> current = new ArrayList<>();
        long currentBytes = 0;
        for (String name : all.names()) {
            long bytes = all.byteLength(name);
            if (bytes > maxShardBytes) {
                shards.add(List.of(name));
                continue;
            }
            if (currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(name);
            currentBytes += bytes;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    private static void commitAll(List<AtomicFile> prepared) {
        for (int i = 0; i < prepared.size(); i++) {
            try {
                prepared.get(i).commit();
            } catch (RuntimeException e) {
                prepared.subList(i + 1, prepared.size()).forEach(AtomicFile::discard);
                throw e;
            }
        }
    }

    private static void removeStale(Path folder, Set<String> keep) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean ours = SHARD_NAME.matcher(name).matches() || name.equals(ShardIndex.FILE_NAME)
                        || name.equals(SafetensorsCheckpoint.SINGLE_FILE_NAME);
                if (ours && !keep.contains(name)) {
                    Files.deleteIfExists(entry);
                }
            }
        } catch (IOException e) {
            throw new SafetensorsException(folder, null, "the new weights are written, but a file of an earlier "
                    + "save could not be removed: " + e, "delete the model*.safetensors files and the index that "
                    + "the new save did not write", e);
        }
    }

    private static void createFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new SafetensorsException(folder, null, "cannot be created: " + e, "check the path and its "
                    + "permissions", e);
        }
    }
}
