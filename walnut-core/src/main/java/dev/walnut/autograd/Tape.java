package dev.walnut.autograd;

import java.lang.System.Logger.Level;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The record of one gradient context: which nodes were recorded there, without owning them.
 *
 * <p>A graph is owned by the tensors that use it (output → node → input nodes), as in PyTorch,
 * so forgetting {@code noGrad()} or {@code clearTape()} cannot leak. The tape keeps:
 * <ul>
 * <li>the seed's count of nodes recorded since the last clear ({@link #recorded});</li>
 * <li>a weak registry of the live nodes that saved at least {@link #trackingMinimum} bytes,
 *     for what only a live view can answer: bytes of saved tensors still reachable (and the
 *     warning when they stay high), and freeing them when the context closes. Small nodes are
 *     not registered because a weak reference costs about a microsecond over its life (the
 *     collector discovers, clears and enqueues it), ten times a small op's whole overhead,
 *     while their memory is what the big nodes of the same graph dwarf;</li>
 * <li>weak references to the outputs whose {@code id()} was asked for, so that the seed's
 *     {@code computeGradients(loss.id())} finds them.</li>
 * </ul>
 * Dead nodes leave the registry through a reference queue, drained on the owning thread.
 */
final class Tape {
    private static final System.Logger LOG = System.getLogger("dev.walnut.autograd");

    /** Nodes that saved fewer bytes are not registered (see the class comment). */
    static volatile long trackingMinimum = Long.getLong("walnut.savedBytesTrackingMinimum", 64 * 1024);
    /** At most this many ids are remembered; the oldest go first. */
    private static final int MAX_IDS = 1024;

    /** A registry entry: a weak reference to a node, linked so removal is O(1). */
    static final class Entry extends WeakReference<Node> {
        Entry prev;
        Entry next;
        boolean linked;
        /** Saved bytes of the node that the registry still counts (0 once released). */
        long bytes;

        Entry(Node node, ReferenceQueue<Node> queue) {
            super(node, queue);
        }
    }

    /** An output whose id was taken. */
    private record IdRef(WeakReference<Node> node, int outputIndex) {
    }

    final GradientContext context;
    /** Nodes recorded since the last clear: the seed's tape size. */
    long recorded;
    private final ReferenceQueue<Node> queue = new ReferenceQueue<>();
    /** Most recently registered live node first. */
    private Entry head;
    private long savedBytes;
    boolean closed;
    private boolean warned;
    /** Cleared by the first garbage collection after the saved bytes crossed the threshold. */
    private WeakReference<Object> gcSentinel;
    private final Map<Long, IdRef> ids = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, IdRef> eldest) {
            return size() > MAX_IDS;
        }
    };

    Tape(GradientContext context) {
        this.context = context;
    }

    void append(Node node) {
        recorded++;
        long bytes = node.savedBytes();
        if (bytes < trackingMinimum || bytes == 0) {
            return;
        }
        expunge();
        Entry e = new Entry(node, queue);
        e.bytes = bytes;
        e.next = head;
        if (head != null) {
            head.prev = e;
        }
        head = e;
        e.linked = true;
        node.entry = e;
        savedBytes += bytes;
        if (savedBytes <= Autograd.savedBytesWarningThreshold()) {
            gcSentinel = null;
        } else if (!warned) {
            checkGrowth();
        }
    }

    /**
     * Warns when the saved bytes are above the threshold even after a garbage collection: until
     * one has run, dropped graphs still count, and a young generation can hold more garbage than
     * the threshold.
     */
    private void checkGrowth() {
        if (gcSentinel == null) {
            gcSentinel = new WeakReference<>(new Object());
            return;
        }
        if (gcSentinel.get() != null) {
            return;
        }
        gcSentinel = null;
        // The collection cleared the dead nodes' entries; they may not be enqueued yet.
        for (Entry e = head, next; e != null; e = next) {
            next = e.next;
            if (e.get() == null) {
                unlink(e);
            }
        }
        if (savedBytes > Autograd.savedBytesWarningThreshold()) {
            warned = true;
            LOG.log(Level.WARNING, "Gradient context " + context.id() + " keeps "
                    + String.format(Locale.ROOT, "%,d", savedBytes) + " bytes of tensors saved for backward alive "
                    + "after a garbage collection: some tensor you hold still references its graph. Typical causes: "
                    + "accumulating a loss without item() or detach() (total = total.add(loss)), keeping outputs in "
                    + "a list, or running inference without Autograd.noGrad(). Threshold: "
                    + "Autograd.setSavedBytesWarningThreshold(...)");
        }
    }

    /** Backward freed the node's saved tensors. */
    void released(Node node) {
        Entry e = node.entry;
        if (e != null && e.linked && e.bytes != 0) {
            savedBytes -= e.bytes;
            e.bytes = 0;
        }
    }

    /** The seed's clear: the count restarts; graphs the user still holds stay usable. */
    void clear() {
        recorded = 0;
    }

    /** Frees the saved tensors and edges of every registered node still alive; the context is closing. */
    void discardAll() {
        expunge();
        for (Entry e = head, next; e != null; e = next) {
            next = e.next;
            Node n = e.get();
            if (n != null) {
                n.discard();
            }
            e.clear(); // a cleared reference is never enqueued; one the GC enqueued meanwhile is skipped
            e.prev = null;
            e.next = null;
            e.linked = false;
        }
        head = null;
        savedBytes = 0;
        recorded = 0;
        ids.clear();
    }

    long savedBytes() {
        expunge();
        return savedBytes;
    }

    /** Remembers that output {@code outputIndex} of {@code node} has id {@code id}. */
    void rememberId(long id, Node node, int outputIndex) {
        if (!ids.containsKey(id)) {
            if (ids.size() == MAX_IDS) {
                ids.values().removeIf(r -> r.node().get() == null);
            }
            ids.put(id, new IdRef(new WeakReference<>(node), outputIndex));
        }
    }

    /** The live node that produced the tensor with this id, or null; {@code slot[0]} gets the output index. */
    Node findOutput(long tensorId, int[] slot) {
        IdRef r = ids.get(tensorId);
        Node n = r == null ? null : r.node().get();
        if (n != null) {
            slot[0] = r.outputIndex();
        }
        return n;
    }

    private void expunge() {
        Entry e;
        while ((e = (Entry) queue.poll()) != null) {
            if (e.linked) {
                unlink(e);
            }
        }
        if (warned && savedBytes <= Autograd.savedBytesWarningThreshold() / 2) {
            warned = false; // warn again if it grows back
        }
    }

    private void unlink(Entry e) {
        if (e.prev != null) {
            e.prev.next = e.next;
        } else {
            head = e.next;
        }
        if (e.next != null) {
            e.next.prev = e.prev;
        }
        e.prev = null;
        e.next = null;
        e.linked = false;
        savedBytes -= e.bytes;
    }
}
