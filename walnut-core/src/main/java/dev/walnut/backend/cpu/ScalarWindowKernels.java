package dev.walnut.backend.cpu;

/**
 * The scalar {@link WindowKernelProvider}: plain loops shaped for C2's auto-vectorizer (the
 * convolution's innermost loop runs along an output row with one weight fixed), also used for
 * double tensors through the static methods.
 */
final class ScalarWindowKernels extends WindowKernelProvider {
    static final ScalarWindowKernels INSTANCE = new ScalarWindowKernels();

    private ScalarWindowKernels() {
    }

    @Override
    public void maxPool2x2(float[] x, int in, float[] y, long[] idx, int out, int p0, int p1, int height, int width,
                           int outH, int outW) {
        for (int p = p0; p < p1; p++) {
            int base = in + p * height * width;
            for (int i = 0; i < outH; i++) {
                maxPool2x2Row(x, base, y, idx, out + (p * outH + i) * outW, width, i, 0, outW);
            }
        }
    }

    @Override
    public void maxPoolValues(float[] x, int in, float[] y, int out, int p0, int p1, int height, int width, int kh,
                              int kw, int sh, int sw, int ph, int pw, int outH, int outW) {
        PoolKernels.Windows g = PoolKernels.Windows.regular(height, width, kh, kw, sh, sw, ph, pw, 1, 1, outH, outW);
        PoolKernels.maxValuesPlanes(x, in, y, out, p0, p1, g);
    }

    @Override
    public void conv2dForward(float[] x, int xOff, float[] w, float[] bias, float[] out, int r0, int r1, int cIn,
                              int h, int width, int cOut, int kh, int kw, float min, float max) {
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        int ck = cIn * kh * kw;
        int[] taps = activeTaps(w, cOut, ck);
        int[] off = tapOffsets(taps, h, width, kh, kw);
        for (int r = r0; r < r1; r++) {
            int n = r / oh;
            int xr = xOff + n * cIn * h * width + r % oh * width;
            for (int o = 0; o < cOut; o++) {
                int yo = ((n * cOut + o) * oh + r % oh) * ow;
                java.util.Arrays.fill(out, yo, yo + ow, bias == null ? 0f : bias[o]);
                for (int q = 0; q < taps.length; q++) {
                    float wv = w[o * ck + taps[q]];
                    int xi = xr + off[q];
                    for (int j = 0; j < ow; j++) {
                        out[yo + j] += wv * x[xi + j];
                    }
                }
                for (int j = yo; j < yo + ow; j++) {
                    out[j] = Math.min(Math.max(out[j], min), max);
                }
            }
        }
    }

    @Override
    public void conv2dWeightGrad(float[] x, int xOff, float[] g, int gOff, float[] gw, int n, int o0, int o1,
                                 int cIn, int h, int width, int cOut, int kh, int kw) {
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        int plane = oh * ow;
        for (int o = o0; o < o1; o++) {
            for (int c = 0; c < cIn; c++) {
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < kw; b++) {
                        float s = 0;
                        for (int m = 0; m < n; m++) {
                            int gb = gOff + (m * cOut + o) * plane;
                            int xb = xOff + (m * cIn + c) * h * width + a * width + b;
                            for (int i = 0; i < oh; i++) {
                                for (int j = 0; j < ow; j++) {
                                    s += g[gb + i * ow + j] * x[xb + i * width + j];
                                }
                            }
                        }
                        gw[((o * cIn + c) * kh + a) * kw + b] = s;
                    }
                }
            }
        }
    }

    @Override
    public double planeSum(float[] x, int off, int len) {
        double s = 0;
        for (int i = off; i < off + len; i++) {
            s += x[i];
        }
        return s;
    }

    @Override
    public boolean allFinite(float[] x, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (!Float.isFinite(x[i])) {
                return false;
            }
        }
        return true;
    }

    /** {@link #conv2dForward} for doubles. */
    static void conv2dForward(double[] x, int xOff, double[] w, double[] bias, double[] out, int r0, int r1, int cIn,
                              int h, int width, int cOut, int kh, int kw, double min, double max) {
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        int ck = cIn * kh * kw;
        int[] taps = activeTaps(w, cOut, ck);
        int[] off = tapOffsets(taps, h, width, kh, kw);
        for (int r = r0; r < r1; r++) {
            int n = r / oh;
            int xr = xOff + n * cIn * h * width + r % oh * width;
            for (int o = 0; o < cOut; o++) {
                int yo = ((n * cOut + o) * oh + r % oh) * ow;
                java.util.Arrays.fill(out, yo, yo + ow, bias == null ? 0 : bias[o]);
                for (int q = 0; q < taps.length; q++) {
                    double wv = w[o * ck + taps[q]];
                    int xi = xr + off[q];
                    for (int j = 0; j < ow; j++) {
                        out[yo + j] += wv * x[xi + j];
                    }
                }
                for (int j = yo; j < yo + ow; j++) {
                    out[j] = Math.min(Math.max(out[j], min), max);
                }
            }
        }
    }

    /** {@link #conv2dWeightGrad} for doubles. */
    static void conv2dWeightGrad(double[] x, int xOff, double[] g, int gOff, double[] gw, int n, int o0, int o1,
                                 int cIn, int h, int width, int cOut, int kh, int kw) {
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        int plane = oh * ow;
        for (int o = o0; o < o1; o++) {
            for (int c = 0; c < cIn; c++) {
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < kw; b++) {
                        double s = 0;
                        for (int m = 0; m < n; m++) {
                            int gb = gOff + (m * cOut + o) * plane;
                            int xb = xOff + (m * cIn + c) * h * width + a * width + b;
                            for (int i = 0; i < oh; i++) {
                                for (int j = 0; j < ow; j++) {
                                    s += g[gb + i * ow + j] * x[xb + i * width + j];
                                }
                            }
                        }
                        gw[((o * cIn + c) * kh + a) * kw + b] = s;
                    }
                }
            }
        }
    }
}
