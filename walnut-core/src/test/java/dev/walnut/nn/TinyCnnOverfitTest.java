package dev.walnut.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.optim.Adam;
import org.junit.jupiter.api.Test;

/** The end-to-end check: a tiny CNN overfits a fixed batch to 100% training accuracy. */
class TinyCnnOverfitTest {
    @Test
    void tinyCnnOverfitsAFixedBatchOfEightImages() {
        Tensor.manualSeed(0);
        Generator g = new Generator(42);
        Tensor images = Tensor.randn(new long[] {8, 1, 8, 8}, DType.F32, g);
        Tensor labels = Tensor.randint(0, 3, new long[] {8}, g);
        Sequential net = new Sequential(new Conv2d(1, 4, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(4 * 4 * 4, 3));
        Adam adam = new Adam(net.parameters(), 0.01);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        for (int i = 0; i < 200; i++) {
            loss.forward(net.forward(images), labels).backward();
            adam.step();
            adam.zeroGrad();
        }
        long[] predicted = net.forward(images).argmax(1, false).toLongArray();
        assertArrayEquals(labels.toLongArray(), predicted);
    }
}
