package dev.loris.train;

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

/** The loss curve as a PNG (JFreeChart, headless): training loss per step, eval loss where measured. */
final class LossPlot {
    private LossPlot() {
    }

    /** Writes {@code file} atomically; {@code eval} holds (step, loss) pairs, possibly none. */
    static void write(Path file, List<double[]> train, List<double[]> eval, String title) {
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
