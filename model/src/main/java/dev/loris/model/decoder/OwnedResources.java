package dev.loris.model.decoder;

import java.util.ArrayList;
import java.util.List;

/**
 * What one object allocated (device arrays, pinned arrays, streams, events), closed together in reverse order
 * of allocation: by its owner's close, or when its constructor fails part way, so nothing is left behind.
 */
final class OwnedResources implements AutoCloseable {
    private final String owner;
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** {@code owner} names what is closed, for the error of a close that fails. */
    OwnedResources(String owner) {
        this.owner = owner;
    }

    <T extends AutoCloseable> T add(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + owner, e);
            }
        }
        resources.clear();
    }
}
