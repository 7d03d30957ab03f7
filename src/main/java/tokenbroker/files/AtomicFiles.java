package tokenbroker.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes and removes files so that a reader sees either the old file, the new one, or none, never a part: the
 * content goes to a temporary file in the same directory, is flushed to the device, gets its final mode, and is
 * then renamed over the target ({@code rename(2)} replaces atomically within one file system). Temporary files
 * are hidden ({@code .name.<random>.tmp}), so that a program watching the directory for {@code *.token} or the
 * like does not pick them up.
 */
final class AtomicFiles {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicFiles() {
    }

    /** Replaces {@code target} with {@code content}, with permissions {@code mode}. */
    static void write(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), prefix(target), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            // Before the rename, so that the file never exists under its name with other permissions.
            Files.setPosixFilePermissions(temp, mode);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
    }

    /**
     * Removes {@code target}. A path that cannot be reached any more (its directory gone or replaced by a file)
     * counts as removed: no reader can open it either.
     */
    static void remove(Path target) throws IOException {
        try {
            Files.deleteIfExists(target);
        } catch (IOException e) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
        }
    }

    /** Removes {@code target} and the temporary files a stopped broker may have left beside it. */
    static void removeWithLeftovers(Path target) throws IOException {
        remove(target);
        if (!Files.isDirectory(target.getParent())) {
            return;
        }
        String prefix = prefix(target);
        // A filter, not a glob: the file's own name may hold glob characters.
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(target.getParent(),
                p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp"))) {
            for (Path leftover : leftovers) {
                deleteQuietly(leftover);
            }
        }
    }

    private static String prefix(Path target) {
        return "." + target.getFileName() + ".";
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException | RuntimeException e) {
            // The caller reports its own failure; a hidden temporary file left behind holds no more than the target would.
        }
    }
}
