package dev.walnut.autograd;

import java.lang.System.Logger.Level;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Locale;

/**
 * The record of one gradient context: which nodes were recorded there, without owning them.
 *
 * <p>A graph is owned by the tensors that use it (output → node → input nodes), as in PyTorch,
 * so forgetting {@code noGrad()} or {@code clearTape()} cannot leak. The tape keeps two things:
 * the seed's count of nodes recorded since the last clear ({@link #recorded}), and a weak
 * registry of the nodes that are still alive, for what only a live view can answer: bytes of
 * saved tensors still reachable (and the warning when they grow), lookup by output id, and
 * freeing saved tensors when the context closes. Dead nodes leave the registry through a
 * reference queue, drained on the owning thread whenever a node is appended or introspected.
 */
final class Tape {
    private static final System.Logger LOG = System.getLogger("dev.walnut.autograd");

    /** A registry entry: a weak reference to a node, linked so removal is O(1). */
    static final class Entry extends WeakReference<Node> {
        Entry prev;
        Entry next;
        boolean linked;
        /** Saved bytes of the node that the registry still counts (0 once released). */
        long bytes;
        final long[] outputIds;

        Entry(Node node, ReferenceQueue<Node> queue) {
            super(node, queue);
            outputIds = node.outputIds;
        }
    }

    final GradientContext context;
    /** Nodes recorded since the last clear: the seed's tape size. */
    long recorded;
    private final ReferenceQueue<Node> queue = new ReferenceQueue<>();
    /** Most recently recorded live node first. */
    private Entry head;
    private long live;
    private long savedBytes;
    boolean closed;
    private boolean warned;
    /** Cleared by the first garbage collection after the saved bytes crossed the threshold. */
    private WeakReference<Object> gcSentinel;

    Tape(GradientContext context) {
        this.context = context;
    }

    void append(Node node) {
        expunge();
        Entry e = new Entry(node, queue);
        e.bytes = node.savedBytes();
        e.next = head;
        if (head != null) {
            head.prev = e;
        }
        head = e;
        e.linked = true;
        node.entry = e;
        live++;
        recorded++;
        savedBytes += e.bytes;
        if (savedBytes <= Autograd.savedBytesWarningThreshold()) {
            gcSentinel = null;
        } else if (!warned && e.bytes > 0) {
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
                    + String.format(Locale.ROOT, "%,d", savedBytes) + " bytes of tensors saved for backward alive in "
                    + live + " graph nodes after a garbage collection: some tensor you hold still references its "
                    + "graph. Typical causes: accumulating a loss without item() or detach() (total = total.add(loss)), "
                    + "keeping outputs in a list, or running inference without Autograd.noGrad(). Threshold: "
                    + "Autograd.setSavedBytesWarningThreshold(...)");
        }
    }

    /** Backward freed the node's saved tensors. */
    void released(Node node) {
        Entry e = node.entry;
        if (e != null && e.bytes != 0) {
            savedBytes -= e.bytes;
            e.bytes = 0;
        }
    }

    /** The seed's clear: the count restarts; graphs the user still holds stay usable. */
    void clear() {
        recorded = 0;
    }

    /** Frees the saved tensors and edges of every node still alive; the context is closing. */
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
        live = 0;
        savedBytes = 0;
        recorded = 0;
    }

    long liveNodes() {
        expunge();
        return live;
    }

    long savedBytes() {
        expunge();
        return savedBytes;
    }

    /** The live node that produced the tensor with this id, or null; {@code slot[0]} gets the output index. */
    Node findOutput(long tensorId, int[] slot) {
        expunge();
        for (Entry e = head; e != null; e = e.next) {
            long[] ids = e.outputIds;
            for (int j = 0; j < ids.length; j++) {
                if (ids[j] == tensorId) {
                    Node n = e.get();
                    if (n != null) {
                        slot[0] = j;
                        return n;
                    }
                }
            }
        }
        return null;
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
        live--;
        savedBytes -= e.bytes;
    }
}
