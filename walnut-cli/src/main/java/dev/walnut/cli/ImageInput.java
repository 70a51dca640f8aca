package dev.walnut.cli;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an image file into a Fashion-MNIST-like input: 28x28 grayscale in [0, 1] with a light
 * object on a dark background. Steps: read with {@link ImageIO}; convert to luminance (alpha
 * composited over the background colour); invert when the background is light (decided from the
 * mean of the border pixels in {@code auto} mode); pad to a square with the background; scale to
 * 28x28 with area averaging.
 *
 * <pre>{@code
 * ImageInput.Result r = ImageInput.read(Path.of("shoe.png"), "auto");
 * float[] pixels = r.pixels();   // 784 values, row-major
 * }</pre>
 */
final class ImageInput {
    static final int SIZE = 28;
    /** The default cap on an image's pixels (after padding to a square): 40 megapixels. */
    static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    private ImageInput() {
    }

    /** The 784 pixels in [0, 1], the original size, and whether the image was inverted. */
    record Result(float[] pixels, int width, int height, boolean inverted) {
    }

    /** {@link #read(Path, String, long)} with the default limit of {@value #DEFAULT_MAX_PIXELS} pixels. */
    static Result read(Path file, String background) throws IOException {
        return read(file, background, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads {@code file}; {@code background} is {@code dark}, {@code light} or {@code auto}. The
     * image's declared size is checked before it is decoded: padded to a square it may have at
     * most {@code maxPixels} pixels.
     *
     * @throws IOException naming the file when it is missing, a directory, not an image an
     *     installed reader understands, larger than the limit, truncated or corrupt
     */
    static Result read(Path file, String background, long maxPixels) throws IOException {
        BufferedImage src = decode(file, maxPixels);
        int w = src.getWidth();
        int h = src.getHeight();
        float[] gray = new float[w * h];
        boolean alpha = src.getColorModel().hasAlpha();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = src.getRGB(x, y);
                double a = ((argb >>> 24) & 0xFF) / 255.0;
                double lum = (0.299 * ((argb >> 16) & 0xFF) + 0.587 * ((argb >> 8) & 0xFF) + 0.114 * (argb & 0xFF)) / 255.0;
                gray[y * w + x] = (float) (lum * a + (alpha ? borderFill(background) * (1 - a) : 0));
            }
        }
        boolean invert = switch (background) {
            case "light" -> true;
            case "dark" -> false;
            default -> borderMean(gray, w, h) > 0.5;
        };
        if (invert) {
            for (int i = 0; i < gray.length; i++) {
                gray[i] = 1 - gray[i];
            }
        }
        // Pad to a square with the (now dark) background so the object keeps its aspect ratio.
        int side = Math.max(w, h);
        var square = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        var raster = square.getRaster();
        int ox = (side - w) / 2;
        int oy = (side - h) / 2;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.setSample(ox + x, oy + y, 0, (int) Math.round(255 * Math.min(1, Math.max(0, gray[y * w + x]))));
            }
        }
        var small = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = small.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(square.getScaledInstance(SIZE, SIZE, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
        } finally {
            g.dispose();
        }
        float[] pixels = new float[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                pixels[y * SIZE + x] = small.getRaster().getSample(x, y, 0) / 255f;
            }
        }
        return new Result(pixels, w, h, invert);
    }

    private static BufferedImage decode(Path file, long maxPixels) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory, not an image file");
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(file + ": not an image this JVM can read (use PNG, JPEG, GIF or BMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w;
                int h;
                try {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw unreadable(file, e);
                }
                long side = Math.max(w, h);
                if (side * side > maxPixels) {
                    throw new IOException(String.format(Locale.ROOT, "%s: the image is %,d x %,d pixels; padded to a "
                            + "square that is %,d pixels, more than the limit of %,d (--max-pixels raises it)",
                            file, w, h, side * side, maxPixels));
                }
                try {
                    return reader.read(0);
                } catch (IOException | RuntimeException e) {
                    throw unreadable(file, e);
                }
            } finally {
                reader.dispose();
            }
        }
    }

    private static IOException unreadable(Path file, Exception e) {
        StringBuilder why = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && why.indexOf(t.getMessage()) < 0) {
                why.append(why.length() > 0 ? ": " : "").append(t.getMessage());
            }
        }
        return new IOException(file + ": cannot decode the image (" + (why.length() > 0 ? why : e.getClass().getSimpleName())
                + "); the file may be truncated or corrupt", e);
    }

    /** Transparent pixels count as the background: black in dark mode, white otherwise. */
    private static double borderFill(String background) {
        return background.equals("dark") ? 0.0 : 1.0;
    }

    private static double borderMean(float[] gray, int w, int h) {
        double sum = 0;
        int n = 0;
        for (int x = 0; x < w; x++) {
            sum += gray[x] + gray[(h - 1) * w + x];
            n += 2;
        }
        for (int y = 1; y < h - 1; y++) {
            sum += gray[y * w] + gray[y * w + w - 1];
            n += 2;
        }
        return sum / n;
    }
}
