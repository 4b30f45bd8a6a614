package dev.loris.model.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: a header under the 100 MB limit can still describe millions of tensors or a shape of millions of
 * dimensions (2.5 GB of heap and 15 s as a JSON tree). Tensor count and rank are capped, checked by a streaming
 * pass before anything is built, so refusing such a header is fast and small.
 */
class SafetensorsHeaderCapsTest {
    @TempDir
    Path dir;

    private SafetensorsException refused(String name, String header) throws IOException {
        Path file = TestTensors.rawFile(dir.resolve(name), header, new byte[0]);
        return assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file).close());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void tooManyTensorsAreRefusedBeforeBuildingThem() throws IOException {
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i <= SafetensorsHeader.MAX_TENSORS; i++) {
            header.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],"
                    + "\"data_offsets\":[0,0]}");
        }
        SafetensorsException e = refused("many.safetensors", header.append('}').toString());
        assertTrue(e.getMessage().contains("more than " + SafetensorsHeader.MAX_TENSORS + " tensors"), e.getMessage());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aShapeOfTooManyDimensionsIsRefused() throws IOException {
        StringBuilder shape = new StringBuilder("1");
        for (int i = 0; i < 5_000_000; i++) {
            shape.append(",1");
        }
        SafetensorsException e = refused("rank.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + shape + "],\"data_offsets\":[0,4]}}");
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("more than "
                + SafetensorsHeader.MAX_RANK), e.getMessage());
        SafetensorsException nine = refused("nine.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}");
        assertTrue(nine.getMessage().contains("tensor 'w'"), nine.getMessage());
    }
}
