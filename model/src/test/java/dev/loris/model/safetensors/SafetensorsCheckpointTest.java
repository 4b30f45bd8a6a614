package dev.loris.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoint folders: one model.safetensors, shards with an index (written by SafetensorsWriter.writeSharded
 * and then broken in each way a download can be), several files without an index, and folders with none.
 */
class SafetensorsCheckpointTest {
    @TempDir
    Path dir;

    private final TestTensors random = new TestTensors();

    /** Random F32/BF16/I64 tensors of 16 to 64 bytes, in insertion order. */
    private Map<String, MemorySegment> addRandomTensors(SafetensorsWriter writer, int count) {
        Map<String, MemorySegment> added = new LinkedHashMap<>();
        Dtype[] dtypes = {Dtype.F32, Dtype.BF16, Dtype.I64};
        for (int i = 0; i < count; i++) {
            Dtype dtype = dtypes[random.random.nextInt(dtypes.length)];
            long[] shape = {2, (16 / dtype.byteSize()) * (1 + random.random.nextInt(4)) / 2};
            String name = "model.layers." + i + ".weight";
            MemorySegment bytes = random.bytes(dtype, shape);
            writer.add(name, dtype, shape, bytes);
            added.put(name, bytes);
        }
        return added;
    }

    @Test
    void shardedFolderServesEveryTensorFromItsShard() throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        Map<String, MemorySegment> added = addRandomTensors(writer, 12 + random.random.nextInt(10));
        List<Path> written = writer.writeSharded(dir, 100);
        assertTrue(written.size() > 2, random.at("expected several shards, got " + written));
        assertEquals(dir.resolve(ShardIndex.FILE_NAME), written.getLast());

