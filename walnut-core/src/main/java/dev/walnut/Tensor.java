package dev.walnut;

import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradOptions;
import dev.walnut.autograd.HookHandle;
import dev.walnut.autograd.Node;
import dev.walnut.backend.Layout;
import dev.walnut.backend.Storage;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.AutogradInternals;
import dev.walnut.internal.Kernels;
import dev.walnut.internal.TensorInternals;
import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.NoAttrs;
import dev.walnut.ops.ReductionOps;
import dev.walnut.ops.ViewOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * An n-dimensional array with reverse-mode autograd: storage (a primitive array shared by
 * views) plus a layout (shape, strides, offset), a {@link DType} and autograd metadata.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(1.0, 2.0, 3.0).setRequiresGrad(true);
 * Tensor y = x.mul(x).add(x.mulScalar(3.0)).sum();     // sum(x^2 + 3x)
 * y.backward();
 * x.grad();                                             // tensor([5., 7., 9.])
 *
 * Tensor w = Tensor.randn(new long[] {10, 5}, DType.F32);
 * Tensor h = Tensor.ones(4, 10).matmul(w).relu();       // shape [4, 5]
 * }</pre>
 *
 * <p>Conventions: shapes are {@code long...}, dims are {@code int} (negative dims count from
 * the end), ops use PyTorch's names in Java casing, and NumPy broadcasting applies to every
 * elementwise op. Views ({@link #reshape}, {@link #transpose}, {@link #narrow}, ...) never copy.
 * In-place ops are few and end in {@code InPlace} where PyTorch writes a trailing underscore
 * ({@code add_} is {@link #addInPlace}, {@code fill_} is {@link #fillInPlace}); each bumps the
 * version counter. Python's {@code x[...]} is {@link #index(Slice...)}, {@code x[...] = v} is
 * {@link #indexPut(Tensor, Slice...)}.
 * Tensors are not thread-safe for concurrent writes; autograd state is per thread.
 */
public final class Tensor {
    private static final AtomicLong NEXT_ID = new AtomicLong(1);

    final Storage storage;
    final int[] shape;
    final int[] strides;
    final int offset;
    final DType dtype;
    private final long id;
    /** The tensor this one is a view of (null when it owns its storage's layout). */
    final Tensor base;
    /** Bumped when this tensor takes over the history of a recorded in-place write. */
    int historyEpoch;
    /** The base's {@link #historyEpoch} when this view was taken or last written (0 for non-views). */
    int baseEpoch;

    private boolean requiresGrad;
    private Node gradFn;
    private int outputIndex;
    private Tensor grad;
    private boolean retainsGrad;
    private List<UnaryOperator<Tensor>> hooks;
    /** Set on the tensors a function transform hands its function (see {@code TransformTag}); null otherwise. */
    dev.walnut.dispatch.TransformTag transformTag;
    /** {@link #layout()}, made on first use (most tensors reach a back-end call as contiguous data and offset only). */
    private Layout layout;

    Tensor(Storage storage, int[] shape, int[] strides, int offset, Tensor base) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.dtype = storage.dtype();
        this.base = base;
        this.baseEpoch = base == null ? 0 : base.historyEpoch;
        this.id = NEXT_ID.getAndIncrement();
    }

    /** The last layout {@link #broadcastLayout} made; racing calls make equal layouts. */
    private Layout broadcastLayout;

    /**
     * This tensor read as if expanded to {@code target} (a shape it broadcasts to), remembered
     * for the last target: a weight broadcast against the same activations at every step (a
     * bias) then gets no new layout per call.
     */
    Layout broadcastLayout(int[] target) {
        if (Arrays.equals(shape, target)) {
            return layout();
        }
        Layout l = broadcastLayout;
        if (l == null || !Arrays.equals(l.shape(), target)) {
            l = new Layout(target.clone(), Shapes.broadcastStrides(shape, strides, target), offset);
            broadcastLayout = l;
        }
        return l;
    }

    /** The layout back-end calls read this tensor through; racing first calls make equal layouts. */
    Layout layout() {
        Layout l = layout;
        if (l == null) {
            l = new Layout(shape, strides, offset);
            layout = l;
        }
        return l;
    }

    /** A fresh contiguous tensor over {@code storage}. */
    Tensor(Storage storage, int[] shape) {
        this(storage, shape, Shapes.contiguousStrides(shape), 0, null);
    }

    static {
        Kernels.register(EagerKernels.INSTANCE);
        TensorInternals.register(new TensorInternals() {
            @Override
            public String staleView(String op, Tensor t) {
                if (t.base == null || t.baseEpoch == t.base.historyEpoch) {
                    return null;
                }
                return op + ": an input is a view (shape " + Shapes.str(t.shape) + ") of a tensor (shape "
                        + Shapes.str(t.base.shape) + ") that was overwritten by a recorded in-place write after the "
                        + "view was taken, so the view's history would skip that write; take the view again after "
                        + "the write (PyTorch regenerates such views)";
            }

            @Override
            public void attachGradFn(Tensor t, Node node, int outputIndex) {
                t.gradFn = node;
                t.outputIndex = outputIndex;
                t.requiresGrad = true;
            }

            @Override
            public List<UnaryOperator<Tensor>> hooks(Tensor t) {
                return t.hooks;
            }

            @Override
            public boolean retainsGrad(Tensor t) {
                return t.retainsGrad;
            }

            @Override
            public void accumulateGrad(Tensor t, Tensor g) {
                if (g.requiresGrad()) {
                    // createGraph: keep the gradient's history so it can be differentiated.
                    t.grad = t.grad == null ? g : t.grad.add(g);
                } else if (t.grad == null) {
                    // Own copy: the engine may hand over a tensor that is also the user's
                    // gradOutput or another node's gradient, and zeroGrad() writes in place.
                    t.grad = Creation.cast(g, g.dtype);
                } else if (t.grad.requiresGrad() || t.grad.base != null || !t.grad.isContiguous()) {
                    t.grad = t.grad.add(g).detach();
                } else if (!Elementwise.addInto(t.grad, g)) {
                    Autograd.noGrad(() -> {
                        t.grad.addInPlace(g);
                    });
                }
            }

            @Override
            public int[] shape(Tensor t) {
                return t.shape;
            }

            @Override
            public Object storageKey(Tensor t) {
                return t.storage;
            }

            @Override
            public int offset(Tensor t) {
                return t.offset;
            }

            @Override
            public int[] strides(Tensor t) {
                return t.strides;
            }

            @Override
            public Tensor zeros(int[] shape, DType dtype) {
                return Creation.full(shape, dtype, 0.0);
            }

            @Override
            public Tensor sumToShape(Tensor t, int[] shape) {
                return Reductions.sumToShape(t, shape);
            }

            @Override
            public dev.walnut.dispatch.TransformTag transformTag(Tensor t) {
                return t.transformTag;
            }

            @Override
            public Tensor longIndex(String op, String what, Tensor index) {
                return Indexing.longIndex(op, what, index);
            }

            @Override
            public Long firstOutOfRange(Tensor index, long size, boolean allowNegative) {
                int k = Backends.CPU.firstOutOfRange(index.storage, index.offset, Shapes.numel(index.shape), size,
                        allowNegative);
                return k < 0 ? null : Backends.CPU.getLong(index.storage, index.offset + k);
            }

            @Override
            public long maxValue(Tensor index) {
                long max = Long.MIN_VALUE;
                for (int k = 0, n = Shapes.numel(index.shape); k < n; k++) {
                    max = Math.max(max, Backends.CPU.getLong(index.storage, index.offset + k));
                }
                return max;
            }

            @Override
            public Tensor oneHot(Tensor index, int classes) {
                int[] outShape = Arrays.copyOf(index.shape, index.shape.length + 1);
                outShape[index.shape.length] = classes;
                Backends.checkFits(DType.I64, Shapes.numel(outShape));
                return new Tensor(Backends.CPU.oneHot(index.storage, index.offset, Shapes.numel(index.shape), classes),
                        outShape);
            }

            @Override
            public Tensor tagged(Tensor t, int dropDim, dev.walnut.dispatch.TransformTag tag) {
                int[] shape = t.shape;
                int[] strides = t.strides;
                if (dropDim >= 0) {
                    shape = new int[t.shape.length - 1];
                    strides = new int[shape.length];
                    for (int d = 0, k = 0; d < t.shape.length; d++) {
                        if (d != dropDim) {
                            shape[k] = t.shape[d];
                            strides[k++] = t.strides[d];
                        }
                    }
                }
                Tensor out = new Tensor(t.storage, shape, strides, t.offset, null);
                out.transformTag = tag;
                return out;
            }
        });
    }

    // ------------------------------------------------------------------ creation

    /**
     * The floating-point dtype that creation functions without a dtype use ({@code of(double...)},
     * {@code scalar}, {@code zeros}, {@code ones}, {@code full}, {@code rand}, {@code randn},
     * {@code arange} of doubles, {@code linspace}, {@code eye}) and that integer inputs of
     * float-only ops ({@code exp}, true division, ...) compute in: F32 unless changed with
     * {@link #setDefaultDType} (or {@code -Dwalnut.defaultDType=F64} for every thread), like
     * {@code torch.get_default_dtype()}. Functions that take a Java array ({@code fromArray},
     * {@code wrap}) infer the dtype from its element type instead ({@code double[]} gives F64).
     *
     * <pre>{@code
     * Tensor.setDefaultDType(DType.F64);
     * Tensor.of(0.1).dtype();                  // F64, and 0.1 is not rounded to a float
     * }</pre>
     */
    public static DType defaultDType() {
        return Creation.defaultDType();
    }

    /**
     * Sets the calling thread's default dtype (F32 or F64), like {@code torch.set_default_dtype}.
     * It is per thread, as grad mode is: set it where the tensors are created (the startup
     * property {@code walnut.defaultDType} sets it for all threads).
     */
    public static void setDefaultDType(DType dtype) {
        Creation.setDefaultDType(dtype);
    }

    /** A 0-d tensor of the default dtype ({@link #defaultDType()}, F32 unless changed). */
    public static Tensor scalar(double value) {
        return Creation.full(Shapes.SCALAR, defaultDType(), value);
    }

    /** A 0-d tensor of the given dtype. */
    public static Tensor scalar(double value, DType dtype) {
        return Creation.full(Shapes.SCALAR, dtype, value);
    }

    /** A 1-d tensor of the default dtype with the given values (like {@code torch.tensor([1.0, 2.0])}). */
    public static Tensor of(double... values) {
        return Creation.fromDoubles(values, new int[] {values.length}, defaultDType());
    }

    /** A 1-d I64 tensor of the given values (like {@code torch.tensor([1, 2])}). */
    public static Tensor of(long... values) {
        return fromArray(values, values.length);
    }

    /** A 1-d BOOL tensor. */
    public static Tensor of(boolean... values) {
        return fromArray(values, values.length);
    }

    /** A 2-d tensor of the default dtype from rows of equal length. */
    public static Tensor of(double[][] rows) {
        return fromArray(rows).to(defaultDType());
    }

    /** A 3-d tensor of the default dtype from nested arrays of equal lengths. */
    public static Tensor of(double[][][] values) {
        return fromArray(values).to(defaultDType());
    }

    /** Copies {@code data} into a new F32 tensor of the given shape. */
    public static Tensor fromArray(float[] data, long... shape) {
        return Creation.fromArray("fromArray", data.clone(), data.length, shape, DType.F32);
    }

    /** Copies {@code data} into a new F64 tensor of the given shape. */
    public static Tensor fromArray(double[] data, long... shape) {
        return Creation.fromArray("fromArray", data.clone(), data.length, shape, DType.F64);
    }

    /** Copies {@code data} into a new I32 tensor of the given shape. */
    public static Tensor fromArray(int[] data, long... shape) {
        return Creation.fromArray("fromArray", data.clone(), data.length, shape, DType.I32);
    }

    /** Copies {@code data} into a new I64 tensor of the given shape. */
    public static Tensor fromArray(long[] data, long... shape) {
        return Creation.fromArray("fromArray", data.clone(), data.length, shape, DType.I64);
    }

    /** Copies {@code data} into a new BOOL tensor of the given shape. */
    public static Tensor fromArray(boolean[] data, long... shape) {
        return Creation.fromArray("fromArray", data.clone(), data.length, shape, DType.BOOL);
    }

    /**
     * Copies a nested Java array ({@code float[][]}, {@code double[][][]}, {@code long[][]}, ...)
     * into a tensor whose dtype follows the element type. Rows must have equal lengths.
     */
    public static Tensor fromArray(Object nested) {
        return Creation.fromNested(nested);
    }

    /** Wraps {@code data} without copying (like {@code torch.from_numpy}): writes show through both ways. */
    public static Tensor wrap(float[] data, long... shape) {
        return Creation.fromArray("wrap", data, data.length, shape, DType.F32);
    }

    /** Wraps {@code data} without copying. */
    public static Tensor wrap(double[] data, long... shape) {
        return Creation.fromArray("wrap", data, data.length, shape, DType.F64);
    }

    /** Wraps {@code data} without copying. */
    public static Tensor wrap(int[] data, long... shape) {
        return Creation.fromArray("wrap", data, data.length, shape, DType.I32);
    }

    /** Wraps {@code data} without copying. */
    public static Tensor wrap(long[] data, long... shape) {
        return Creation.fromArray("wrap", data, data.length, shape, DType.I64);
    }

    /** F32 zeros of the given shape. */
    public static Tensor zeros(long... shape) {
        return zeros(shape, defaultDType());
    }

    /** Zeros of the given shape and dtype. */
    public static Tensor zeros(long[] shape, DType dtype) {
        return Creation.full(Shapes.toInts("zeros", shape), dtype, 0.0);
    }

    /** F32 ones of the given shape. */
    public static Tensor ones(long... shape) {
        return ones(shape, defaultDType());
    }

    /** Ones of the given shape and dtype. */
    public static Tensor ones(long[] shape, DType dtype) {
        return Creation.full(Shapes.toInts("ones", shape), dtype, 1.0);
    }

    /** An F32 tensor filled with {@code value}. */
    public static Tensor full(long[] shape, double value) {
        return full(shape, value, defaultDType());
    }

    /** A tensor of the given dtype filled with {@code value}. */
    public static Tensor full(long[] shape, double value, DType dtype) {
        return Creation.full(Shapes.toInts("full", shape), dtype, value);
    }

    /** Zeros with the shape and dtype of {@code t}. */
    public static Tensor zerosLike(Tensor t) {
        return Creation.full(t.shape, t.dtype, 0.0);
    }

    /** Ones with the shape and dtype of {@code t}. */
    public static Tensor onesLike(Tensor t) {
        return Creation.full(t.shape, t.dtype, 1.0);
    }

    /** {@code value} with the shape and dtype of {@code t}. */
    public static Tensor fullLike(Tensor t, double value) {
        return Creation.full(t.shape, t.dtype, value);
    }

    /** I64 values {@code 0, 1, ..., end - 1}. */
    public static Tensor arange(long end) {
        return arange(0, end, 1);
    }

    /** I64 values from {@code start} (inclusive) to {@code end} (exclusive) by {@code step}. */
    public static Tensor arange(long start, long end, long step) {
        return Creation.arange(start, end, step, DType.I64);
    }

    /** F32 values from {@code start} to {@code end} (exclusive) by {@code step}. */
    public static Tensor arange(double start, double end, double step) {
        return Creation.arange(start, end, step, defaultDType());
    }

    /** Values from {@code start} to {@code end} (exclusive) by {@code step}, of the given dtype. */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        return Creation.arange(start, end, step, dtype);
    }

    /** {@code steps} F32 values evenly spaced from {@code start} to {@code end} inclusive. */
    public static Tensor linspace(double start, double end, int steps) {
        return linspace(start, end, steps, defaultDType());
    }

    /** {@code steps} values evenly spaced from {@code start} to {@code end} inclusive. */
    public static Tensor linspace(double start, double end, int steps, DType dtype) {
        return Creation.linspace(start, end, steps, dtype);
    }

    /** The {@code n x n} F32 identity. */
    public static Tensor eye(long n) {
        return eye(n, n, defaultDType());
    }

    /** An {@code n x m} matrix with ones on the diagonal. */
    public static Tensor eye(long n, long m, DType dtype) {
        return Creation.eye(n, m, dtype);
    }

    /** Reseeds the global default generator (like {@code torch.manual_seed}). */
    public static void manualSeed(long seed) {
        Generator.defaultGenerator().manualSeed(seed);
    }

    /** F32 uniform samples in [0, 1) from the default generator. */
    public static Tensor rand(long... shape) {
        return rand(shape, defaultDType(), Generator.defaultGenerator());
    }

    /** Uniform samples in [0, 1). */
    public static Tensor rand(long[] shape, DType dtype) {
        return rand(shape, dtype, Generator.defaultGenerator());
    }

    /** Uniform samples in [0, 1) from {@code generator}. */
    public static Tensor rand(long[] shape, DType dtype, Generator generator) {
        return Creation.random("rand", shape, dtype, generator, false);
    }

    /** F32 standard-normal samples from the default generator. */
    public static Tensor randn(long... shape) {
        return randn(shape, defaultDType(), Generator.defaultGenerator());
    }

    /** Standard-normal samples (the seed's {@code Tensor.randn(new long[]{10, 5}, DType.F32)}). */
    public static Tensor randn(long[] shape, DType dtype) {
        return randn(shape, dtype, Generator.defaultGenerator());
    }

    /** Standard-normal samples from {@code generator}. */
    public static Tensor randn(long[] shape, DType dtype, Generator generator) {
        return Creation.random("randn", shape, dtype, generator, true);
    }

    /** I64 integers uniform in [low, high). */
    public static Tensor randint(long low, long high, long... shape) {
        return randint(low, high, shape, Generator.defaultGenerator());
    }

    /** I64 integers uniform in [low, high) from {@code generator}. */
    public static Tensor randint(long low, long high, long[] shape, Generator generator) {
        return Creation.randint(low, high, shape, generator);
    }

    /** Concatenates along {@code dim}; all other sizes must match. */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        return Views.cat(tensors.toArray(new Tensor[0]), dim);
    }

    /** Concatenates along {@code dim}. */
    public static Tensor cat(Tensor[] tensors, int dim) {
        return Views.cat(tensors, dim);
    }

    /** Stacks equally shaped tensors along a new dim. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        return Views.stack(tensors.toArray(new Tensor[0]), dim);
    }

    /** Stacks equally shaped tensors along a new dim. */
    public static Tensor stack(Tensor[] tensors, int dim) {
        return Views.stack(tensors, dim);
    }

    /** Elementwise {@code condition ? a : b}, broadcasting all three. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return Dispatcher.call(ElementwiseOps.WHERE, NoAttrs.NONE, condition, a, b);
    }

    // ------------------------------------------------------------------ metadata

    /** The shape (a copy). */
    public long[] shape() {
        return Shapes.toLongs(shape);
    }

    /** Size of dim {@code dim} (negative counts from the end). */
    public long size(int dim) {
        if (shape.length == 0) {
            throw new IndexOutOfBoundsException("size: a 0-d tensor has no dims, so dim " + dim + " is out of range; "
                    + "use numel() (1) or item() for its value");
        }
        return shape[Shapes.wrapDim("size", dim, shape.length)];
    }

    /** Strides in elements (a copy). */
    public long[] stride() {
        return Shapes.toLongs(strides);
    }

    /** Number of dims. */
    public int dim() {
        return shape.length;
    }

    /** Number of elements. */
    public long numel() {
        return Shapes.numel(shape);
    }

    /** Element type. */
    public DType dtype() {
        return dtype;
    }

    /** Where the storage lives (always {@link Device#CPU} in this build). */
    public Device device() {
        return Device.CPU;
    }

    /** True when elements are laid out in row-major order with no gaps. */
    public boolean isContiguous() {
        return Shapes.isContiguous(shape, strides);
    }

    /** Process-unique id (used by {@code Autograd.computeGradients(long)}). */
    public long id() {
        if (gradFn != null) {
            AutogradInternals.get().idTaken(gradFn, outputIndex, id);
        }
        return id;
    }

    /** The version counter shared with every view of the storage; in-place writes bump it. */
    public int version() {
        return storage.version();
    }

    /** The single value of a one-element tensor, as a double. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalStateException("item: a tensor with " + numel() + " elements (shape " + Shapes.str(shape)
                    + ") cannot be converted to a scalar; select an element first");
        }
        Dispatcher.notifyDataRead("item()", this);
        return Access.getDouble(storage, offset);
    }

    /**
     * The single value of a one-element tensor as a Java boolean, like Python's {@code bool(t)}:
     * true when it is nonzero (NaN included).
     *
     * <pre>{@code
     * if (loss.isnan().any().itemBoolean()) { ... }   // if torch.isnan(loss).any():
     * }</pre>
     */
    public boolean itemBoolean() {
        if (numel() != 1) {
            throw new IllegalStateException("itemBoolean: a tensor with " + numel() + " elements (shape "
                    + Shapes.str(shape) + ") has no single truth value; reduce it first with any() or all()");
        }
        return item() != 0;
    }

    /** The single value of a one-element tensor, as a long (exact for I64). */
    public long itemLong() {
        if (numel() != 1) {
            throw new IllegalStateException("itemLong: a tensor with " + numel() + " elements (shape " + Shapes.str(shape)
                    + ") cannot be converted to a scalar");
        }
        Dispatcher.notifyDataRead("itemLong()", this);
        return Access.getLong(storage, offset);
    }

    /** The element at {@code index} (one index per dim), as a double. */
    public double getDouble(long... index) {
        Dispatcher.notifyDataRead("getDouble()", this);
        return Access.getDouble(storage, Access.flatIndex("getDouble", this, index));
    }

    /** The element at {@code index} as a long. */
    public long getLong(long... index) {
        Dispatcher.notifyDataRead("getLong()", this);
        return Access.getLong(storage, Access.flatIndex("getLong", this, index));
    }

    /**
     * Writes one element in place (bumps the version; not allowed on a leaf that requires grad
     * while recording): Python's {@code x[1, 2] = 7.0}. The value comes first, as in
     * {@link #indexPut(double, Slice...)}, because the index is varargs. Not recorded for
     * autograd; {@code indexPut} is.
     *
     * <pre>{@code
     * x.setDouble(7.0, 1, 2);   // x[1, 2] = 7
     * }</pre>
     */
    public Tensor setDouble(double value, long... index) {
        InPlace.checkWritable("setDouble", this);
        Dispatcher.notifyInPlaceWrite("setDouble", this, null);
        Access.setDouble(storage, Access.flatIndex("setDouble", this, index), value);
        storage.bumpVersion();
        return this;
    }

    /** Copies the elements (row-major) into a new float[], converting from the dtype. */
    public float[] toFloatArray() {
        Dispatcher.notifyDataRead("toFloatArray()", this);
        return (float[]) Creation.contiguousOf(this, DType.F32).storageArrayCopy();
    }

    /** Copies the elements (row-major) into a new double[]. */
    public double[] toDoubleArray() {
        Dispatcher.notifyDataRead("toDoubleArray()", this);
        return (double[]) Creation.contiguousOf(this, DType.F64).storageArrayCopy();
    }

    /** Copies the elements (row-major) into a new long[]. */
    public long[] toLongArray() {
        Dispatcher.notifyDataRead("toLongArray()", this);
        return (long[]) Creation.contiguousOf(this, DType.I64).storageArrayCopy();
    }

    /** Copies the elements (row-major) into a new int[]. */
    public int[] toIntArray() {
        Dispatcher.notifyDataRead("toIntArray()", this);
        return (int[]) Creation.contiguousOf(this, DType.I32).storageArrayCopy();
    }

    /**
     * The values as nested Java lists, like PyTorch's {@code tolist()}: {@code Double} elements for
     * floating-point dtypes, {@code Long} for integer ones, {@code Boolean} for bool; a 0-d tensor
     * gives its boxed value.
     *
     * <pre>{@code
     * Tensor.of(new double[][] {{1, 2}, {3, 4}}).toList();   // [[1.0, 2.0], [3.0, 4.0]]
     * }</pre>
     */
    public Object toList() {
        Object[] flat = new Object[(int) numel()];
        if (dtype.isFloatingPoint()) {
            double[] v = toDoubleArray();
            for (int i = 0; i < flat.length; i++) {
                flat[i] = v[i];
            }
        } else if (dtype == DType.BOOL) {
            boolean[] v = toBooleanArray();
            for (int i = 0; i < flat.length; i++) {
                flat[i] = v[i];
            }
        } else {
            long[] v = toLongArray();
            for (int i = 0; i < flat.length; i++) {
                flat[i] = v[i];
            }
        }
        return shape.length == 0 ? flat[0] : nest(flat, 0, 0);
    }

    private List<Object> nest(Object[] flat, int dim, int offset) {
        int n = shape[dim];
        int block = 1;
        for (int d = dim + 1; d < shape.length; d++) {
            block *= shape[d];
        }
        var out = new ArrayList<Object>(n);
        for (int i = 0; i < n; i++) {
            out.add(dim == shape.length - 1 ? flat[offset + i] : nest(flat, dim + 1, offset + i * block));
        }
        return out;
    }

    /**
     * The values of a 2-d tensor as {@code double[rows][cols]} (NumPy's {@code x.numpy()} for a
     * matrix).
     *
     * <pre>{@code
     * double[][] m = Tensor.eye(2).toDoubleArray2d();   // {{1, 0}, {0, 1}}
     * }</pre>
     */
    public double[][] toDoubleArray2d() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("toDoubleArray2d: expects a 2-d tensor, got shape " + Shapes.str(shape)
                    + "; use toDoubleArray() for any shape, toDoubleArray3d() for 3-d");
        }
        double[] flat = toDoubleArray();
        double[][] out = new double[shape[0]][];
        for (int i = 0; i < shape[0]; i++) {
            out[i] = Arrays.copyOfRange(flat, i * shape[1], (i + 1) * shape[1]);
        }
        return out;
    }

    /** The values of a 3-d tensor as {@code double[d0][d1][d2]}. */
    public double[][][] toDoubleArray3d() {
        if (shape.length != 3) {
            throw new IllegalArgumentException("toDoubleArray3d: expects a 3-d tensor, got shape " + Shapes.str(shape)
                    + "; use toDoubleArray() for any shape, toDoubleArray2d() for 2-d");
        }
        double[] flat = toDoubleArray();
        double[][][] out = new double[shape[0]][shape[1]][];
        for (int i = 0; i < shape[0]; i++) {
            for (int j = 0; j < shape[1]; j++) {
                int at = (i * shape[1] + j) * shape[2];
                out[i][j] = Arrays.copyOfRange(flat, at, at + shape[2]);
            }
        }
        return out;
    }

    /** Copies the elements (row-major) into a new boolean[]. */
    public boolean[] toBooleanArray() {
        Dispatcher.notifyDataRead("toBooleanArray()", this);
        return (boolean[]) Creation.contiguousOf(this, DType.BOOL).storageArrayCopy();
    }

    Object storageArrayCopy() {
        int n = Shapes.numel(shape);
        Backends.checkFits(dtype, n);
        return Backends.CPU.toArray(storage, offset, n);
    }

    /** Converts to {@code dtype} (returns this when it already has it); differentiable between float types. */
    public Tensor to(DType dtype) {
        return dtype == this.dtype ? this : Dispatcher.call(ElementwiseOps.CAST, new ElementwiseOps.Cast(dtype), this);
    }

    /** Moves to {@code device}; fails clearly when no back end for it is installed. */
    public Tensor to(Device device) {
        device.checkAvailable("to(" + device + ")");
        return this;
    }

    // ------------------------------------------------------------------ autograd

    /** True when ops on this tensor are recorded for backward. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as requiring grad (or not); returns this. Only float tensors can require grad. */
    public Tensor setRequiresGrad(boolean requiresGrad) {
        if (requiresGrad && !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("setRequiresGrad: only floating point tensors can require gradients, "
                    + "this one is " + dtype + "; convert it first with to(DType." + Tensor.defaultDType() + ")");
        }
        if (!requiresGrad && gradFn != null) {
            throw new IllegalStateException("setRequiresGrad(false): this tensor is the output of " + gradFn.name()
                    + ", not a leaf; use detach() to get a tensor without history");
        }
        this.requiresGrad = requiresGrad;
        return this;
    }

    /** After an in-place op under recording: this tensor now holds {@code value}'s history. */
    void takeHistory(Tensor value) {
        historyEpoch++;
        gradFn = value.gradFn;
        outputIndex = value.outputIndex;
        requiresGrad = true;
        if (hooks != null || retainsGrad) {
            gradFn.watchOutput(outputIndex, this);
        }
    }

    /** The accumulated gradient (null until a backward reaches this leaf). */
    public Tensor grad() {
        if (grad == null && gradFn != null && !retainsGrad) {
            Hints.nonLeafGrad();
        }
        return grad;
    }

    /** Replaces the gradient (null clears it). */
    public Tensor setGrad(Tensor grad) {
        if (grad != null && !Arrays.equals(grad.shape, shape)) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shapes.str(grad.shape)
                    + " does not match tensor shape " + Shapes.str(shape));
        }
        this.grad = grad;
        return this;
    }

    /** Zeroes the gradient in place (keeps a null gradient null). */
    public void zeroGrad() {
        if (grad != null) {
            if (grad.gradFn != null || grad.base != null) {
                grad = Tensor.zerosLike(grad);
            } else {
                Autograd.noGrad(() -> {
                    grad.fillInPlace(0.0);
                });
            }
        }
    }

    /** True for tensors not produced by a recorded op (user-created, or produced without grad). */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** Makes a non-leaf keep its gradient in {@link #grad()} after backward. */
    public Tensor retainGrad() {
        if (!requiresGrad) {
            throw new IllegalStateException("retainGrad: can't retain the gradient of a tensor that does not require grad");
        }
        if (gradFn != null) {
            retainsGrad = true;
            gradFn.watchOutput(outputIndex, this);
        }
        return this;
    }

    /** True when {@link #retainGrad()} was called on this non-leaf (leaves always keep theirs). */
    public boolean retainsGrad() {
        return retainsGrad;
    }

    /** The node that produced this tensor ({@code grad_fn}), or null for leaves. */
    public Node gradFn() {
        return gradFn;
    }

    /** Which output of {@link #gradFn()} this tensor is. */
    public int outputIndex() {
        return outputIndex;
    }

    /** A view sharing storage (and version counter) with no history and no grad requirement. */
    public Tensor detach() {
        // No base: like PyTorch, in-place writes through a detached alias are allowed (they
        // still bump the shared version counter, so stale saved tensors are caught). A transform's
        // tag stays: the detached tensor is still one of its batched or dual tensors.
        Tensor d = new Tensor(storage, shape, strides, offset, null);
        d.transformTag = transformTag;
        return d;
    }

    /**
     * Registers a hook called with this tensor's gradient during backward; a non-null return
     * replaces the gradient.
     */
    public HookHandle registerHook(UnaryOperator<Tensor> hook) {
        if (!requiresGrad) {
            throw new IllegalStateException("registerHook: cannot register a hook on a tensor that doesn't require gradient");
        }
        if (hooks == null) {
            hooks = new ArrayList<>(2);
        }
        hooks.add(hook);
        if (gradFn != null) {
            gradFn.watchOutput(outputIndex, this);
        }
        return () -> hooks.remove(hook);
    }

    /** Backward from this single-element tensor (like {@code loss.backward()}). */
    public void backward() {
        Autograd.backward(this, null, GradOptions.defaults());
    }

    /**
     * Backward with options, PyTorch's {@code loss.backward(retain_graph=True)} (named, so that
     * a positional boolean cannot be mistaken for {@code createGraph}).
     *
     * <pre>{@code
     * loss.backward(GradOptions.defaults().retainGraph());   // the graph can be walked again
     * }</pre>
     */
    public void backward(GradOptions options) {
        Autograd.backward(this, null, options);
    }

    /** Backward with an explicit gradient of the final objective w.r.t. this tensor. */
    public void backward(Tensor gradOutput) {
        Autograd.backward(this, gradOutput, GradOptions.defaults());
    }

    /** Backward with an explicit gradient and options (see {@link Autograd#backward(Tensor, Tensor, GradOptions)}). */
    public void backward(Tensor gradOutput, GradOptions options) {
        Autograd.backward(this, gradOutput, options);
    }

    // ------------------------------------------------------------------ elementwise

    /** {@code this + other}, broadcasting. */
    public Tensor add(Tensor other) {
        return Dispatcher.call(ElementwiseOps.ADD, NoAttrs.NONE, this, other);
    }

    /** {@code this + alpha * other}. */
    public Tensor add(Tensor other, double alpha) {
        return alpha == 1.0 ? add(other) : add(other.mulScalar(alpha));
    }

    /** {@code this + value}. */
    public Tensor add(double value) {
        return Dispatcher.call(ElementwiseOps.ADD_SCALAR, new ElementwiseOps.Scalar(value, false), this);
    }

    /** {@code this + value}; integer tensors stay integer. */
    public Tensor add(long value) {
        return Dispatcher.call(ElementwiseOps.ADD_SCALAR, new ElementwiseOps.Scalar(value, true), this);
    }

    /** {@code this - other}, broadcasting. */
    public Tensor sub(Tensor other) {
        return Dispatcher.call(ElementwiseOps.SUB, NoAttrs.NONE, this, other);
    }

    /** {@code this - value}. */
    public Tensor sub(double value) {
        return Dispatcher.call(ElementwiseOps.ADD_SCALAR, new ElementwiseOps.Scalar(-value, false), this);
    }

    /** {@code this - value}; integer tensors stay integer. */
    public Tensor sub(long value) {
        return Dispatcher.call(ElementwiseOps.ADD_SCALAR, new ElementwiseOps.Scalar(-value, true), this);
    }

    /** {@code value - this}. */
    public Tensor rsub(double value) {
        return Dispatcher.call(ElementwiseOps.RSUB_SCALAR, new ElementwiseOps.Scalar(value, false), this);
    }

    /** {@code this * other}, broadcasting. */
    public Tensor mul(Tensor other) {
        return Dispatcher.call(ElementwiseOps.MUL, NoAttrs.NONE, this, other);
    }

    /** {@code this * value}. */
    public Tensor mul(double value) {
        return Dispatcher.call(ElementwiseOps.MUL_SCALAR, new ElementwiseOps.Scalar(value, false), this);
    }

    /** {@code this * value}; integer tensors stay integer. */
    public Tensor mul(long value) {
        return Dispatcher.call(ElementwiseOps.MUL_SCALAR, new ElementwiseOps.Scalar(value, true), this);
    }

    /** {@code this * value} (the seed's spelling of {@link #mul(double)}). */
    public Tensor mulScalar(double value) {
        return mul(value);
    }

    /** {@code this + value} (companion of {@link #mulScalar}). */
    public Tensor addScalar(double value) {
        return add(value);
    }

    /** True division {@code this / other}, broadcasting; integer inputs give a float result. */
    public Tensor div(Tensor other) {
        return Dispatcher.call(ElementwiseOps.DIV, NoAttrs.NONE, this, other);
    }

    /** {@code this / value}. */
    public Tensor div(double value) {
        return Dispatcher.call(ElementwiseOps.DIV_SCALAR, new ElementwiseOps.Scalar(value, false), this);
    }

    /** {@code value / this}. */
    public Tensor rdiv(double value) {
        return Dispatcher.call(ElementwiseOps.RDIV_SCALAR, new ElementwiseOps.Scalar(value, false), this);
    }

    /**
     * {@code base ^ exponent}, element-wise, for a scalar base: PyTorch's {@code torch.pow(2.0, x)}
     * (Python's {@code 2.0 ** x}); integer tensors give F32.
     *
     * <pre>{@code
     * Tensor.pow(10.0, Tensor.of(0.0, 2.0));   // [1, 100]
     * }</pre>
     */
    public static Tensor pow(double base, Tensor exponent) {
        return Dispatcher.call(ElementwiseOps.RPOW_SCALAR, new ElementwiseOps.Scalar(base, false), exponent);
    }

    /** Rounds down to an integral value (floor); integer tensors are returned as a copy. Its gradient is 0. */
    public Tensor floor() {
        return Dispatcher.call(ElementwiseOps.FLOOR, NoAttrs.NONE, this);
    }

    /** Rounds up to an integral value (ceil); integer tensors are returned as a copy. Its gradient is 0. */
    public Tensor ceil() {
        return Dispatcher.call(ElementwiseOps.CEIL, NoAttrs.NONE, this);
    }

    /**
     * Rounds to the nearest integral value, halves to even, like {@code torch.round}
     * ({@code 0.5 -> 0}, {@code 1.5 -> 2}, {@code -2.5 -> -2}). Its gradient is 0.
     */
    public Tensor round() {
        return Dispatcher.call(ElementwiseOps.ROUND, NoAttrs.NONE, this);
    }

    /** Rounds toward zero ({@code -1.7 -> -1}). Its gradient is 0. */
    public Tensor trunc() {
        return Dispatcher.call(ElementwiseOps.TRUNC, NoAttrs.NONE, this);
    }

    /**
     * The fractional part {@code this - trunc(this)}, with the sign of the input
     * ({@code -1.75 -> -0.75}), like {@code torch.frac}. Its gradient is 1.
     */
    public Tensor frac() {
        return sub(trunc());
    }

    /** {@code this ^ exponent}, broadcasting. */
    public Tensor pow(Tensor exponent) {
        return Dispatcher.call(ElementwiseOps.POW, NoAttrs.NONE, this, exponent);
    }

    /** {@code this ^ exponent}. */
    public Tensor pow(double exponent) {
        return Dispatcher.call(ElementwiseOps.POW_SCALAR, new ElementwiseOps.Scalar(exponent, false), this);
    }

    /** {@code -this}. */
    public Tensor neg() {
        return Dispatcher.call(ElementwiseOps.NEG, NoAttrs.NONE, this);
    }

    /** {@code |this|}. */
    public Tensor abs() {
        return Dispatcher.call(ElementwiseOps.ABS, NoAttrs.NONE, this);
    }

    /** -1, 0 or 1 by sign (gradient zero everywhere). */
    public Tensor sign() {
        return Dispatcher.call(ElementwiseOps.SIGN, NoAttrs.NONE, this);
    }

    /** {@code e^this}. */
    public Tensor exp() {
        return Dispatcher.call(ElementwiseOps.EXP, NoAttrs.NONE, this);
    }

    /** Natural logarithm. */
    public Tensor log() {
        return Dispatcher.call(ElementwiseOps.LOG, NoAttrs.NONE, this);
    }

    /** Square root. */
    public Tensor sqrt() {
        return Dispatcher.call(ElementwiseOps.SQRT, NoAttrs.NONE, this);
    }

    /** {@code 1 / sqrt(this)}. */
    public Tensor rsqrt() {
        return Dispatcher.call(ElementwiseOps.RSQRT, NoAttrs.NONE, this);
    }

    /** {@code this * this}. */
    public Tensor square() {
        return Dispatcher.call(ElementwiseOps.SQUARE, NoAttrs.NONE, this);
    }

    /** {@code 1 / this}. */
    public Tensor reciprocal() {
        return Dispatcher.call(ElementwiseOps.RECIPROCAL, NoAttrs.NONE, this);
    }

    /** Sine. */
    public Tensor sin() {
        return Dispatcher.call(ElementwiseOps.SIN, NoAttrs.NONE, this);
    }

    /** Cosine. */
    public Tensor cos() {
        return Dispatcher.call(ElementwiseOps.COS, NoAttrs.NONE, this);
    }

    /** Hyperbolic tangent. */
    public Tensor tanh() {
        return Dispatcher.call(ElementwiseOps.TANH, NoAttrs.NONE, this);
    }

    /** Logistic sigmoid {@code 1 / (1 + e^-x)}. */
    public Tensor sigmoid() {
        return Dispatcher.call(ElementwiseOps.SIGMOID, NoAttrs.NONE, this);
    }

    /** Gauss error function; {@code erf(0.5) = 0.5204998778130465}, {@code erf(+-inf) = +-1}. */
    public Tensor erf() {
        return Dispatcher.call(ElementwiseOps.ERF, NoAttrs.NONE, this);
    }

    /** {@code log(1 + x)}, accurate for small |x| ({@code log1p(1e-20) = 1e-20}). */
    public Tensor log1p() {
        return Dispatcher.call(ElementwiseOps.LOG1P, NoAttrs.NONE, this);
    }

    /** {@code e^x - 1}, accurate for small |x| ({@code expm1(1e-20) = 1e-20}). */
    public Tensor expm1() {
        return Dispatcher.call(ElementwiseOps.EXPM1, NoAttrs.NONE, this);
    }

    /** {@code max(this, 0)}; the gradient at 0 is 0, as in PyTorch. */
    public Tensor relu() {
        return Dispatcher.call(ElementwiseOps.RELU, NoAttrs.NONE, this);
    }

    /**
     * Element-wise {@code atan2(this, other)}: the angle in radians of the point (other, this),
     * in [-pi, pi], with broadcasting; integer inputs give F32 (PyTorch's {@code torch.atan2}).
     *
     * <pre>{@code
     * Tensor.of(1.0).atan2(Tensor.of(-1.0));   // 3 pi / 4
     * }</pre>
     */
    public Tensor atan2(Tensor other) {
        return Dispatcher.call(ElementwiseOps.ATAN2, NoAttrs.NONE, this, other);
    }

    /**
     * Element-wise C-style remainder {@code this - trunc(this / other) * other}: it has the sign of
     * {@code this} (Java's {@code %}, PyTorch's {@code torch.fmod}), with broadcasting. Integer
     * division by zero throws; floats give NaN. Differentiable: d/dthis = 1, d/dother =
     * -trunc(this / other).
     *
     * <pre>{@code
     * Tensor.of(-3.0, 3.0).fmod(Tensor.of(2.0));   // [-1, 1]
     * }</pre>
     */
    public Tensor fmod(Tensor other) {
        return Dispatcher.call(ElementwiseOps.FMOD, NoAttrs.NONE, this, other);
    }

    /** {@link #fmod(Tensor)} by a number. */
    public Tensor fmod(double other) {
        return fmod(Elementwise.wrapScalar(this, other));
    }

    /**
     * Element-wise Python-style modulo {@code this - floor(this / other) * other}: it has the sign
     * of {@code other} (Python's {@code %}, PyTorch's {@code torch.remainder}), with broadcasting.
     * Integer division by zero throws; floats give NaN. Differentiable: d/dthis = 1, d/dother =
     * -floor(this / other).
     *
     * <pre>{@code
     * Tensor.of(-3.0, 3.0).remainder(Tensor.of(2.0));   // [1, 1]
     * }</pre>
     */
    public Tensor remainder(Tensor other) {
        return Dispatcher.call(ElementwiseOps.REMAINDER, NoAttrs.NONE, this, other);
    }

    /** {@link #remainder(Tensor)} by a number. */
    public Tensor remainder(double other) {
        return remainder(Elementwise.wrapScalar(this, other));
    }

    /** Elementwise maximum (NaN propagates; ties split the gradient evenly, as in PyTorch). */
    public Tensor maximum(Tensor other) {
        return Dispatcher.call(ElementwiseOps.MAXIMUM, NoAttrs.NONE, this, other);
    }

    /** Elementwise minimum. */
    public Tensor minimum(Tensor other) {
        return Dispatcher.call(ElementwiseOps.MINIMUM, NoAttrs.NONE, this, other);
    }

    /** Clamps into {@code [min, max]}; use infinities for a one-sided clamp. */
    public Tensor clamp(double min, double max) {
        return Dispatcher.call(ElementwiseOps.CLAMP, new ElementwiseOps.Clamp(min, max), this);
    }

    /** {@code max(this, min)}. */
    public Tensor clampMin(double min) {
        return clamp(min, Double.POSITIVE_INFINITY);
    }

    /** {@code min(this, max)}. */
    public Tensor clampMax(double max) {
        return clamp(Double.NEGATIVE_INFINITY, max);
    }

    /** {@code this == other} (BOOL). */
    public Tensor eq(Tensor other) {
        return Dispatcher.call(ElementwiseOps.EQ, NoAttrs.NONE, this, other);
    }

    /** {@code this == value} (BOOL). */
    public Tensor eq(double value) {
        return eq(Elementwise.wrapScalar(this, value));
    }

    /** {@code this != other} (BOOL). */
    public Tensor ne(Tensor other) {
        return Dispatcher.call(ElementwiseOps.NE, NoAttrs.NONE, this, other);
    }

    /** {@code this != value} (BOOL). */
    public Tensor ne(double value) {
        return ne(Elementwise.wrapScalar(this, value));
    }

    /** {@code this < other} (BOOL). */
    public Tensor lt(Tensor other) {
        return Dispatcher.call(ElementwiseOps.LT, NoAttrs.NONE, this, other);
    }

    /** {@code this < value} (BOOL). */
    public Tensor lt(double value) {
        return lt(Elementwise.wrapScalar(this, value));
    }

    /** {@code this <= other} (BOOL). */
    public Tensor le(Tensor other) {
        return Dispatcher.call(ElementwiseOps.LE, NoAttrs.NONE, this, other);
    }

    /** {@code this <= value} (BOOL). */
    public Tensor le(double value) {
        return le(Elementwise.wrapScalar(this, value));
    }

    /** {@code this > other} (BOOL). */
    public Tensor gt(Tensor other) {
        return Dispatcher.call(ElementwiseOps.GT, NoAttrs.NONE, this, other);
    }

    /** {@code this > value} (BOOL). */
    public Tensor gt(double value) {
        return gt(Elementwise.wrapScalar(this, value));
    }

    /** {@code this >= other} (BOOL). */
    public Tensor ge(Tensor other) {
        return Dispatcher.call(ElementwiseOps.GE, NoAttrs.NONE, this, other);
    }

    /** {@code this >= value} (BOOL). */
    public Tensor ge(double value) {
        return ge(Elementwise.wrapScalar(this, value));
    }

    /** Logical and of the truth values (nonzero is true); BOOL. */
    public Tensor logicalAnd(Tensor other) {
        return Dispatcher.call(ElementwiseOps.LOGICAL_AND, NoAttrs.NONE, this, other);
    }

    /** Logical or; BOOL. */
    public Tensor logicalOr(Tensor other) {
        return Dispatcher.call(ElementwiseOps.LOGICAL_OR, NoAttrs.NONE, this, other);
    }

    /** Logical xor; BOOL. */
    public Tensor logicalXor(Tensor other) {
        return Dispatcher.call(ElementwiseOps.LOGICAL_XOR, NoAttrs.NONE, this, other);
    }

    /** Logical not; BOOL. */
    public Tensor logicalNot() {
        return Dispatcher.call(ElementwiseOps.LOGICAL_NOT, NoAttrs.NONE, this);
    }

    /** {@code condition ? this : other}. */
    public Tensor where(Tensor condition, Tensor other) {
        return Dispatcher.call(ElementwiseOps.WHERE, NoAttrs.NONE, condition, this, other);
    }

    /** True when shapes match and {@code |a - b| <= atol + rtol * |b|} everywhere (NaNs unequal). */
    public boolean allClose(Tensor other, double rtol, double atol) {
        return Elementwise.allClose(this, other, rtol, atol);
    }

    /** {@link #allClose(Tensor, double, double)} with PyTorch's defaults rtol=1e-5, atol=1e-8. */
    public boolean allClose(Tensor other) {
        return allClose(other, 1e-5, 1e-8);
    }

    /** True when shapes and all elements are equal. */
    public boolean equal(Tensor other) {
        return Arrays.equals(shape, other.shape) && allClose(other, 0, 0);
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements (0-d). Integer and bool tensors sum to I64. */
    public Tensor sum() {
        return Dispatcher.call(ReductionOps.SUM, new ReductionOps.Reduce(null, false), this);
    }

    /** Sum over {@code dims} (empty: all dims). */
    public Tensor sum(int... dims) {
        return Dispatcher.call(ReductionOps.SUM, new ReductionOps.Reduce(dims, false), this);
    }

    /** Sum over {@code dims}, keeping them as size 1 when {@code keepDim}. */
    public Tensor sum(int[] dims, boolean keepDim) {
        return Dispatcher.call(ReductionOps.SUM, new ReductionOps.Reduce(dims, keepDim), this);
    }

    /** Sum over one dim. */
    public Tensor sum(int dim, boolean keepDim) {
        return sum(new int[] {dim}, keepDim);
    }

    /** Mean of all elements. */
    public Tensor mean() {
        return Dispatcher.call(ReductionOps.MEAN, new ReductionOps.Reduce(null, false), this);
    }

    /** Mean over {@code dims} (empty: all dims). */
    public Tensor mean(int... dims) {
        return Dispatcher.call(ReductionOps.MEAN, new ReductionOps.Reduce(dims, false), this);
    }

    /** Mean over {@code dims} (the seed's {@code mean(new int[]{}, false)} means all dims). */
    public Tensor mean(int[] dims, boolean keepDim) {
        return Dispatcher.call(ReductionOps.MEAN, new ReductionOps.Reduce(dims, keepDim), this);
    }

    /** Mean over one dim. */
    public Tensor mean(int dim, boolean keepDim) {
        return mean(new int[] {dim}, keepDim);
    }

    /** Variance over all elements with Bessel's correction (correction = 1). */
    public Tensor var() {
        return Reductions.var(this, null, 1, false);
    }

    /**
     * Variance over all elements with {@code correction} degrees of freedom subtracted
     * ({@code torch.var(x, correction=c)}; 1 is Bessel's correction, 0 the population variance).
     *
     * <pre>{@code
     * Tensor.of(1.0, 2.0, 3.0, 4.0).var(0);   // 1.25
     * }</pre>
     */
    public Tensor var(double correction) {
        return Reductions.var(this, null, correction, false);
    }

    /** Standard deviation over all elements with {@code correction} (see {@link #var(double)}). */
    public Tensor std(double correction) {
        return Reductions.var(this, null, correction, false).sqrt();
    }

    /** Variance over {@code dims} with divisor {@code N - correction}. */
    public Tensor var(int[] dims, double correction, boolean keepDim) {
        return Reductions.var(this, dims, correction, keepDim);
    }

    /** Standard deviation over all elements (correction = 1). */
    public Tensor std() {
        return Reductions.var(this, null, 1, false).sqrt();
    }

    /** Standard deviation over {@code dims} with divisor {@code N - correction}. */
    public Tensor std(int[] dims, double correction, boolean keepDim) {
        return Reductions.var(this, dims, correction, keepDim).sqrt();
    }

    /** Product of all elements. */
    public Tensor prod() {
        return Dispatcher.call(ReductionOps.PROD, new ReductionOps.Reduce(null, false), this);
    }

    /** Product over one dim. */
    public Tensor prod(int dim, boolean keepDim) {
        return Dispatcher.call(ReductionOps.PROD, new ReductionOps.Reduce(new int[] {dim}, keepDim), this);
    }

    /**
     * Product of all elements; with {@code keepDim} the result keeps this tensor's rank with
     * every size 1 (like {@link #argmax(boolean)}).
     *
     * <pre>{@code
     * Tensor.of(new double[][] {{1, 2}, {3, 4}}).prod(true);   // [[24]]
     * }</pre>
     */
    public Tensor prod(boolean keepDim) {
        return Dispatcher.call(ReductionOps.PROD, new ReductionOps.Reduce(null, keepDim), this);
    }

    /**
     * Whether every element is nonzero ({@code torch.all(x)}; NaN counts as nonzero, and an
     * empty tensor gives true): a 0-d BOOL tensor. Not differentiable.
     *
     * <pre>{@code
     * Tensor.of(1.0, 2.0).gt(0.0).all().itemBoolean();   // true
     * }</pre>
     */
    public Tensor all() {
        return all(new int[0], false);
    }

    /** {@link #all()} along one dim ({@code torch.all(x, dim, keepdim)}). */
    public Tensor all(int dim, boolean keepDim) {
        return all(new int[] {dim}, keepDim);
    }

    /** {@link #all()} over {@code dims} (empty: all dims). */
    public Tensor all(int[] dims, boolean keepDim) {
        // Count the zeros: a reduction every back end has, and exact in I64.
        return eq(0.0).to(DType.I64).sum(dims, keepDim).eq(0.0);
    }

    /**
     * Whether any element is nonzero ({@code torch.any(x)}; NaN counts as nonzero, and an empty
     * tensor gives false): a 0-d BOOL tensor. Not differentiable.
     *
     * <pre>{@code
     * Tensor.of(0.0, 2.0).any().itemBoolean();   // true
     * }</pre>
     */
    public Tensor any() {
        return any(new int[0], false);
    }

    /** {@link #any()} along one dim ({@code torch.any(x, dim, keepdim)}). */
    public Tensor any(int dim, boolean keepDim) {
        return any(new int[] {dim}, keepDim);
    }

    /** {@link #any()} over {@code dims} (empty: all dims). */
    public Tensor any(int[] dims, boolean keepDim) {
        return ne(0.0).to(DType.I64).sum(dims, keepDim).gt(0.0);
    }

    /**
     * Where the elements are NaN ({@code torch.isnan}): a BOOL tensor of this shape, all false
     * for integer dtypes. Not differentiable.
     *
     * <pre>{@code
     * Tensor.of(1.0, Double.NaN).isnan();   // [false, true]
     * }</pre>
     */
    public Tensor isnan() {
        return dtype.isFloatingPoint() ? ne(this) : Tensor.zeros(shape(), DType.BOOL);
    }

    /** Where the elements are +-infinity ({@code torch.isinf}); all false for integer dtypes. */
    public Tensor isinf() {
        return dtype.isFloatingPoint() ? detach().abs().eq(Double.POSITIVE_INFINITY) : Tensor.zeros(shape(), DType.BOOL);
    }

    /** Where the elements are neither NaN nor infinite ({@code torch.isfinite}); all true for integer dtypes. */
    public Tensor isfinite() {
        return dtype.isFloatingPoint() ? detach().abs().lt(Double.POSITIVE_INFINITY) : Tensor.ones(shape(), DType.BOOL);
    }

    /** Maximum of all elements (the gradient is split evenly among ties). */
    public Tensor max() {
        return amax(new int[0], false);
    }

    /** Maximum along {@code dim} with the index of the first maximum. */
    public ValuesAndIndices max(int dim, boolean keepDim) {
        Tensor[] r = Dispatcher.callAll(ReductionOps.MAX_DIM, new ReductionOps.Dim(dim, keepDim), this);
        return new ValuesAndIndices(r[0], r[1]);
    }

    /** Minimum of all elements. */
    public Tensor min() {
        return amin(new int[0], false);
    }

    /** Minimum along {@code dim} with the index of the first minimum. */
    public ValuesAndIndices min(int dim, boolean keepDim) {
        Tensor[] r = Dispatcher.callAll(ReductionOps.MIN_DIM, new ReductionOps.Dim(dim, keepDim), this);
        return new ValuesAndIndices(r[0], r[1]);
    }

    /** Maximum over {@code dims} (empty: all). */
    public Tensor amax(int[] dims, boolean keepDim) {
        return Dispatcher.call(ReductionOps.AMAX, new ReductionOps.Reduce(dims, keepDim), this);
    }

    /** Maximum over one dim. */
    public Tensor amax(int dim, boolean keepDim) {
        return amax(new int[] {dim}, keepDim);
    }

    /** Minimum over {@code dims} (empty: all). */
    public Tensor amin(int[] dims, boolean keepDim) {
        return Dispatcher.call(ReductionOps.AMIN, new ReductionOps.Reduce(dims, keepDim), this);
    }

    /** Minimum over one dim. */
    public Tensor amin(int dim, boolean keepDim) {
        return amin(new int[] {dim}, keepDim);
    }

    /** Flat index (I64, 0-d) of the first maximum. */
    public Tensor argmax() {
        return reshape(-1).max(0, false).indices();
    }

    /**
     * The flat index of the largest element, like {@code torch.argmax(x, keepdim=True)} without a
     * dim: with {@code keepDim} the result has this tensor's rank with every size 1.
     *
     * <pre>{@code
     * Tensor.of(new double[][] {{1, 5}, {3, 2}}).argmax(true);   // [[1]]
     * }</pre>
     */
    public Tensor argmax(boolean keepDim) {
        return keepAllDims(argmax(), keepDim);
    }

    /** The flat index of the smallest element; with {@code keepDim}, of this tensor's rank with sizes 1. */
    public Tensor argmin(boolean keepDim) {
        return keepAllDims(argmin(), keepDim);
    }

    private Tensor keepAllDims(Tensor scalar, boolean keepDim) {
        if (!keepDim) {
            return scalar;
        }
        long[] ones = new long[shape.length];
        java.util.Arrays.fill(ones, 1);
        return scalar.reshape(ones);
    }

    /** Index of the first maximum along {@code dim}. */
    public Tensor argmax(int dim, boolean keepDim) {
        return max(dim, keepDim).indices();
    }

    /** Flat index of the first minimum. */
    public Tensor argmin() {
        return reshape(-1).min(0, false).indices();
    }

    /** Index of the first minimum along {@code dim}. */
    public Tensor argmin(int dim, boolean keepDim) {
        return min(dim, keepDim).indices();
    }

    /** {@code log(sum(exp(this)))} over {@code dims}, computed stably. */
    public Tensor logsumexp(int[] dims, boolean keepDim) {
        return Dispatcher.call(ReductionOps.LOGSUMEXP, new ReductionOps.Reduce(dims, keepDim), dtype.isFloatingPoint() ? this : to(defaultDType()));
    }

    /** logsumexp over one dim. */
    public Tensor logsumexp(int dim, boolean keepDim) {
        return logsumexp(new int[] {dim}, keepDim);
    }

    /** Euclidean norm of all elements (gradient 0 at the origin, as in PyTorch). */
    public Tensor norm() {
        return Reductions.norm(this, 2, null, false);
    }

    /** p-norm of all elements ({@code p} may be infinite). */
    public Tensor norm(double p) {
        return Reductions.norm(this, p, null, false);
    }

    /** p-norm over {@code dims}. */
    public Tensor norm(double p, int[] dims, boolean keepDim) {
        return Reductions.norm(this, p, dims, keepDim);
    }

    /** Softmax along {@code dim}. */
    public Tensor softmax(int dim) {
        return Dispatcher.call(ReductionOps.SOFTMAX, new ReductionOps.Softmax(dim), this);
    }

    /** Log-softmax along {@code dim}, computed stably. */
    public Tensor logSoftmax(int dim) {
        return Dispatcher.call(ReductionOps.LOG_SOFTMAX, new ReductionOps.Softmax(dim), this);
    }

    /** Sums broadcast dims away so the result has {@code shape} (the reverse of {@link #expand}). */
    public Tensor sumToShape(long... shape) {
        return Reductions.sumToShape(this, Shapes.toInts("sumToShape", shape));
    }

    // ------------------------------------------------------------------ linear algebra

    /** Matrix product with PyTorch's rules (1-d vectors, batched N-d with broadcasting). */
    public Tensor matmul(Tensor other) {
        return Linalg.matmul(this, other);
    }

    /** Dot product of two 1-d tensors. */
    public Tensor dot(Tensor other) {
        return Linalg.dot(this, other);
    }

    /** Outer product of two 1-d tensors. */
    public Tensor outer(Tensor other) {
        return Linalg.outer(this, other);
    }

    // ------------------------------------------------------------------ views and shape

    /** Same elements with a new shape (one size may be -1); a view when the layout allows, else a copy. */
    public Tensor reshape(long... shape) {
        return Views.reshape(this, shape, false);
    }

    /** Like {@link #reshape} but never copies: fails when the layout does not allow a view. */
    public Tensor view(long... shape) {
        return Views.reshape(this, shape, true);
    }

    /** Flattens to 1-d. */
    public Tensor flatten() {
        return reshape(-1);
    }

    /** Flattens dims {@code startDim..endDim} into one. */
    public Tensor flatten(int startDim, int endDim) {
        return Views.flatten(this, startDim, endDim);
    }

    /** Removes all dims of size 1. */
    public Tensor squeeze() {
        return Views.squeeze(this, null);
    }

    /** Removes {@code dim} if its size is 1 (otherwise returns an unchanged view). */
    public Tensor squeeze(int dim) {
        return Views.squeeze(this, dim);
    }

    /** Inserts a dim of size 1 at {@code dim}. */
    public Tensor unsqueeze(int dim) {
        return Views.unsqueeze(this, dim);
    }

    /** Swaps two dims. */
    public Tensor transpose(int dim0, int dim1) {
        return Views.transpose(this, dim0, dim1);
    }

    /** Reorders dims. */
    public Tensor permute(int... dims) {
        return Views.permute(this, dims);
    }

    /** Transpose of a tensor with at most 2 dims. */
    public Tensor t() {
        if (shape.length > 2) {
            throw new IllegalArgumentException("t: expects a tensor with <= 2 dims, but got " + shape.length
                    + " (shape " + Shapes.str(shape) + "); use transpose(dim0, dim1) or permute");
        }
        return shape.length < 2 ? this : transpose(0, 1);
    }

    /** Broadcasts to {@code shape} without copying (-1 keeps a size). */
    public Tensor expand(long... shape) {
        return Views.expand(this, shape);
    }

    /** Same as {@link #expand}. */
    public Tensor broadcastTo(long... shape) {
        return Views.expand(this, shape);
    }

    /** Expands to the shape of {@code other}. */
    public Tensor expandAs(Tensor other) {
        return Views.expand(this, other.shape());
    }

    /** The slice {@code [start, start + length)} of {@code dim}. */
    public Tensor narrow(int dim, long start, long length) {
        return Views.slice(this, dim, start, start + length, 1, "narrow");
    }

    /** The slice {@code start:end:step} of {@code dim} (negative start/end count from the end, like Python). */
    public Tensor slice(int dim, long start, long end, long step) {
        return Views.slice(this, dim, start, end, step, "slice");
    }

    /** The sub-tensor at {@code index} of {@code dim}, removing that dim. */
    public Tensor select(int dim, long index) {
        return Views.select(this, dim, index);
    }

    /** A contiguous tensor with the same values (this, when already contiguous). */
    public Tensor contiguous() {
        return isContiguous() ? this : Dispatcher.call(ViewOps.CLONE, NoAttrs.NONE, this);
    }

    /** A copy with its own storage (differentiable). */
    public Tensor clone() {
        return Dispatcher.call(ViewOps.CLONE, NoAttrs.NONE, this);
    }

    /** Splits into pieces of {@code splitSize} along {@code dim} (the last may be smaller); views. */
    public List<Tensor> split(long splitSize, int dim) {
        return Views.split(this, splitSize, dim);
    }

    /** Splits into pieces of the given sizes along {@code dim}; views. */
    public List<Tensor> split(long[] sizes, int dim) {
        return Views.split(this, sizes, dim);
    }

    /** Splits into {@code chunks} nearly equal pieces along {@code dim}; views. */
    public List<Tensor> chunk(int chunks, int dim) {
        return Views.chunk(this, chunks, dim);
    }

    // ------------------------------------------------------------------ indexing
    // Index tensors are I64 (I32 is accepted). Out-of-range indices are an
    // IndexOutOfBoundsException naming the op, the index, the dim and its size; negative
    // indices wrap only in take() and index(), as in PyTorch.

    /**
     * The entries at {@code index} (0-d or 1-d) along {@code dim} (like {@code torch.index_select}):
     * same rank as this, with size {@code index.numel()} at {@code dim}.
     *
     * <pre>{@code
     * Tensor x = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
     * x.indexSelect(1, Tensor.of(2L, 0L));     // [[3, 1], [6, 4]]
     * }</pre>
     */
    public Tensor indexSelect(int dim, Tensor index) {
        return Indexing.indexSelect(this, dim, index);
    }

    /**
     * Values along {@code dim} picked by {@code index} (like {@code torch.gather}):
     * {@code out[i][j] = this[index[i][j]][j]} for {@code dim = 0}. {@code index} has this
     * tensor's rank and sizes no larger than its own apart from {@code dim}; the result has
     * {@code index}'s shape.
     *
     * <pre>{@code
     * Tensor.of(new double[][] {{1, 2}, {3, 4}}).gather(1, Tensor.fromArray(new long[] {0, 0, 1, 0}, 2, 2));
     * // [[1, 1], [4, 3]]
     * }</pre>
     */
    public Tensor gather(int dim, Tensor index) {
        return Indexing.gather(this, dim, index);
    }

    /**
     * A copy of this tensor with values of {@code src} written along {@code dim} at {@code index}
     * (out-of-place {@code torch.Tensor.scatter}): {@code out[index[i][j]][j] = src[i][j]} for
     * {@code dim = 0}. {@code index}, {@code src} and this share a rank; {@code index} is no larger
     * than {@code src} in any dim nor than this apart from {@code dim}; {@code src} has this dtype.
     * With duplicate indices the last one (in order along {@code dim}) wins.
     *
     * <pre>{@code
     * Tensor.zeros(3).scatter(0, Tensor.of(2L, 0L), Tensor.of(5.0, 7.0));   // [7, 0, 5]
     * }</pre>
     */
    public Tensor scatter(int dim, Tensor index, Tensor src) {
        return Indexing.scatter(this, dim, index, src, false);
    }

    /**
     * A copy of this tensor with {@code value} written along {@code dim} at {@code index}
     * (out-of-place {@code torch.Tensor.scatter} with a scalar).
     *
     * <pre>{@code
     * Tensor.zeros(2, 3).scatter(1, Tensor.fromArray(new long[] {2, 0}, 2, 1), 1.0);   // [[0, 0, 1], [1, 0, 0]]
     * }</pre>
     */
    public Tensor scatter(int dim, Tensor index, double value) {
        return Indexing.scatterValue(this, dim, index, value);
    }

    /**
     * A copy of this tensor with values of {@code src} added along {@code dim} at {@code index}
     * (out-of-place {@code torch.Tensor.scatter_add}); duplicate indices accumulate. Shape rules as
     * in {@link #scatter(int, Tensor, Tensor)}.
     *
     * <pre>{@code
     * Tensor.zeros(3).scatterAdd(0, Tensor.of(0L, 2L, 0L), Tensor.of(1.0, 2.0, 3.0));   // [4, 0, 2]
     * }</pre>
     */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return Indexing.scatter(this, dim, index, src, true);
    }

    /**
     * A copy of this tensor with the slices of {@code source} added at positions {@code index}
     * (0-d or 1-d) along {@code dim} (out-of-place {@code torch.Tensor.index_add}); duplicate
     * indices accumulate. {@code source} has this shape except {@code index.numel()} at
     * {@code dim}, and this dtype.
     *
     * <pre>{@code
     * Tensor.zeros(3, 2).indexAdd(0, Tensor.of(2L, 2L), Tensor.ones(2, 2));   // [[0, 0], [0, 0], [2, 2]]
     * }</pre>
     */
    public Tensor indexAdd(int dim, Tensor index, Tensor source) {
        return Indexing.indexAdd(this, dim, index, source, 1.0);
    }

    /** {@link #indexAdd(int, Tensor, Tensor)} adding {@code alpha * source} (like PyTorch's {@code alpha=}). */
    public Tensor indexAdd(int dim, Tensor index, Tensor source, double alpha) {
        return Indexing.indexAdd(this, dim, index, source, alpha);
    }

    /**
     * {@code value} where the BOOL {@code mask} is true, this tensor elsewhere (like
     * {@code torch.masked_fill}); the mask broadcasts with this tensor and the result has the
     * broadcast shape and this dtype.
     *
     * <pre>{@code
     * Tensor s = Tensor.of(1.0, 2.0, 3.0);
     * s.maskedFill(s.gt(1.5), Double.NEGATIVE_INFINITY);   // [1, -inf, -inf]
     * }</pre>
     */
    public Tensor maskedFill(Tensor mask, double value) {
        return Indexing.maskedFill(this, mask, value);
    }

    /** {@link #maskedFill(Tensor, double)} with a 0-d tensor value, which receives a gradient too. */
    public Tensor maskedFill(Tensor mask, Tensor value) {
        return Indexing.maskedFill(this, mask, value);
    }

    /**
     * The elements where the BOOL {@code mask} (broadcast with this tensor) is true, as a 1-d
     * tensor in row-major order (like {@code torch.masked_select}).
     *
     * <pre>{@code
     * Tensor x = Tensor.of(new double[][] {{1, -2}, {-3, 4}});
     * x.maskedSelect(x.gt(0));   // [1, 4]
     * }</pre>
     */
    public Tensor maskedSelect(Tensor mask) {
        return Indexing.maskedSelect(this, mask);
    }

    /**
     * Indexing as Python writes it: {@code x[0]}, {@code x[:, 1:3]}, {@code x[..., None]}, and
     * with {@link Slice#of(Tensor)} PyTorch's advanced indexing {@code x[mask]},
     * {@code x[:, [0, 2]]}, {@code x[rows, cols]}. Basic indexing gives a view sharing this
     * tensor's storage (and its version counter), recorded for autograd like the slices and
     * selects it is made of; an index with an index tensor gives a copy whose gradient scatters
     * back (see {@link Slice#of(Tensor)} for where the result dims go).
     *
     * <pre>{@code
     * Tensor x = Tensor.arange(12L).reshape(3, 4);
     * x.index(Slice.at(0));                                  // x[0]      -> [0, 1, 2, 3]
     * x.index(Slice.all(), Slice.range(1, 3));               // x[:, 1:3] -> shape [3, 2]
     * x.index(Slice.ellipsis(), Slice.at(-1));               // x[..., -1] -> [3, 7, 11]
     * x.index(Slice.of(x.gt(8L)));                           // x[x > 8]  -> [9, 10, 11]
     * x.index(Slice.of(0, 2), Slice.of(1, 3));               // x[[0, 2], [1, 3]] -> [1, 11]
     * }</pre>
     */
    public Tensor index(Slice... slices) {
        if (AdvancedIndexing.hasTensor(slices)) {
            return AdvancedIndexing.index(this, slices);
        }
        int indexed = 0;
        int ellipses = 0;
        for (Slice s : slices) {
            if (s.kind == Slice.Kind.ELLIPSIS) {
                ellipses++;
            } else if (s.kind != Slice.Kind.NEW_AXIS) {
                indexed++;
            }
        }
        String where = "index" + java.util.Arrays.toString(slices);
        if (ellipses > 1) {
            throw new IllegalArgumentException(where + ": an index can have only one ellipsis");
        }
        if (indexed > shape.length) {
            throw new IndexOutOfBoundsException(where + ": too many indices for a tensor of rank " + shape.length
                    + " (shape " + Shapes.str(shape) + ")");
        }
        Tensor t = this;
        int d = 0;
        for (Slice s : slices) {
            switch (s.kind) {
                case ALL -> d++;
                case RANGE -> t = t.slice(d++, s.start, s.end, s.step);
                case AT -> t = t.select(d, s.start);
                case NEW_AXIS -> t = t.unsqueeze(d++);
                case ELLIPSIS -> d += shape.length - indexed;
            }
        }
        return t;
    }

    /**
     * Writes {@code value} (broadcast) into {@code index(slices)} in place: Python's
     * {@code x[:, 1:3] = value}, {@code x[idx] = value}, {@code x[mask] = value} (PyTorch's
     * {@code index_put_}). Like every in-place op it bumps the version counter and is an error on
     * a leaf that requires grad outside {@code noGrad()}. With autograd on, a tensor with history
     * or a value that requires grad is recorded: the overwritten elements get no gradient and the
     * value gets the gradient of where it was written. Without autograd, basic indices write
     * through a view and index tensors scatter into the indexed elements only (the cost follows
     * the number of written elements); recorded writes rebuild the tensor with a scatter (a pass
     * over all of it), and {@code x[mask] = v} with a full-shape mask is a masked fill.
     *
     * <pre>{@code
     * x.indexPut(Tensor.scalar(5.0), Slice.at(0));                    // x[0] = 5
     * x.indexPut(Tensor.of(1.0, 2.0), Slice.of(0, 2), Slice.at(1));   // x[[0, 2], 1] = [1, 2]
     * }</pre>
     */
    public Tensor indexPut(Tensor value, Slice... slices) {
        return AdvancedIndexing.indexPut(this, value, false, slices);
    }

    /**
     * {@link #indexPut(Tensor, Slice...)} that adds instead of overwriting, with repeated positions
     * summed: PyTorch's {@code index_put_(indices, values, accumulate=True)}.
     *
     * <pre>{@code
     * Tensor.zeros(3).indexPut(Tensor.of(1.0, 2.0, 4.0), true, Slice.of(0, 2, 0));   // [5, 0, 2]
     * }</pre>
     */
    public Tensor indexPut(Tensor value, boolean accumulate, Slice... slices) {
        return AdvancedIndexing.indexPut(this, value, accumulate, slices);
    }

    /** {@link #indexPut(Tensor, Slice...)} of one value: {@code x[0, 1:3] = 2.5}, {@code x[mask] = 0}. */
    public Tensor indexPut(double value, Slice... slices) {
        if (slices.length == 1 && slices[0].kind == Slice.Kind.TENSOR && slices[0].tensor.dtype == DType.BOOL
                && Arrays.equals(slices[0].tensor.shape, shape)) {
            return maskedFillInPlace(slices[0].tensor, value);   // x[mask] = v, without the scatter's pass
        }
        if (!AdvancedIndexing.hasTensor(slices) && !(Autograd.isGradEnabled() && requiresGrad())) {
            index(slices).fillInPlace(value);
            return this;
        }
        return AdvancedIndexing.indexPut(this, Tensor.scalar(value, dtype), false, slices);
    }

    /**
     * Writes {@code value} where {@code mask} is true, in place: Python's {@code x[mask] = value}
     * (PyTorch's {@code masked_fill_}).
     *
     * <pre>{@code
     * x.maskedFillInPlace(x.lt(0.0), 0.0);   // x[x < 0] = 0
     * }</pre>
     */
    public Tensor maskedFillInPlace(Tensor mask, double value) {
        return InPlace.apply("maskedFillInPlace", this, t -> t.maskedFill(mask, value));
    }

    /** {@link #maskedFillInPlace(Tensor, double)} with a 0-d tensor value, which receives a gradient too. */
    public Tensor maskedFillInPlace(Tensor mask, Tensor value) {
        return InPlace.apply("maskedFillInPlace", this, t -> t.maskedFill(mask, value));
    }

    /**
     * Integer-tensor indexing of one dim, like {@code x[:, indices]} in PyTorch for
     * {@code dim = 1}: {@code indices} may have any shape (negative values count from the end) and
     * the result has shape {@code shape[:dim] + indices.shape + shape[dim+1:]}.
     *
     * <pre>{@code
     * Tensor x = Tensor.arange(12).reshape(3, 4);
     * x.index(1, Tensor.fromArray(new long[] {0, -1, 1, 1}, 2, 2)).shape();   // [3, 2, 2]
     * }</pre>
     */
    public Tensor index(int dim, Tensor indices) {
        return Indexing.index(this, dim, indices);
    }

    /**
     * Elements of this tensor viewed as 1-d, at {@code index} of any shape (like
     * {@code torch.take}); negative indices count from the end. The result has {@code index}'s shape.
     *
     * <pre>{@code
     * Tensor.of(new double[][] {{4, 3}, {5, 6}}).take(Tensor.of(0L, -1L));   // [4, 6]
     * }</pre>
     */
    public Tensor take(Tensor index) {
        return Indexing.take(this, index);
    }

    /**
     * Coordinates of the nonzero (true, or NaN) elements, one row each in row-major order, as an
     * I64 tensor of shape {@code [count, dim()]} (like {@code torch.nonzero}); not differentiable.
     *
     * <pre>{@code
     * Tensor.of(new double[][] {{0, 1}, {2, 0}}).nonzero();   // [[0, 1], [1, 0]]
     * }</pre>
     */
    public Tensor nonzero() {
        return Indexing.nonzero(this);
    }

    // ------------------------------------------------------------------ shape and content

    /**
     * Pads with zeros (PyTorch's {@code F.pad(x, pad)}): {@code pad} holds (left, right) pairs for
     * the last dim first, then the one before, and so on; negative pads crop.
     *
     * <pre>{@code
     * Tensor.of(1.0, 2.0).pad(1, 2);   // [0, 1, 2, 0, 0]
     * }</pre>
     */
    public Tensor pad(long... pad) {
        return ShapeOps.pad(this, pad, PadMode.CONSTANT, 0.0);
    }

    /** {@link #pad(long[], PadMode, double)} with the fill value 0. */
    public Tensor pad(long[] pad, PadMode mode) {
        return ShapeOps.pad(this, pad, mode, 0.0);
    }

    /**
     * Pads like {@code F.pad(x, pad, mode, value)}. {@code pad} holds (left, right) pairs from
     * the last dim backwards. {@link PadMode#CONSTANT} pads any number of dims with {@code value}
     * (negative pads crop); {@link PadMode#REFLECT} and {@link PadMode#REPLICATE} pad the last 1,
     * 2 or 3 dims of a 2-d/3-d, 3-d/4-d or 4-d/5-d tensor with non-negative pads (for reflect each
     * smaller than the padded size) and take no value (it must be 0).
     *
     * <pre>{@code
     * Tensor x = Tensor.of(1.0, 2.0, 3.0).reshape(1, 3);
     * x.pad(new long[] {2, 1}, PadMode.REFLECT, 0.0);     // [[3, 2, 1, 2, 3, 2]]
     * x.pad(new long[] {0, 0, 1, 0}, PadMode.CONSTANT, 9); // [[9, 9, 9], [1, 2, 3]]
     * }</pre>
     */
    public Tensor pad(long[] pad, PadMode mode, double value) {
        return ShapeOps.pad(this, pad, mode, value);
    }

    /**
     * Reverses the order of elements along {@code dims} (a copy, like {@code torch.flip}).
     *
     * <pre>{@code
     * Tensor.of(new double[][] {{1, 2}, {3, 4}}).flip(-1);   // [[2, 1], [4, 3]]
     * }</pre>
     */
    public Tensor flip(int... dims) {
        return ShapeOps.flip(this, dims);
    }

    /** Rolls the flattened tensor by {@code shifts} positions and restores the shape ({@code torch.roll(x, s)}). */
    public Tensor roll(long shifts) {
        return ShapeOps.roll(this, new long[] {shifts}, new int[0]);
    }

    /**
     * Rolls along {@code dim}: element {@code i} moves to {@code (i + shifts) mod size}.
     *
     * <pre>{@code
     * Tensor.of(1.0, 2.0, 3.0, 4.0).roll(1, 0);   // [4, 1, 2, 3]
     * }</pre>
     */
    public Tensor roll(long shifts, int dim) {
        return ShapeOps.roll(this, new long[] {shifts}, new int[] {dim});
    }

    /** Rolls by {@code shifts[i]} along {@code dims[i]} for each i (equal lengths; empty dims: a flat roll). */
    public Tensor roll(long[] shifts, int[] dims) {
        return ShapeOps.roll(this, shifts, dims);
    }

    /**
     * Repeats the tensor {@code repeats[i]} times along each dim ({@code torch.Tensor.repeat}):
     * {@code repeats} needs at least one entry per dim; extra leading entries add new dims.
     *
     * <pre>{@code
     * Tensor.of(1.0, 2.0).repeat(2, 2);   // [[1, 2, 1, 2], [1, 2, 1, 2]]
     * }</pre>
     */
    public Tensor repeat(long... repeats) {
        return ShapeOps.repeat("repeat", this, repeats);
    }

    /**
     * Like {@link #repeat} but {@code reps} shorter than the rank is padded with leading 1s
     * ({@code torch.tile}).
     */
    public Tensor tile(long... reps) {
        return ShapeOps.tile(this, reps);
    }

    /** The lower triangle of the last two dims (the rest zeroed); see {@link #tril(long)}. */
    public Tensor tril() {
        return ShapeOps.triangle("tril", this, 0, true);
    }

    /**
     * Keeps elements {@code (i, j)} of the last two dims with {@code j - i <= diagonal} and zeroes
     * the rest ({@code torch.tril}); needs at least 2 dims.
     *
     * <pre>{@code
     * Tensor.ones(2, 3).tril(1);   // [[1, 1, 0], [1, 1, 1]]
     * }</pre>
     */
    public Tensor tril(long diagonal) {
        return ShapeOps.triangle("tril", this, diagonal, true);
    }

    /** The upper triangle of the last two dims (the rest zeroed); see {@link #triu(long)}. */
    public Tensor triu() {
        return ShapeOps.triangle("triu", this, 0, false);
    }

    /** Keeps elements with {@code j - i >= diagonal} and zeroes the rest ({@code torch.triu}). */
    public Tensor triu(long diagonal) {
        return ShapeOps.triangle("triu", this, diagonal, false);
    }

    /** The main diagonal of the first two dims, as a view; see {@link #diagonal(long, int, int)}. */
    public Tensor diagonal() {
        return ShapeOps.diagonal(this, 0, 0, 1);
    }

    /**
     * The diagonal of dims {@code dim1} and {@code dim2} as a view (no copy, like
     * {@code torch.diagonal}): both dims are removed and the diagonal becomes the last dim;
     * {@code offset > 0} is above the main diagonal, {@code < 0} below.
     *
     * <pre>{@code
     * Tensor m = Tensor.arange(0.0, 9.0, 1.0).reshape(3, 3);
     * m.diagonal(1, 0, 1);   // [1, 5]
     * }</pre>
     */
    public Tensor diagonal(long offset, int dim1, int dim2) {
        return ShapeOps.diagonal(this, offset, dim1, dim2);
    }

    /** {@link #diag(long)} with the main diagonal. */
    public Tensor diag() {
        return ShapeOps.diag(this, 0);
    }

    /**
     * Like {@code torch.diag}: a 1-d tensor of size n becomes an {@code (n + |diagonal|)}-square
     * matrix with it on the given diagonal; a 2-d tensor gives a copy of that diagonal.
     *
     * <pre>{@code
     * Tensor.of(1.0, 2.0).diag(1);   // [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
     * }</pre>
     */
    public Tensor diag(long diagonal) {
        return ShapeOps.diag(this, diagonal);
    }

    /**
     * Cumulative sum along {@code dim}; integer and bool tensors give I64 (as in PyTorch).
     *
     * <pre>{@code
     * Tensor.of(1.0, 2.0, 3.0).cumsum(0);   // [1, 3, 6]
     * }</pre>
     */
    public Tensor cumsum(int dim) {
        return ShapeOps.scan("cumsum", this, dim, false);
    }

    /**
     * Cumulative product along {@code dim}; integer and bool tensors give I64. The gradient is
     * exact also where the input has zeros.
     */
    public Tensor cumprod(int dim) {
        return ShapeOps.scan("cumprod", this, dim, true);
    }

    /** Sorts the last dim ascending; see {@link #sort(int, boolean)}. */
    public ValuesAndIndices sort() {
        return ShapeOps.sort(this, -1, false);
    }

    /**
     * Sorts along {@code dim} (like {@code torch.sort(x, dim, descending, stable=True)}): the
     * sorted values (differentiable) and their original positions (I64). The sort is stable in
     * both directions; NaN sorts as the largest value.
     *
     * <pre>{@code
     * Tensor.of(3.0, 1.0, 2.0).sort(0, true);   // values [3, 2, 1], indices [0, 2, 1]
     * }</pre>
     */
    public ValuesAndIndices sort(int dim, boolean descending) {
        return ShapeOps.sort(this, dim, descending);
    }

    /** Indices that sort the last dim ascending. */
    public Tensor argsort() {
        return ShapeOps.argsort(this, -1, false);
    }

    /** Indices (I64) that sort along {@code dim}: {@code sort(dim, descending).indices()} (stable). */
    public Tensor argsort(int dim, boolean descending) {
        return ShapeOps.argsort(this, dim, descending);
    }

    /** The {@code k} largest elements of the last dim, sorted; see {@link #topk(long, int, boolean, boolean)}. */
    public ValuesAndIndices topk(long k) {
        return ShapeOps.topk(this, k, -1, true, true);
    }

    /**
     * The {@code k} largest (or smallest) elements along {@code dim} and their indices, like
     * {@code torch.topk}; values are differentiable. Requires {@code 0 <= k <= size(dim)}. Ties
     * go to the lower index; with {@code sorted = false} PyTorch leaves the order unspecified and
     * Walnut returns the sorted order.
     *
     * <pre>{@code
     * Tensor.of(1.0, 5.0, 3.0).topk(2, 0, true, true);   // values [5, 3], indices [1, 2]
     * }</pre>
     */
    public ValuesAndIndices topk(long k, int dim, boolean largest, boolean sorted) {
        return ShapeOps.topk(this, k, dim, largest, sorted);
    }

    /**
     * Einstein summation, like {@code torch.einsum}: letters name dims, a letter repeated within
     * an operand takes its diagonal, letters missing from the output are summed, {@code ...}
     * stands for the unnamed (broadcast) dims. Without {@code ->} the output is {@code ...}
     * followed by the letters used exactly once, in alphabetical order. Composite: its gradient
     * comes from diagonal, permute, reshape, sum and matmul.
     *
     * <pre>{@code
     * Tensor.einsum("ij,jk->ik", a, b);      // a.matmul(b)
     * Tensor.einsum("bij,bjk->bik", x, y);   // batched matmul
     * Tensor.einsum("ii", m);                // trace
     * Tensor.einsum("...ij,...jk", p, q);    // broadcast batch dims
     * }</pre>
     */
    public static Tensor einsum(String equation, Tensor... operands) {
        return Einsum.einsum(equation, operands);
    }

    // ------------------------------------------------------------------ in place

    /** {@code this += other} in place. */
    public Tensor addInPlace(Tensor other) {
        return InPlace.apply("addInPlace", this, t -> t.add(other));
    }

    /** {@code this += alpha * other} in place. */
    public Tensor addInPlace(Tensor other, double alpha) {
        return InPlace.apply("addInPlace", this, t -> t.add(other, alpha));
    }

    /** {@code this += value} in place. */
    public Tensor addInPlace(double value) {
        return InPlace.apply("addInPlace", this, t -> t.add(value));
    }

    /** {@code this -= other} in place. */
    public Tensor subInPlace(Tensor other) {
        return InPlace.apply("subInPlace", this, t -> t.sub(other));
    }

    /** {@code this *= other} in place. */
    public Tensor mulInPlace(Tensor other) {
        return InPlace.apply("mulInPlace", this, t -> t.mul(other));
    }

    /** {@code this *= value} in place. */
    public Tensor mulInPlace(double value) {
        return InPlace.apply("mulInPlace", this, t -> t.mul(value));
    }

    /** {@code this /= other} in place. */
    public Tensor divInPlace(Tensor other) {
        return InPlace.apply("divInPlace", this, t -> t.div(other));
    }

    /** Clamps in place. */
    public Tensor clampInPlace(double min, double max) {
        return InPlace.apply("clampInPlace", this, t -> t.clamp(min, max));
    }

    /** Fills with {@code value} in place. */
    public Tensor fillInPlace(double value) {
        return InPlace.fill(this, value);
    }

    /** Fills with zeros in place. */
    public Tensor zeroInPlace() {
        return InPlace.fill(this, 0.0);
    }

    /** Copies {@code src} (broadcast to this shape, converted to this dtype) into this tensor in place. */
    public Tensor copyInPlace(Tensor src) {
        return InPlace.apply("copyInPlace", this, t -> src.expand(shape()).to(dtype));
    }

    // ------------------------------------------------------------------ printing

    /** PyTorch-style text, e.g. {@code tensor([1.0000, 2.0000], requires_grad=True)}; summarised when large. */
    @Override
    public String toString() {
        return TensorFormatter.format(this);
    }
}
