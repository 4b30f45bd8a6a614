package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Kernel calls the JIT can inline: for a static kernel method, a hidden class (a nestmate of the kernel's class,
 * so private kernels work too) that implements {@link JvmKernelRunner.KernelBody} with the arguments in final
 * fields and calls the kernel with a plain invokestatic:
 * <pre>
 *   final class Axpy$JvmBody implements KernelBody {
 *       private final float a1; private final FloatArray a2; ...
 *       Axpy$JvmBody(Object[] args) { a1 = (Float) args[1]; a2 = (FloatArray) args[2]; ... }
 *       public void run(KernelContext ctx) { Axpy.axpy(ctx, a1, a2, ...); }
 *   }
 * </pre>
 * A method handle with the arguments inserted, which the launch used before, is a new handle per argument
 * change that the JIT cannot inline into the runner's loop; calling it cost about 25 ns per work-item, several
 * times an elementwise kernel's work. Where the class cannot be made (a kernel in a module that does not open
 * its package to Loris), {@link #factory} returns null and the launch keeps the method handle.
 */
final class DirectKernelBodies {
    private static final ClassDesc BODY = ClassDesc.of(JvmKernelRunner.KernelBody.class.getName());
    private static final ClassDesc CONTEXT = ClassDesc.of(KernelContext.class.getName());
    private static final MethodTypeDesc CONSTRUCTOR = MethodTypeDesc.of(ConstantDescs.CD_void,
            ConstantDescs.CD_Object.arrayType());
    private static final MethodTypeDesc RUN = MethodTypeDesc.of(ConstantDescs.CD_void, CONTEXT);

    private DirectKernelBodies() {
    }

    /**
     * A handle {@code (Object[] arguments) -> KernelBody} making bodies that call {@code kernel} with
     * {@code arguments} (indexed by parameter; KernelContext parameters get the work-item's context and their
     * entries are ignored; primitives boxed), or null when no such class can be made for this method.
     */
    static MethodHandle factory(Method kernel) {
        if (!Modifier.isStatic(kernel.getModifiers()) || kernel.getDeclaringClass().isHidden()) {
            return null;
        }
        try {
            Class<?> owner = kernel.getDeclaringClass();
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(owner, MethodHandles.lookup());
            ClassDesc self = ClassDesc.of(owner.getPackageName().isEmpty() ? "JvmBody"
                    : owner.getPackageName() + ".JvmBody");
            byte[] bytes = ClassFile.of().build(self, type -> {
                type.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
                type.withInterfaceSymbols(BODY);
                Class<?>[] parameters = kernel.getParameterTypes();
                for (int p = 0; p < parameters.length; p++) {
                    if (parameters[p] != KernelContext.class) {
                        type.withField(field(p), describe(parameters[p]), ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL);
                    }
                }
                type.withMethodBody(ConstantDescs.INIT_NAME, CONSTRUCTOR, ClassFile.ACC_PUBLIC,
                        code -> construct(code, self, parameters));
                type.withMethodBody("run", RUN, ClassFile.ACC_PUBLIC, code -> call(code, self, kernel));
            });
            Class<?> body = lookup.defineHiddenClass(bytes, true, MethodHandles.Lookup.ClassOption.NESTMATE)
                    .lookupClass();
            return lookup.findConstructor(body, MethodType.methodType(void.class, Object[].class))
                    .asType(MethodType.methodType(JvmKernelRunner.KernelBody.class, Object[].class));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** super(); then each argument unboxed or cast into its field. */
    private static void construct(CodeBuilder code, ClassDesc self, Class<?>[] parameters) {
        code.aload(0).invokespecial(ConstantDescs.CD_Object, ConstantDescs.INIT_NAME, ConstantDescs.MTD_void);
        for (int p = 0; p < parameters.length; p++) {
            Class<?> type = parameters[p];
            if (type == KernelContext.class) {
                continue;
            }
            code.aload(0).aload(1).loadConstant(p).aaload();
            if (type.isPrimitive()) {
                ClassDesc box = describe(MethodType.methodType(type).wrap().returnType());
                code.checkcast(box).invokevirtual(box, type.getName() + "Value", MethodTypeDesc.of(describe(type)));
            } else {
                code.checkcast(describe(type));
            }
            code.putfield(self, field(p), describe(type));
        }
        code.return_();
    }

    /** kernel(ctx or field, ...); return. */
    private static void call(CodeBuilder code, ClassDesc self, Method kernel) {
        Class<?>[] parameters = kernel.getParameterTypes();
        ClassDesc[] descriptors = new ClassDesc[parameters.length];
        for (int p = 0; p < parameters.length; p++) {
            descriptors[p] = describe(parameters[p]);
            if (parameters[p] == KernelContext.class) {
                code.aload(1);
            } else {
                code.aload(0).getfield(self, field(p), descriptors[p]);
            }
        }
        Class<?> owner = kernel.getDeclaringClass();
        code.invokestatic(describe(owner), kernel.getName(),
                MethodTypeDesc.of(describe(kernel.getReturnType()), descriptors), owner.isInterface());
        if (kernel.getReturnType() != void.class) {
            if (kernel.getReturnType() == long.class || kernel.getReturnType() == double.class) {
                code.pop2();
            } else {
                code.pop();
            }
        }
        code.return_();
    }

    private static String field(int parameter) {
        return "a" + parameter;
    }

    private static ClassDesc describe(Class<?> type) {
        return type.describeConstable().orElseThrow(() -> new IllegalArgumentException("no descriptor for " + type));
    }
}
