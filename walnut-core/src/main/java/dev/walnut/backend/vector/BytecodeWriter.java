package dev.walnut.backend.vector;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The least of a class-file writer that {@link LoopGenerator} needs: one class (version 61, Java
 * 17), a constructor that calls its superclass's, and methods made of local loads and stores,
 * constants, static field reads, calls, {@code int} arithmetic and forward or backward jumps,
 * with a full {@code StackMapTable} frame at each jump target. Calls and fields are named by
 * reflection ({@link Method}, {@link Field}), so their descriptors cannot be misspelled. The core
 * stays free of dependencies (no ASM); the JDK's own {@code java.lang.classfile} arrived only in
 * Java 24.
 */
final class BytecodeWriter {
    static final int ACC_PUBLIC = 0x0001;
    static final int ACC_FINAL = 0x0010;
    static final int ACC_SUPER = 0x0020;

    private final ByteArrayOutputStream pool = new ByteArrayOutputStream();
    private final DataOutputStream poolOut = new DataOutputStream(pool);
    private final Map<String, Integer> entries = new HashMap<>();
    private int poolCount = 1;
    private final List<byte[]> methods = new ArrayList<>();
    private final String name;
    private final String superName;

    /** A class {@code name} (internal form, {@code a/b/C}) extending {@code superClass}. */
    BytecodeWriter(String name, Class<?> superClass) {
        this.name = name;
        this.superName = internal(superClass);
    }

    static String internal(Class<?> c) {
        return c.getName().replace('.', '/');
    }

    static String descriptor(Class<?> c) {
        return MethodType.methodType(c).toMethodDescriptorString().substring(2);
    }

    // ---------------------------------------------------------------- constant pool

