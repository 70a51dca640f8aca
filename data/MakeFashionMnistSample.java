import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Regenerates the Fashion-MNIST sample of walnut-datasets: the first 4000 training and the
 * first 1000 test images and labels, as gzip IDX files. Needs only a JDK (17+):
 *
 * <pre>
 * java data/MakeFashionMnistSample.java [sourceDir] [outputDir]
 * </pre>
 *
 * sourceDir defaults to /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist),
 * outputDir to walnut-datasets/src/main/resources/dev/walnut/datasets/fashion-mnist-sample. Prints the
 * class counts of each part and a SHA-256 of each decompressed file, which README.md records.
 * The gzip bytes themselves depend on the JDK's zlib; the decompressed content does not.
 */
public class MakeFashionMnistSample {
    public static void main(String[] args) throws Exception {
        Path src = Path.of(args.length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist");
        Path out = Path.of(args.length > 1 ? args[1]
                : "walnut-datasets/src/main/resources/dev/walnut/datasets/fashion-mnist-sample");
        Files.createDirectories(out);
        take(src, out, "train", 4000);
        take(src, out, "t10k", 1000);
    }

    static void take(Path src, Path out, String split, int n) throws Exception {
        byte[] labels = firstItems(src.resolve(split + "-labels-idx1-ubyte.gz"), n, 1, 1);
        byte[] images = firstItems(src.resolve(split + "-images-idx3-ubyte.gz"), n, 3, 28 * 28);
        int[] counts = new int[10];
        for (int i = 0; i < n; i++) {
            counts[labels[i]]++;
        }
        System.out.println(split + ": " + n + " samples, class counts " + java.util.Arrays.toString(counts));
        write(out.resolve(split + "-labels-idx1-ubyte.gz"), new int[] {n}, labels);
        write(out.resolve(split + "-images-idx3-ubyte.gz"), new int[] {n, 28, 28}, images);
    }

    /** The data bytes of the first n items of an unsigned-byte IDX file with ndim dims. */
    static byte[] firstItems(Path file, int n, int ndim, int itemSize) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
            int magic = in.readInt();
            if (magic != (0x0800 | ndim)) {
                throw new IOException(file + ": unexpected magic 0x" + Integer.toHexString(magic));
            }
            int count = in.readInt();
            for (int d = 1; d < ndim; d++) {
                in.readInt();
            }
            if (count < n) {
                throw new IOException(file + " has only " + count + " items");
            }
            byte[] data = new byte[n * itemSize];
            in.readFully(data);
            return data;
        }
    }

    static void write(Path file, int[] shape, byte[] data) throws Exception {
        ByteArrayOutputStream idx = new ByteArrayOutputStream();
        idx.write(new byte[] {0, 0, 0x08, (byte) shape.length});
        for (int d : shape) {
            idx.write(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
        }
        idx.write(data);
        byte[] plain = idx.toByteArray();
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            o.write(plain);
        }
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(plain));
        System.out.println("  " + file.getFileName() + " (" + Files.size(file) + " bytes gzip): sha256 of IDX " + sha);
    }
}
