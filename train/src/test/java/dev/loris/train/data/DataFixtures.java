package dev.loris.train.data;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The committed dataset fixtures (src/test/resources/data) and small helpers to read them. */
final class DataFixtures {
    private DataFixtures() {
    }

    static Path path(String name) {
        try {
            return Path.of(DataFixtures.class.getResource("/data/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource /data/" + name, e);
        }
    }

    /** Every row of a dataset; bad rows fail the test. */
    static List<DataRow> rows(Path dataset) {
        List<DataRow> rows = new ArrayList<>();
        try (RowCursor cursor = DatasetSource.open(dataset, "train").rows()) {
            cursor.forEachRemaining(rows::add);
        }
        return rows;
    }

    static List<DataRow> rows(String name) {
        return rows(path(name));
    }
}
