package dev.walnut.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code walnut train-linear}: the seed's linear-regression example ({@link LinearRegression}).
 *
 * <pre>{@code
 * walnut train-linear --epochs 200 --lr 0.05 --seed 7
 * }</pre>
 */
@Command(name = "train-linear", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Fit y = 2x + 1 (plus noise) with a weight, a bias and full-batch SGD (the seed's example).",
                "Prints the loss as it falls, the learned w and b, and the elapsed time."})
final class TrainLinearCommand extends BaseCommand {
    @Option(names = "--epochs", paramLabel = "N", defaultValue = "100",
            description = "Full-batch SGD steps (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.1",
            description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Random seed of the data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    int execute() {
        if (epochs < 1) {
            throw usageError("--epochs must be at least 1, got " + epochs);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw usageError("--lr must be a positive finite number, got " + lr);
        }
        LinearRegression.train(new LinearRegression.Options(epochs, lr, seed), out());
        return Main.OK;
    }
}
