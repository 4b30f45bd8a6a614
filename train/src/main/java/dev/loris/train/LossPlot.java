package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.model.safetensors.AtomicFile;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The loss curve as a PNG (JFreeChart, headless): training loss per step, eval loss where measured. Drawing text
 * needs fonts, which minimal machines (containers, GPU servers) may lack: Java then fails inside AWT
 * ("Fontconfig head is null"); the curve is a convenience next to metrics.jsonl, so that is a note, not a
 * failed run.
 */
final class LossPlot {
    private LossPlot() {
    }

    /**
     * Writes {@code file} atomically; {@code eval} holds (step, loss) pairs, possibly none. Empty when written,
     * else why not (no file is left behind).
     */
    static Optional<String> write(Path file, List<double[]> train, List<double[]> eval, String title) {
        try {
            draw(file, train, eval, title);
            return Optional.empty();
        } catch (LorisException e) {
            throw e; // writing the file itself failed: the output folder's problem, said as such
        } catch (RuntimeException | LinkageError | InternalError e) { // AWT's font and native-library failures
            return Optional.of("this Java runtime cannot draw text (" + e.getMessage() + "): install fontconfig and"
                    + " a font package such as fonts-dejavu-core for loss.png; metrics.jsonl has every step");
        }
    }

    private static void draw(Path file, List<double[]> train, List<double[]> eval, String title) {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(series("training loss", train));
        if (!eval.isEmpty()) {
            data.addSeries(series("eval loss", eval));
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "step", "loss", data, PlotOrientation.VERTICAL,
                true, false, false);
        AtomicFile.write(file, channel -> ChartUtils.writeChartAsPNG(Channels.newOutputStream(channel), chart, 900,
                540));
    }

    private static XYSeries series(String name, List<double[]> points) {
        XYSeries series = new XYSeries(name);
        for (double[] p : points) {
            series.add(p[0], p[1]);
        }
        return series;
    }
}
