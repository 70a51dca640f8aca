package dev.walnut.onnx;

import static dev.walnut.onnx.OnnxOp.one;

import dev.walnut.DType;
import dev.walnut.Tensor;

import java.util.Arrays;
import java.util.Map;

/**
 * ONNX Resize in modes {@code nearest}, {@code linear} (bilinear, trilinear) and {@code cubic}
 * (bicubic: Keys' cubic convolution with {@code cubic_coeff_a}, -0.75 as PyTorch's
 * {@code interpolate(mode="bicubic")} exports it, or -0.5 as TensorFlow's; {@code exclude_outside}),
 * for the coordinate transformations PyTorch and others export: {@code half_pixel},
 * {@code pytorch_half_pixel}, {@code align_corners}, {@code asymmetric}. All three modes are
 * separable, so they are done one axis at a time: each axis becomes index selects and, for linear
 * and cubic, a weighted sum of two or four of them, so the result is differentiable in the input.
 */
final class ResizeImporter {
    private ResizeImporter() {
    }

    static void register(Map<String, OnnxOp> ops) {
        ops.put("Resize", ResizeImporter::resize);
    }

    private static Tensor[] resize(NodeCall n) {
        Tensor x = n.required(0);
        String mode = n.attrString("mode", "nearest");
        if (!mode.equals("nearest") && !mode.equals("linear") && !mode.equals("cubic")) {
            throw n.fail("mode \"" + mode + "\" is not supported (nearest, linear and cubic are)");
        }
        if (n.attrInt("antialias", 0) != 0) {
            throw n.fail("antialias = 1 is not supported");
        }
        String transform = n.attrString("coordinate_transformation_mode", "half_pixel");
        String nearestMode = n.attrString("nearest_mode", "round_prefer_floor");
        int rank = x.dim();
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        long[] axesAttr = n.attrInts("axes");
        if (axesAttr != null) {
            axes = new int[axesAttr.length];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = n.axis(axesAttr[i], rank, "axis");
            }
        }
        if (n.has("keep_aspect_ratio_policy") && !n.attrString("keep_aspect_ratio_policy", "stretch").equals("stretch")) {
            throw n.fail("keep_aspect_ratio_policy other than stretch is not supported");
        }
        Tensor scalesIn = n.input(2), sizesIn = n.input(3);
        double[] scales = new double[axes.length];
        long[] sizes = new long[axes.length];
        if (sizesIn != null && sizesIn.numel() > 0) {
            long[] s = n.longs(3);
            if (s.length != axes.length) {
                throw n.fail("sizes has " + s.length + " values for " + axes.length + " axes");
            }
            for (int i = 0; i < axes.length; i++) {
                sizes[i] = s[i];
                scales[i] = (double) s[i] / x.size(axes[i]);
            }
        } else if (scalesIn != null && scalesIn.numel() > 0) {
            double[] s = scalesIn.to(DType.F64).toDoubleArray();
            if (s.length != axes.length) {
                throw n.fail("scales has " + s.length + " values for " + axes.length + " axes");
            }
            for (int i = 0; i < axes.length; i++) {
                if (!(s[i] > 0)) {
                    throw n.fail("scales must be positive, got " + Arrays.toString(s));
                }
                scales[i] = s[i];
                sizes[i] = (long) Math.floor(x.size(axes[i]) * s[i]);
            }
        } else {
            throw n.fail("one of scales and sizes is required");
        }
        long[] outShape = x.shape().clone();
        for (int i = 0; i < axes.length; i++) {
            outShape[axes[i]] = sizes[i];
        }
        n.checkAllocation(outShape, x.dtype());
        Tensor y = x;
        for (int i = 0; i < axes.length; i++) {
            long in = x.size(axes[i]), out = sizes[i];
            if (in == out && scales[i] == 1.0) {
                continue;
            }
            double[] coord = new double[(int) out];
            for (int j = 0; j < out; j++) {
                coord[j] = original(n, transform, j, scales[i], in, out);
            }
            y = switch (mode) {
                case "nearest" -> nearest(n, y, axes[i], coord, in, nearestMode);
                case "linear" -> linear(y, axes[i], coord, in);
                default -> cubic(y, axes[i], coord, in, n.attrFloat("cubic_coeff_a", -0.75f),
                        n.attrInt("exclude_outside", 0) != 0);
            };
        }
        return one(y);
    }

    /** The input coordinate of output index {@code j} along one axis. */
    private static double original(NodeCall n, String transform, long j, double scale, long in, long out) {
        return switch (transform) {
            case "half_pixel" -> (j + 0.5) / scale - 0.5;
            case "pytorch_half_pixel" -> out > 1 ? (j + 0.5) / scale - 0.5 : 0;
            case "align_corners" -> out == 1 ? 0 : j * (in - 1) / (double) (out - 1);
            case "asymmetric" -> j / scale;
            case "half_pixel_symmetric" -> {
                double adjustment = out / (in * scale);
                double center = in / 2.0;
                double offset = center * (1 - adjustment);
                yield offset + (j + 0.5) / scale - 0.5;
            }
            default -> throw n.fail("coordinate_transformation_mode \"" + transform + "\" is not supported");
        };
    }

    private static Tensor nearest(NodeCall n, Tensor y, int axis, double[] coord, long in, String nearestMode) {
        long[] idx = new long[coord.length];
        for (int j = 0; j < coord.length; j++) {
            double c = coord[j];
            double r = switch (nearestMode) {
                case "round_prefer_floor" -> c == Math.floor(c) + 0.5 ? Math.floor(c) : Math.round(c);
                case "round_prefer_ceil" -> c == Math.floor(c) + 0.5 ? Math.ceil(c) : Math.round(c);
                case "floor" -> Math.floor(c);
                case "ceil" -> Math.ceil(c);
                default -> throw n.fail("nearest_mode \"" + nearestMode + "\" is not supported");
            };
            idx[j] = Math.max(0, Math.min(in - 1, (long) r));
        }
        return y.indexSelect(axis, Tensor.fromArray(idx, idx.length));
    }

    private static Tensor linear(Tensor y, int axis, double[] coord, long in) {
        int out = coord.length;
        long[] lo = new long[out], hi = new long[out];
        double[] w = new double[out];
        for (int j = 0; j < out; j++) {
            double c = Math.max(0, Math.min(in - 1, coord[j]));
            lo[j] = (long) Math.floor(c);
            hi[j] = Math.min(in - 1, lo[j] + 1);
            w[j] = c - lo[j];
        }
        Tensor a = y.indexSelect(axis, Tensor.fromArray(lo, out));
        Tensor b = y.indexSelect(axis, Tensor.fromArray(hi, out));
        return a.add(b.sub(a).mul(alongAxis(w, y, axis)));
    }

    /**
     * Four taps around each coordinate, {@code floor(c) - 1 .. floor(c) + 2}, weighted by Keys'
     * kernel with parameter {@code a}. Unlike linear, the coordinate is not clamped first (as in
     * ONNX Runtime and PyTorch's bicubic): taps beyond the edge read the edge element, or with
     * {@code excludeOutside} get weight 0 and the others are renormalized.
     */
    private static Tensor cubic(Tensor y, int axis, double[] coord, long in, double a, boolean excludeOutside) {
        int out = coord.length;
        Tensor sum = null;
        long[][] taps = new long[4][out];
        double[][] w = new double[4][out];
        for (int j = 0; j < out; j++) {
            double f = Math.floor(coord[j]);
            double t = coord[j] - f;
            double total = 0;
            for (int k = 0; k < 4; k++) {
                long at = (long) f - 1 + k;
                double weight = keys(Math.abs(t - (k - 1)), a);
                if (excludeOutside && (at < 0 || at >= in)) {
                    weight = 0;
                }
                taps[k][j] = Math.max(0, Math.min(in - 1, at));
                w[k][j] = weight;
                total += weight;
            }
            if (excludeOutside && total != 0) {
                for (int k = 0; k < 4; k++) {
                    w[k][j] /= total;
                }
            }
        }
        for (int k = 0; k < 4; k++) {
            Tensor term = y.indexSelect(axis, Tensor.fromArray(taps[k], out)).mul(alongAxis(w[k], y, axis));
            sum = sum == null ? term : sum.add(term);
        }
        return sum;
    }

    /** Keys' cubic convolution kernel at distance {@code x >= 0}. */
    private static double keys(double x, double a) {
        if (x <= 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
        return 0;
    }

    /** Per-position weights shaped to broadcast along {@code axis} of {@code y}, in its dtype. */
    private static Tensor alongAxis(double[] w, Tensor y, int axis) {
        long[] shape = new long[y.dim()];
        Arrays.fill(shape, 1);
        shape[axis] = w.length;
        return Tensor.fromArray(w, shape).to(y.dtype());
    }
}