    private int entry(String key, int tag, IoAction write) {
        Integer at = entries.get(key);
        if (at != null) {
            return at;
        }
        try {
            poolOut.writeByte(tag);
            write.run(poolOut);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        entries.put(key, poolCount);
        return poolCount++;
    }

    private interface IoAction {
        void run(DataOutputStream out) throws IOException;
    }

    int utf8(String s) {
        return entry("U" + s, 1, o -> o.writeUTF(s));
    }

    int classRef(String internalName) {
        int u = utf8(internalName);
        return entry("C" + internalName, 7, o -> o.writeShort(u));
    }

    private int nameAndType(String n, String d) {
        int a = utf8(n);
        int b = utf8(d);
        return entry("N" + n + ";" + d, 12, o -> {
            o.writeShort(a);
            o.writeShort(b);
        });
    }

    private int member(int tag, String owner, String n, String d) {
        int c = classRef(owner);
        int nt = nameAndType(n, d);
        return entry(tag + owner + "." + n + d, tag, o -> {
            o.writeShort(c);
            o.writeShort(nt);
        });
    }

    private int floatConstant(float f) {
        int bits = Float.floatToRawIntBits(f);
        return entry("F" + bits, 4, o -> o.writeInt(bits));
    }

    private int intConstant(int i) {
        return entry("I" + i, 3, o -> o.writeInt(i));
    }

    // ---------------------------------------------------------------- class

    /** A method body whose first {@code thisSlots} locals hold {@code this}. */
    Code code(int thisSlots) {
        return new Code(thisSlots);
    }

    /** The public no-argument constructor calling the superclass's. */
    void constructor() {
        Code c = new Code(1);
        c.op(0x2A); // aload_0
        c.push(1);
        c.u1(0xB7); // invokespecial
        c.u2(member(10, superName, "<init>", "()V"));
        c.pop(1);
        c.op(0xB1); // return
        method(ACC_PUBLIC, "<init>", "()V", c);
    }

    /** Adds a method with {@code code}. */
    void method(int access, String methodName, String methodDescriptor, Code code) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeShort(access);
            out.writeShort(utf8(methodName));
            out.writeShort(utf8(methodDescriptor));
            out.writeShort(1);
            out.writeShort(utf8("Code"));
            byte[] frames = code.frames(); // patches the jumps first
            byte[] body = code.code.toByteArray();
            int attrLength = 12 + body.length + (frames == null ? 0 : 6 + frames.length);
            out.writeInt(attrLength);
            out.writeShort(code.maxStack);
            out.writeShort(code.maxLocals);
            out.writeInt(body.length);
            out.write(body);
            out.writeShort(0); // exception table
            if (frames == null) {
                out.writeShort(0);
            } else {
                out.writeShort(1);
                out.writeShort(utf8("StackMapTable"));
                out.writeInt(frames.length);
                out.write(frames);
            }
            methods.add(bytes.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The class file. */
    byte[] toBytes(int access) {
        try {
            int thisClass = classRef(name);
            int superClass = classRef(superName);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(0xCAFEBABE);
            out.writeShort(0);
            out.writeShort(61);
            out.writeShort(poolCount);
            out.write(pool.toByteArray());
            out.writeShort(access);
            out.writeShort(thisClass);
            out.writeShort(superClass);
            out.writeShort(0); // interfaces
            out.writeShort(0); // fields
            out.writeShort(methods.size());
            for (byte[] m : methods) {
                out.write(m);
            }
            out.writeShort(0); // class attributes
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- code

    /** A jump target; {@link Code#bind} places it and records the frame there. */
    static final class Label {
        private int at = -1;
        private final List<Integer> uses = new ArrayList<>();
    }

    /**
     * A method body. Locals are typed when they are first stored ({@link #newLocal}), and a frame
     * at a label lists the locals that existed when the label was bound, which is the state every
     * jump to it must match: the generated methods jump only to points where no other locals are
     * live (a loop head and its exit) and the operand stack is empty.
     */
    final class Code {
        private final ByteArrayOutputStream code = new ByteArrayOutputStream();
        private final List<String> localTypes = new ArrayList<>();
        private final List<int[]> frameAt = new ArrayList<>();
        private final List<List<String>> frameLocals = new ArrayList<>();
        private final List<Label> labels = new ArrayList<>();
        private int stack;
        private int invokes;
        private int maxStack;
        private int maxLocals;

        private Code(int thisSlots) {
            for (int i = 0; i < thisSlots; i++) {
                localTypes.add("L" + name + ";");
            }
            maxLocals = thisSlots;
        }

        /** Declares the next parameter's local; returns its slot. */
        int parameter(Class<?> type) {
            localTypes.add(descriptor(type));
            maxLocals = localTypes.size();
            return localTypes.size() - 1;
        }

        /** A new local of {@code type}; returns its slot. */
        int newLocal(Class<?> type) {
            localTypes.add(descriptor(type));
            maxLocals = localTypes.size();
            return localTypes.size() - 1;
        }

        /** Calls written so far: the size C2 has to inline, since every Vector API call is inlined. */
        int invokes() {
            return invokes;
        }

        int position() {
            return code.size();
        }

        void u1(int b) {
            code.write(b);
        }

        void u2(int v) {
            code.write(v >>> 8);
            code.write(v);
        }

        void op(int opcode) {
            code.write(opcode);
        }

        void push(int slots) {
            stack += slots;
            maxStack = Math.max(maxStack, stack);
        }

        void pop(int slots) {
            stack -= slots;
        }

        private void local(int opcode, int slot) {
            if (slot > 255) {
                op(0xC4); // wide
                op(opcode);
                u2(slot);
            } else {
                op(opcode);
                u1(slot);
            }
        }

        void aload(int slot) {
            local(0x19, slot);
            push(1);
        }

        void astore(int slot) {
            local(0x3A, slot);
            pop(1);
        }

        void iload(int slot) {
            local(0x15, slot);
            push(1);
        }

        void istore(int slot) {
            local(0x36, slot);
            pop(1);
        }

        void fload(int slot) {
            local(0x17, slot);
            push(1);
        }

        void fstore(int slot) {
            local(0x38, slot);
            pop(1);
        }

        /** {@code array[index]} of a {@code float[][]} or {@code int[]} or {@code float[]} already on the stack. */
        void aaload() {
            op(0x32);
            pop(1);
        }

        void iaload() {
            op(0x2E);
            pop(1);
        }

        void faload() {
            op(0x30);
            pop(1);
        }

        void iadd() {
            op(0x60);
            pop(1);
        }

        void isub() {
            op(0x64);
            pop(1);
        }

        void ior() {
            op(0x80);
            pop(1);
        }

        void iushr() {
            op(0x7C);
            pop(1);
        }

        void ldc(float f) {
            constant(floatConstant(f));
        }

        void ldc(int i) {
            if (i >= -128 && i <= 127) {
                op(0x10); // bipush
                u1(i);
                push(1);
            } else {
                constant(intConstant(i));
            }
        }

        private void constant(int index) {
            if (index <= 255) {
                op(0x12);
                u1(index);
            } else {
                op(0x13);
                u2(index);
            }
            push(1);
        }

        void getstatic(Field f) {
            op(0xB2);
            u2(member(9, internal(f.getDeclaringClass()), f.getName(), descriptor(f.getType())));
            push(1);
        }

        /** Calls {@code m} on {@code owner} (the receiver's static type for an instance method). */
        void invoke(Class<?> owner, Method m) {
            String d = MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
            boolean isStatic = Modifier.isStatic(m.getModifiers());
            invokes++;
            op(isStatic ? 0xB8 : 0xB6);
            u2(member(10, internal(isStatic ? m.getDeclaringClass() : owner), m.getName(), d));
            pop(m.getParameterCount() + (isStatic ? 0 : 1));
            push(m.getReturnType() == void.class ? 0 : 1);
        }

        /** {@code local += delta}. */
        void iinc(int slot, int delta) {
            if (slot <= 255 && delta >= -128 && delta <= 127) {
                op(0x84);
                u1(slot);
                u1(delta);
            } else {
                op(0xC4);
                op(0x84);
                u2(slot);
                u2(delta);
            }
        }

        void ireturn() {
            op(0xAC);
            pop(1);
        }

        void vreturn() {
            op(0xB1);
        }

        Label label() {
            Label l = new Label();
            labels.add(l);
            return l;
        }

        /** The number of locals declared so far. */
        int locals() {
            return localTypes.size();
        }

        /**
         * Places {@code l} here, with a frame of the first {@code locals} locals (those every path
         * to it has assigned) and an empty stack.
         */
        void bind(Label l, int locals) {
            l.at = position();
            frameAt.add(new int[] {l.at});
            frameLocals.add(new ArrayList<>(localTypes.subList(0, locals)));
        }

        void gotoLabel(Label l) {
            jump(0xA7, l);
        }

        /** {@code if (a >= b) goto l} for the two ints on the stack. */
        void ifIcmpge(Label l) {
            pop(2);
            jump(0xA2, l);
        }

        private void jump(int opcode, Label l) {
            l.uses.add(position());
            op(opcode);
            u2(0); // patched by frames()
        }

        /** Patches the jumps and returns the StackMapTable's body, or null when no label was bound. */
        private byte[] frames() {
            byte[] body = code.toByteArray();
            for (Label l : labels) {
                for (int use : l.uses) {
                    int delta = l.at - use;
                    body[use + 1] = (byte) (delta >>> 8);
                    body[use + 2] = (byte) delta;
                }
            }
            code.reset();
            code.write(body, 0, body.length);
            if (frameAt.isEmpty()) {
                return null;
            }
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(bytes);
                out.writeShort(frameAt.size());
                int previous = -1;
                for (int f = 0; f < frameAt.size(); f++) {
                    int at = frameAt.get(f)[0];
                    out.writeByte(255); // full_frame
                    out.writeShort(at - previous - 1);
                    previous = at;
                    List<String> locals = frameLocals.get(f);
                    out.writeShort(locals.size());
                    for (String t : locals) {
                        switch (t) {
                            case "I" -> out.writeByte(1);
                            case "F" -> out.writeByte(2);
                            default -> {
                                out.writeByte(7);
                                out.writeShort(classRef(t.startsWith("[") ? t : t.substring(1, t.length() - 1)));
                            }
                        }
                    }
                    out.writeShort(0); // empty stack
                }
                return bytes.toByteArray();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
