package dev.loris.tornado.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UnitsTest {
    @Test
    void formatsBinaryUnits() {
        assertEquals("0 B", Units.bytes(0));
        assertEquals("1023 B", Units.bytes(1023));
        assertEquals("1.0 KiB", Units.bytes(1024));
        assertEquals("1.5 MiB", Units.bytes(3 << 19));
        assertEquals("80.0 GiB", Units.bytes(80L << 30));
        assertEquals("141 GiB", Units.bytes(141L << 30));
        assertEquals("2048 TiB", Units.bytes(2048L << 40));
    }
}
