package dev.walnut.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Writes files so that a reader, or the next run after a crash or {@code kill -9}, sees either
 * the complete previous content or the complete new one, never a mix: the content goes to a
 * temporary file in the same directory ({@code <name>.<16 hex digits>.tmp}), is flushed to the
 * disk ({@code fsync}), and is then renamed over the target in one atomic step. A failure removes
 * the temporary file and leaves the target as it was. A new file gets the mode of any newly
 * created file (0644 with the usual umask 022); a replaced file keeps its permissions. A target
 * that is a symbolic link has the file it points to replaced, and stays a link.
 *
 * <pre>{@code
 * AtomicFiles.writeString(Path.of("runs/x/metrics.csv"), "epoch,loss\n1,0.5\n");
 * AtomicFiles.write(Path.of("runs/x/metrics.png"), out -> ImageIO.write(image, "png", out));
 * AtomicFiles.removeStaleTemporaries(Path.of("runs/x/checkpoint.safetensors"));   // after a crash
 * }</pre>
 *
 * <p>Every writer in {@code dev.walnut.io} ({@link SafeTensors#save}, {@link Npy#save},
 * {@link Npy#saveNpz}, {@link Checkpoint#save}) goes through this class.
 */
public final class AtomicFiles {
    /** Temporary files this JVM is writing now; {@link #removeStaleTemporaries} leaves them alone. */
    private static final Set<Path> IN_PROGRESS = ConcurrentHashMap.newKeySet();
    /** Keeps {@code <name>.<16 hex>.tmp} within the usual 255-byte file-name limit. */
    private static final int MAX_PREFIX = 200;
    /** Where files cannot be locked, a temporary untouched this long counts as stale. */
    private static final long UNLOCKED_STALE_MILLIS = 10 * 60 * 1000;

    private AtomicFiles() {
    }

    /**
     * Produces a file's content. Closing the stream only flushes it, so the content may wrap it
     * in streams of its own and close them.
     */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out}. */
        void writeTo(OutputStream out) throws IOException;
    }

    /** {@link #write} of {@code text} in UTF-8. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Writes {@code content} to {@code target} atomically (see the class comment).
     *
     * @throws IOException when {@code target} is a directory, its directory does not exist or is
     *     not writable, the content fails, or the file system cannot rename atomically; the target
     *     is then unchanged and no temporary file is left
     */
    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(absolute) && Files.exists(absolute)) {
            // Replace the file the link points to, as writing through the link did, not the link itself.
            absolute = absolute.toRealPath();
        }
        if (Files.isDirectory(absolute)) {
            throw new IOException(target + " is a directory; give the path of a file to write");
        }
        Path dir = absolute.getParent();
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "cannot write " + target
                    + ": its directory does not exist");
        }
        Temporary tmp = createTemporary(absolute);
        boolean moved = false;
        try (FileChannel channel = tmp.channel();
             // Held while writing: another process's removeStaleTemporaries skips a locked file.
             FileLock lock = lockIfSupported(channel)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            content.writeTo(new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);   // FilterOutputStream would write byte by byte
                }

                @Override
                public void close() throws IOException {
                    out.flush();   // the channel stays open for the fsync below
                }
            });
            out.flush();
            channel.force(true);
            keepPermissions(absolute, tmp.path());
            try {
                Files.move(tmp.path(), absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically: the file system of " + dir
                        + " does not support an atomic rename", e);
            }
            moved = true;
        } finally {
            IN_PROGRESS.remove(tmp.path());
            if (!moved) {
                Files.deleteIfExists(tmp.path());
            }
        }
        syncDirectory(dir);
    }

    private record Temporary(Path path, FileChannel channel) {
    }

    /** The lock, or null where the file system has none (some network mounts): the write goes on. */
    private static FileLock lockIfSupported(FileChannel channel) {
        try {
            return channel.lock();
        } catch (IOException e) {
            return null;
        }
    }

    private static Temporary createTemporary(Path target) throws IOException {
        String name = target.getFileName().toString();
        String prefix = name.length() > MAX_PREFIX ? name.substring(0, MAX_PREFIX) : name;
        for (int attempt = 0; ; attempt++) {
            Path tmp = target.resolveSibling(String.format(Locale.ROOT, "%s.%016x.tmp", prefix,
                    ThreadLocalRandom.current().nextLong()));
            IN_PROGRESS.add(tmp);
            try {
                // CREATE_NEW applies the process umask (0644 usually), unlike createTempFile's 0600.
                return new Temporary(tmp, FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE));
            } catch (FileAlreadyExistsException e) {
                IN_PROGRESS.remove(tmp);
                if (attempt == 10) {
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                IN_PROGRESS.remove(tmp);
                throw e;
            }
        }
    }

    private static void keepPermissions(Path target, Path tmp) throws IOException {
        PosixFileAttributeView existing = Files.getFileAttributeView(target, PosixFileAttributeView.class);
        if (existing != null && Files.exists(target)) {
            Files.setPosixFilePermissions(tmp, existing.readAttributes().permissions());
        }
    }

    /** Makes the rename itself durable; where directories cannot be opened (Windows) the rename suffices. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the content itself is already on the disk.
        }
    }

    /**
     * Deletes the temporary files that an interrupted {@link #write} of {@code target} left next
     * to it (a crash or {@code kill -9} between creating and renaming them), including the
     * {@code <name><digits>.tmp} files of earlier Walnut versions. Temporaries that are being
     * written, by this JVM or by another process, are left alone.
     *
     * @return how many files were deleted
     */
    public static int removeStaleTemporaries(Path target) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path dir = absolute.getParent();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        String name = absolute.getFileName().toString();
        String prefix = name.length() > MAX_PREFIX ? name.substring(0, MAX_PREFIX) : name;
        Pattern temporary = Pattern.compile(Pattern.quote(prefix) + "(\\.[0-9a-f]{16}|[0-9]+)\\.tmp");
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (temporary.matcher(p.getFileName().toString()).matches() && !IN_PROGRESS.contains(p)
                        && Files.isRegularFile(p) && deleteIfUnlocked(p)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    private static boolean deleteIfUnlocked(Path p) throws IOException {
        try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return false;   // this JVM is writing it
            } catch (IOException e) {
                // No locks on this file system: a writer touches its file all the time, so one
                // untouched for a while belongs to no one.
                return Files.getLastModifiedTime(p).toMillis() < System.currentTimeMillis() - UNLOCKED_STALE_MILLIS
                        && Files.deleteIfExists(p);
            }
            if (lock == null) {
                return false;   // another process is writing it
            }
            try (lock) {
                return Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException e) {
            return false;   // renamed or removed by its writer meanwhile
        }
    }
}