        JsonNode index = new ObjectMapper().readTree(written.getLast().toFile());
        long totalSize = added.values().stream().mapToLong(MemorySegment::byteSize).sum();
        assertEquals(totalSize, index.path("metadata").path("total_size").longValue(), random.at("total_size"));
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            assertEquals(written.size() - 1, checkpoint.files().size());
            assertEquals(added.keySet(), Set.copyOf(checkpoint.names()));
            assertEquals(totalSize, checkpoint.totalTensorBytes());
            for (Map.Entry<String, MemorySegment> tensor : added.entrySet()) {
                String shard = index.path("weight_map").path(tensor.getKey()).textValue();
                assertEquals(shard, checkpoint.fileOf(tensor.getKey()).path().getFileName().toString());
                assertEquals(-1, tensor.getValue().mismatch(checkpoint.data(tensor.getKey())),
                        random.at(tensor.getKey()));
                assertEquals(Map.of("format", "pt"), checkpoint.fileOf(tensor.getKey()).metadata());
            }
        }
        try (SafetensorsCheckpoint viaIndex = SafetensorsCheckpoint.open(written.getLast())) {
            assertEquals(added.size(), viaIndex.size());
        }
    }

    @Test
    void shardsArePackedAsHuggingfaceHubPacksThem() {
        // 40, 40, 100 (over the limit: a shard of its own, before the one being filled), 40 bytes, limit 64.
        SafetensorsWriter writer = new SafetensorsWriter()
                .add("t0", Dtype.U8, new long[] {40}, MemorySegment.ofArray(new byte[40]))
                .add("t1", Dtype.U8, new long[] {40}, MemorySegment.ofArray(new byte[40]))
                .add("t2", Dtype.U8, new long[] {100}, MemorySegment.ofArray(new byte[100]))
                .add("t3", Dtype.U8, new long[] {40}, MemorySegment.ofArray(new byte[40]));
        assertEquals(List.of(List.of("t0"), List.of("t2"), List.of("t1"), List.of("t3")),
                ShardedWrite.plan(writer, 64));
        List<Path> written = writer.writeSharded(dir, 64);
        assertEquals(List.of("model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors", ShardIndex.FILE_NAME),
                written.stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void indexJsonIsWrittenAsTransformersWritesIt() throws IOException {
        new SafetensorsWriter()
                .add("b", Dtype.U8, new long[] {3}, MemorySegment.ofArray(new byte[3]))
                .add("a", Dtype.U8, new long[] {3}, MemorySegment.ofArray(new byte[3]))
                .writeSharded(dir, 3);
        assertEquals("""
                {
                  "metadata": {
                    "total_size": 6
                  },
                  "weight_map": {
                    "a": "model-00002-of-00002.safetensors",
                    "b": "model-00001-of-00002.safetensors"
                  }
                }
                """, Files.readString(dir.resolve(ShardIndex.FILE_NAME)));
    }

    @Test
    void missingShardIsNamed() throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        addRandomTensors(writer, 6);
        List<Path> written = writer.writeSharded(dir, 40);
        Path lost = written.get(written.size() - 2);
        Files.delete(lost);
        failure(dir, "shard " + lost.getFileName() + " is missing (the index puts");
    }

    @Test
    void tensorInTwoShardsIsRefused() throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        addRandomTensors(writer, 4);
        List<Path> written = writer.writeSharded(dir, 40);
        // A second copy of the first shard's tensors, under the name of another shard the index uses.
        String firstTensor;
        try (SafetensorsFile first = SafetensorsFile.open(written.getFirst())) {
            firstTensor = first.names().getFirst();
        }
        Files.copy(written.getFirst(), written.get(1), StandardCopyOption.REPLACE_EXISTING);
        SafetensorsException e = failure(dir, "appears in two files, " + written.getFirst().getFileName() + " and "
                + written.get(1).getFileName());
        assertEquals(firstTensor, e.tensor().orElseThrow());
    }

    @Test
    void indexThatDisagreesWithTheShards() throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        for (String name : List.of("t0", "t1", "t2", "t3")) {
            writer.add(name, Dtype.U8, new long[] {16}, random.bytes(Dtype.U8, new long[] {16}));
        }
        List<Path> written = writer.writeSharded(dir, 40);
        String first = "model-00001-of-00002.safetensors";
        String second = "model-00002-of-00002.safetensors";
        Path index = written.getLast();
        String original = Files.readString(index);
        assertTrue(original.contains("\"t1\": \"" + first + "\""), original);

        Files.writeString(index, original.replace("\"t1\": \"" + first, "\"t1\": \"" + second));
        SafetensorsException moved = failure(dir, "the index puts it in " + second + " but it is in " + first);
        assertEquals("t1", moved.tensor().orElseThrow());

        Files.writeString(index, original.replace("\"weight_map\": {", "\"weight_map\": {\n    \"lm_head\": \""
                + first + "\","));
        SafetensorsException absent = failure(dir, "the index puts it in " + first + " but no shard holds it");
        assertEquals("lm_head", absent.tensor().orElseThrow());

        Files.writeString(index, original.replace(first, "../" + first));
        failure(index, "which is not a file name in the index's folder");
        Files.writeString(index, "{\"weight_map\": [");
        failure(index, "is not valid JSON");
        Files.writeString(index, "{\"weight_map\": {}}");
        failure(index, "its weight_map lists no tensors");
    }

    @Test
    void singleFileWinsAndSeveralFilesWithoutIndexAreUnited() throws IOException {
        new SafetensorsWriter().add("x", Dtype.U8, new long[] {1}, MemorySegment.ofArray(new byte[1]))
                .write(dir.resolve("adapter_a.safetensors"));
        new SafetensorsWriter().add("y", Dtype.U8, new long[] {1}, MemorySegment.ofArray(new byte[1]))
                .write(dir.resolve("adapter_b.safetensors"));
        Files.write(dir.resolve(".adapter_c.safetensors.123.tmp"), new byte[3]);
        Files.write(dir.resolve(".hidden.safetensors"), new byte[3]);
        try (SafetensorsCheckpoint united = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("x", "y"), united.names());
        }
        new SafetensorsWriter().add("x", Dtype.U8, new long[] {1}, MemorySegment.ofArray(new byte[1]))
                .write(dir.resolve("adapter_c.safetensors"));
        failure(dir, "appears in two files, adapter_a.safetensors and adapter_c.safetensors");

        new SafetensorsWriter().add("z", Dtype.U8, new long[] {1}, MemorySegment.ofArray(new byte[1]))
                .write(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE_NAME));
        try (SafetensorsCheckpoint single = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("z"), single.names());
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> single.info("x"));
            assertTrue(e.getMessage().contains("no such tensor in the checkpoint (closest: 'z')"), e.getMessage());
        }
        try (SafetensorsCheckpoint direct = SafetensorsCheckpoint.open(dir.resolve("adapter_b.safetensors"))) {
            assertEquals(List.of("y"), direct.names());
        }
    }

    @Test
    void folderWithoutSafetensorsSaysWhatItHolds() throws IOException {
        SafetensorsException empty = failure(dir, "holds no .safetensors file");
        assertTrue(empty.hint().contains("the folder is empty"), empty.hint());
        Files.write(dir.resolve("pytorch_model.bin"), new byte[1]);
        SafetensorsException pickled = failure(dir, "holds no .safetensors file");
        assertTrue(pickled.hint().contains("convert the PyTorch") && pickled.hint().contains("pytorch_model.bin"),
                pickled.hint());
        failure(dir.resolve("nowhere"), "no such file or folder");
    }

    @Test
    void rewritingWithFewerShardsRemovesTheStaleOnes() throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        addRandomTensors(writer, 8);
        int many = writer.writeSharded(dir, 40).size();
        List<Path> fewer = writer.writeSharded(dir, 200);
        assertTrue(fewer.size() < many, random.at(fewer.size() + " files after " + many));
        assertEquals(Set.copyOf(fewer), Set.copyOf(listing()));
        List<Path> single = writer.writeSharded(dir, Long.MAX_VALUE);
        assertEquals(List.of(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE_NAME)), single);
        assertEquals(single, listing());
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            assertEquals(Set.copyOf(writer.names()), Set.copyOf(checkpoint.names()));
        }
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private SafetensorsException failure(Path location, String expected) {
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsCheckpoint.open(location).close(), random.at(location + " should not open"));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertFalse(e.hint().isEmpty(), "every failure comes with a hint: " + e.getMessage());
        return e;
    }
}
