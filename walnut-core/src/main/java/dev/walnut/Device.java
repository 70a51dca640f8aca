package dev.walnut;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a tensor's storage lives. Only the pure-Java {@link #CPU} back end exists today;
 * asking for another device fails with a clear error until its back end is installed.
 *
 * <pre>{@code
 * Tensor x = Tensor.ones(2, 3).to(Device.CPU);
 * Device d = Device.of("cuda:0");   // describes a device; x.to(d) explains that no CUDA back end is installed
 * }</pre>
 */
public final class Device {
    /** The host CPU. */
    public static final Device CPU = new Device("cpu", -1);

    private final String type;
    private final int index;

    private Device(String type, int index) {
        this.type = type;
        this.index = index;
    }

    /** Parses {@code "cpu"}, {@code "cuda"}, {@code "cuda:1"} and the like. */
    public static Device of(String spec) {
        Objects.requireNonNull(spec, "spec");
        String s = spec.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String type = colon < 0 ? s : s.substring(0, colon);
        int index = -1;
        if (colon >= 0) {
            try {
                index = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Device.of: bad device index in \"" + spec + "\"; expected e.g. \"cuda:0\"");
            }
        }
        if (type.isEmpty() || !type.chars().allMatch(Character::isLetterOrDigit)) {
            throw new IllegalArgumentException("Device.of: bad device \"" + spec + "\"; expected e.g. \"cpu\" or \"cuda:0\"");
        }
        if (type.equals("cpu")) {
            return CPU;
        }
        return new Device(type, index);
    }

    /** The device type, e.g. {@code "cpu"} or {@code "cuda"}. */
    public String type() {
        return type;
    }

    /** The device index, or -1 when none was given. */
    public int index() {
        return index;
    }

    /** True when a back end for this device is available in this process. */
    public boolean isAvailable() {
        return this.equals(CPU);
    }

    void checkAvailable(String op) {
        if (!isAvailable()) {
            throw new IllegalStateException(op + ": no back end for device '" + this + "' is installed; "
                    + "only 'cpu' is available in this build (a CUDA back end is planned)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device d && d.type.equals(type) && d.index == index;
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + index;
    }

    @Override
    public String toString() {
        return index < 0 ? type : type + ":" + index;
    }
}
