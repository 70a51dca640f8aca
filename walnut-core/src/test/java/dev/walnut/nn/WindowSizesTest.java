package dev.walnut.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.functional.Convolution;
import dev.walnut.nn.functional.Pooling;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Window sizes the way PyTorch takes them: an int for a square (cube) window or a tuple per
 * spatial dim, on the layers (non-square Conv2d and pooling, Conv3d, ConvTranspose1d) and on the
 * functional ops ({@code int[]} forms of the 1-d ones).
 */
class WindowSizesTest {

    private static void assertSame(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 1e-5f);
    }

    @Test
    void conv2dTakesNonSquareKernelStrideAndPadding() {
        Tensor.manualSeed(1);
        var conv = new Conv2d(3, 4, new int[] {1, 5}, new int[] {1, 2}, new int[] {0, 2}); // nn.Conv2d(3, 4, (1, 5), (1, 2), (0, 2))
        assertArrayEquals(new long[] {4, 3, 1, 5}, conv.weight().shape());
        Tensor x = Tensor.randn(2, 3, 8, 10);
        Tensor y = conv.forward(x);
        assertArrayEquals(new long[] {2, 4, 8, 5}, y.shape(), "H = 8, W = (10 + 4 - 5) / 2 + 1");
        assertSame(Convolution.conv2d(x, conv.weight(), conv.bias(), new int[] {1, 2}, new int[] {0, 2}, new int[] {1}, 1), y);
        assertEquals("Conv2d(3, 4, kernel_size=(1, 5), stride=(1, 2), padding=(0, 2))", conv.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, new int[] {1, 2, 3}, new int[] {1}, new int[] {0}));
        assertTrue(e.getMessage().contains("Conv2d: kernelSize must be 1 or 2 values"), e.getMessage());
    }

    @Test
    void poolingTakesNonSquareWindows() {
        Tensor x = Tensor.arange(0.0, 24.0, 1.0, DType.F32).reshape(1, 1, 4, 6);
        var max = new MaxPool2d(new int[] {2, 3}, null, new int[] {0, 1});                 // nn.MaxPool2d((2, 3), padding=(0, 1))
        assertEquals(List.of(List.of(7.0, 10.0), List.of(19.0, 22.0)), max.forward(x).index(dev.walnut.Slice.at(0), dev.walnut.Slice.at(0)).toList());
        assertEquals("MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=(0, 1), dilation=1, ceil_mode=False)", max.toString());
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new MaxPool2d(2).toString());
        var avg = new AvgPool2d(new int[] {2, 1}, null, new int[] {0});                    // nn.AvgPool2d((2, 1))
        Tensor a = Tensor.arange(0.0, 8.0, 1.0, DType.F32).reshape(1, 1, 2, 4);
        assertEquals(List.of(2.0, 3.0, 4.0, 5.0), avg.forward(a).reshape(-1).toList());
        assertEquals("AvgPool2d(kernel_size=(2, 1), stride=(2, 1), padding=0)", avg.toString());
    }

    @Test
    void conv3dMatchesTheFunctionalFormAndAOneByOneKernel() {
        Tensor.manualSeed(2);
        var conv = new Conv3d(2, 4, 3, 1, 1);                                                // nn.Conv3d(2, 4, 3, padding=1)
        Tensor x = Tensor.randn(1, 2, 5, 6, 7);
        Tensor y = conv.forward(x);
        assertArrayEquals(new long[] {1, 4, 5, 6, 7}, y.shape());
        assertSame(Convolution.conv3d(x, conv.weight(), conv.bias(), new int[] {1}, new int[] {1}, new int[] {1}, 1), y);
        assertEquals("Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))", conv.toString());
        var scale = new Conv3d(1, 1, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {1}, 1, false);
        try (var off = Autograd.noGrad()) {
            scale.weight().fillInPlace(2.0);
        }
        Tensor v = Tensor.randn(1, 1, 2, 2, 2);
        assertSame(v.mul(2.0), scale.forward(v));
        assertEquals(1, scale.parameters().size(), "no bias");
        assertArrayEquals(new long[] {3, 2, 1, 3, 3}, new Conv3d(2, 3, new int[] {1, 3, 3}, new int[] {1}, new int[] {0},
                new int[] {1}, 1, true).weight().shape());
    }

    @Test
    void convTranspose1dUpsamplesLikeTheFunctionalForm() {
        Tensor.manualSeed(3);
        var up = new ConvTranspose1d(16, 8, 2, 2, 0);                                        // nn.ConvTranspose1d(16, 8, 2, 2)
        Tensor x = Tensor.randn(1, 16, 7);
        Tensor y = up.forward(x);
        assertArrayEquals(new long[] {1, 8, 14}, y.shape());
        assertArrayEquals(new long[] {16, 8, 2}, up.weight().shape());
        assertSame(Convolution.convTranspose1d(x, up.weight(), up.bias(), 2, 0, 0, 1, 1), y);
        assertEquals("ConvTranspose1d(16, 8, kernel_size=(2,), stride=(2,))", up.toString());
        Tensor w = up.weight();
        up.forward(x).sum().backward();
        assertArrayEquals(w.shape(), w.grad().shape());
    }

    @Test
    void oneDimFunctionalOpsTakeArraysLikeTheirTwoDimRelatives() {
        Tensor.manualSeed(4);
        Tensor x = Tensor.randn(2, 3, 9);
        Tensor w = Tensor.randn(4, 3, 3);
        assertSame(Convolution.conv1d(x, w, null, 2, 1, 1, 1),
                Convolution.conv1d(x, w, null, new int[] {2}, new int[] {1}, new int[] {1}, 1));  // F.conv1d(x, w, stride=(2,), padding=(1,))
        Tensor wt = Tensor.randn(3, 2, 3);
        assertSame(Convolution.convTranspose1d(x, wt, null, 2, 1, 1, 1, 1),
                Convolution.convTranspose1d(x, wt, null, new int[] {2}, new int[] {1}, new int[] {1}, 1, new int[] {1}));
        assertSame(Pooling.maxPool1d(x, 3), Pooling.maxPool1d(x, new int[] {3}, null, new int[] {0}, new int[] {1}, false));
        assertSame(Pooling.avgPool1d(x, 2, 1, 1, false, true),
                Pooling.avgPool1d(x, new int[] {2}, new int[] {1}, new int[] {1}, false, true));
    }
}
