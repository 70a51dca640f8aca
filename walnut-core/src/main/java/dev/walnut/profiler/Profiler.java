package dev.walnut.profiler;

import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.dispatch.Interpreter;
import dev.walnut.ops.OpDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Times every primitive op and every compiled-graph node the calling thread runs while it is
 * open, like {@code torch.profiler.profile} with {@code record_shapes=True}: wall time per op,
 * kernels' worker threads included, grouped into a table.
 *
 * <pre>{@code
 * try (Profiler prof = Profiler.start()) {
 *     model.forward(x);                     // eager: each primitive (matmul, add, relu, ...)
 *     compiled.apply(x);                    // compiled: each node of the plan
 * }
 * System.out.println(prof.table());         // per op: calls, total ms, mean us, share
 * System.out.println(prof.table(true, 10)); // per op and input shapes, the 10 largest
 * }</pre>
 *
 * <p>What it sees: ops dispatched on this thread (through {@link Dispatcher}: eager ops, the ops a
 * backward pass runs, a compiled step's eager fallback), the nodes of compiled graphs run on this
 * thread, and {@code Linear}'s packed inference path. Each is timed from the outside, so an op's
 * time includes its dispatch and, in eager mode, its tape recording. Other threads are not
 * recorded: open a profiler on each. While none is open, profiling costs the executors one
 * volatile read per graph run and the dispatcher nothing. The profiler only watches: the same
 * kernels run as without it (fast paths that skip the dispatcher under a transform still run).
 * Profilers nest; each records what runs while it is the innermost one open.
 */
public final class Profiler implements AutoCloseable {
    /**
     * One timed op: its name ({@code "matmul"}, or a fused node's name such as
     * {@code "fusedConv2d"}), its inputs' shapes, the nanoseconds it took and whether it ran as a
     * node of a compiled graph (rather than eagerly).
     */
    public record Event(String op, String inputShapes, long nanos, boolean graphNode) {
    }

    /** Open profilers over all threads: zero almost always, so executors skip the thread-local lookup. */
    private static final AtomicInteger OPEN = new AtomicInteger();
    private static final ThreadLocal<Profiler> CURRENT = new ThreadLocal<>();

    private final Thread owner = Thread.currentThread();
    private final Profiler outer;
    private final List<Event> events = new ArrayList<>();
    private final Dispatcher.Scope scope;
    private boolean closed;

    private Profiler() {
        outer = CURRENT.get();
        CURRENT.set(this);
        OPEN.incrementAndGet();
        scope = Dispatcher.push(new Watch(this));
    }

    /** Starts recording the calling thread's ops; close it (try-with-resources) on the same thread. */
    public static Profiler start() {
        return new Profiler();
    }

    /**
     * The innermost profiler open on the calling thread, or null. For code that runs work outside
     * the dispatcher (graph executors, fast paths) and records it with {@link #record}.
     */
    public static Profiler current() {
        return OPEN.get() == 0 ? null : CURRENT.get();
    }

    /**
     * Records one op that ran outside the dispatcher: {@code nanos} of wall time for {@code op}
     * on {@code inputs} (their shapes are kept; null entries are shown as {@code -}).
     */
    public void record(String op, Tensor[] inputs, long nanos, boolean graphNode) {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("Profiler.record: this profiler records thread '" + owner.getName()
                    + "', called from '" + Thread.currentThread().getName() + "'; open a profiler on each thread");
        }
        if (!closed) {
            events.add(new Event(op, shapes(inputs), nanos, graphNode));
        }
    }

    /** Every op recorded, in the order they finished. */
    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Total nanoseconds of the recorded ops. */
    public long totalNanos() {
        long t = 0;
        for (Event e : events) {
            t += e.nanos();
        }
        return t;
    }

    /** {@link #table(boolean, int)} per op name, every row. */
    public String table() {
        return table(false, Integer.MAX_VALUE);
    }

    /**
     * The recorded ops grouped by name ({@code byShape}: by name and input shapes), largest total
     * first, at most {@code rows} rows: calls, total milliseconds, mean microseconds per call,
     * and share of the recorded time. Eager ops and graph nodes of one name are separate rows
     * (graph nodes marked {@code [graph]}).
     */
    public String table(boolean byShape, int rows) {
        Map<String, long[]> groups = new LinkedHashMap<>();
        for (Event e : events) {
            String key = e.op() + (e.graphNode() ? " [graph]" : "") + (byShape ? " " + e.inputShapes() : "");
            long[] g = groups.computeIfAbsent(key, k -> new long[2]);
            g[0]++;
            g[1] += e.nanos();
        }
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(groups.entrySet());
        sorted.sort(Comparator.comparingLong((Map.Entry<String, long[]> en) -> en.getValue()[1]).reversed());
        int width = "op".length();
        for (int i = 0; i < Math.min(rows, sorted.size()); i++) {
            width = Math.max(width, sorted.get(i).getKey().length());
        }
        long total = Math.max(1, totalNanos());
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-" + width + "s %8s %12s %12s %7s%n", "op", "calls", "total ms", "mean us",
                "share"));
        for (int i = 0; i < Math.min(rows, sorted.size()); i++) {
            long[] g = sorted.get(i).getValue();
            sb.append(String.format(Locale.ROOT, "%-" + width + "s %8d %12.3f %12.1f %6.1f%%%n", sorted.get(i).getKey(), g[0],
                    g[1] / 1e6, g[1] / 1e3 / g[0], 100.0 * g[1] / total));
        }
        if (sorted.size() > rows) {
            sb.append("... ").append(sorted.size() - rows).append(" more rows\n");
        }
        sb.append(String.format(Locale.ROOT, "%d ops, %.3f ms in all%n", events.size(), totalNanos() / 1e6));
        return sb.toString();
    }

    /** Stops recording (what was recorded stays readable). Close on the thread that started it, innermost first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("Profiler.close: started on thread '" + owner.getName() + "', closed on '"
                    + Thread.currentThread().getName() + "'");
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("Profiler.close: a profiler opened inside this one is still open; close "
                    + "the inner one first");
        }
        scope.close();
        closed = true;
        OPEN.decrementAndGet();
        if (outer == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(outer);
        }
    }

    private static String shapes(Tensor[] inputs) {
        if (inputs == null || inputs.length == 0) {
            return "[]";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < inputs.length; i++) {
            sb.append(i == 0 ? "" : " ").append(inputs[i] == null ? "-" : Arrays.toString(inputs[i].shape()));
        }
        return sb.toString();
    }

    /** The dispatcher side: times each primitive the interpreters below run. */
    private record Watch(Profiler profiler) implements Interpreter {
        @Override
        public <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next) {
            long t0 = System.nanoTime();
            Tensor[] out = next.call(op, attrs, inputs);
            long dt = System.nanoTime() - t0;
            if (CURRENT.get() == profiler) {
                profiler.record(op.name(), inputs, dt, false);
            }
            return out;
        }

        @Override
        public boolean observesOnly() {
            return true;
        }
    }
}
