package dev.walnut.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import dev.walnut.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws {@code metrics.png}: training and test loss per epoch on the left, training and test
 * accuracy on the right (XChart, rendered off screen, so it works without a display).
 *
 * <pre>{@code
 * MetricsPlot.save(history, outDir.resolve("metrics.png"));
 * }</pre>
 */
final class MetricsPlot {
    static final int WIDTH = 1200;
    static final int HEIGHT = 450;

    private MetricsPlot() {
    }

    /** Writes the two charts for {@code history} (at least one epoch) side by side as a PNG, atomically. */
    static void save(List<EpochMetrics> history, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart loss = chart("Loss", "cross-entropy", history, EpochMetrics::trainLoss, EpochMetrics::testLoss);
        loss.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        XYChart accuracy = chart("Accuracy", "accuracy (%)", history, m -> 100 * m.trainAcc(),
                m -> 100 * m.testAcc());
        // Loss falls and accuracy rises: each legend goes where its curves are not.
        accuracy.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        var image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            loss.paint(g, WIDTH / 2, HEIGHT);
            g.translate(WIDTH / 2, 0);
            accuracy.paint(g, WIDTH / 2, HEIGHT);
        } finally {
            g.dispose();
        }
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available in this JDK to write " + png);
            }
        });
    }

    private static XYChart chart(String title, String yTitle, List<EpochMetrics> history,
                                 ToDoubleFunction<EpochMetrics> train, ToDoubleFunction<EpochMetrics> test) {
        XYChart chart = new XYChartBuilder().width(WIDTH / 2).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setDecimalPattern("#0.###");
        chart.getStyler().setXAxisDecimalPattern("#0");
        double[] x = new double[history.size()];
        double[] yTrain = new double[history.size()];
        double[] yTest = new double[history.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = history.get(i).epoch();
            yTrain[i] = train.applyAsDouble(history.get(i));
            yTest[i] = test.applyAsDouble(history.get(i));
        }
        chart.addSeries("train", x, yTrain).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("test", x, yTest).setMarker(SeriesMarkers.DIAMOND);
        return chart;
    }
}
