package dev.loris.model;

import dev.loris.LorisException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a model folder's small text files whole (config.json, tokenizer.json, tokenizer_config.json, the shard
 * index, chat_template.jinja) without trusting them: only a regular file is opened (a named pipe or a device
 * would block or never end), its size is checked against a limit before reading and the read stops at the
 * limit (the file may grow meanwhile), and the bytes must be strict UTF-8. Each failure says what is really
 * wrong, through the caller's exception type, whose message names the file.
 */
public final class SmallTextFile {
    /**
     * Builds the caller's exception from the problem ("is not UTF-8 text", to follow the file's name in the
     * message), a hint and the cause.
     */
    @FunctionalInterface
    public interface Failure {
        LorisException of(String problem, String hint, Throwable cause);
    }

    private SmallTextFile() {
    }

    /**
     * The text of {@code file}, or null when nothing exists at that path.
     *
     * @param maxBytes the most bytes such a file can sensibly hold; a larger one is refused unread
     */
    public static String readIfExists(Path file, long maxBytes, Failure failure) {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file)) {
            return null;
        }
        if (!Files.isRegularFile(file)) {
            String what = Files.isDirectory(file) ? "a folder, not a regular file"
                    : "not a regular file (a named pipe, a device or a broken link)";
            throw failure.of("is " + what, "replace it by the file itself", null);
        }
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw tooLarge(file, size, maxBytes, failure);
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            }
            if (bytes.length > maxBytes) {
                throw tooLarge(file, bytes.length, maxBytes, failure);
            }
            return decode(file, bytes, failure);
        } catch (NoSuchFileException e) {
            return null;
        } catch (AccessDeniedException e) {
            throw failure.of("cannot be read: permission denied", "check the file's permissions", e);
        } catch (IOException e) {
            throw failure.of("cannot be read: " + e.getMessage(), "check the file and the disk", e);
        }
    }

    private static LorisException tooLarge(Path file, long size, long maxBytes, Failure failure) {
        return failure.of("is " + size + " bytes, more than the " + maxBytes + " such a file can hold",
                "this is not the file Loris expects there (or it is damaged); download it again", null);
    }

    private static String decode(Path file, byte[] bytes, Failure failure) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            String where = "";
            if (e instanceof MalformedInputException) {
                where = " (a malformed byte sequence near byte " + firstBadByte(bytes) + ")";
            }
            throw failure.of("is not UTF-8 text" + where,
                    "the file is damaged or not a text file; download it again", e);
        }
    }

    /** The offset of the first byte where strict UTF-8 decoding fails, for the message. */
    private static int firstBadByte(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        var out = java.nio.CharBuffer.allocate(bytes.length + 1);
        decoder.decode(in, out, true);
        return in.position();
    }
}
