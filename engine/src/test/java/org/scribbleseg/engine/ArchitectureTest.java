package org.scribbleseg.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import ai.djl.ndarray.NDArray;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.util.ThreadPools;

/**
 * The engine is headless: it never touches JavaFX or AWT windows, so it runs in the CLI and on servers. Its packages
 * form layers without cycles: the CLI and the benchmarks on top, the {@code Engine} facade, the services (jobs,
 * live head, heavy runs, training, prediction, evaluation, export, features, models, GPU), the store
 * ({@code project}), and at the bottom images, {@code nn} and {@code util}. See docs/ARCHITECTURE.md.
 */
class ArchitectureTest {

    private final JavaClasses engine = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.scribbleseg.engine");

    @Test
    void engineNeverImportsJavaFx() {
        noClasses().that().resideInAPackage("org.scribbleseg.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "com.sun.javafx..", "org.controlsfx..")
                .because("the engine is headless; the UI talks to it through Engine, records and events")
                .check(engine);
    }

    @Test
    void engineNeverUsesAwtWindowsOrToolkit() {
        // java.awt.image (BufferedImage, colour models: the PNG codecs) is headless; the rest of AWT is not
        noClasses().that().resideInAPackage("org.scribbleseg.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("java.awt", "java.awt.event..", "javax.swing..")
                .because("the engine runs in the CLI and on servers without a display")
                .check(engine);
    }

    @Test
    void engineNeverDependsOnTheApp() {
        noClasses().that().resideInAPackage("org.scribbleseg.engine..")
                .should().dependOnClassesThat().resideInAPackage("org.scribbleseg.app..")
                .check(engine);
    }

    @Test
    void enginePackagesAreFreeOfCycles() {
        slices().matching("org.scribbleseg.engine.(*)..").should().beFreeOfCycles().check(engine);
    }

    @Test
    void enginePackagesFormLayers() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Cli").definedBy("org.scribbleseg.engine.cli..")
                .layer("Bench").definedBy("org.scribbleseg.engine.bench..")
                .layer("Facade").definedBy("org.scribbleseg.engine")
                .layer("Services").definedBy("org.scribbleseg.engine.job..", "org.scribbleseg.engine.heavy..",
                        "org.scribbleseg.engine.train..", "org.scribbleseg.engine.predict..", "org.scribbleseg.engine.eval..",
                        "org.scribbleseg.engine.export..", "org.scribbleseg.engine.feature..", "org.scribbleseg.engine.model..",
                        "org.scribbleseg.engine.gpu..")
                .layer("Store").definedBy("org.scribbleseg.engine.project..")
                .layer("Base").definedBy("org.scribbleseg.engine.image..", "org.scribbleseg.engine.nn..", "org.scribbleseg.engine.util..")
                .whereLayer("Cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("Bench").mayOnlyBeAccessedByLayers("Cli")
                .whereLayer("Facade").mayOnlyBeAccessedByLayers("Cli", "Bench")
                .whereLayer("Services").mayOnlyBeAccessedByLayers("Facade", "Cli", "Bench")
                .whereLayer("Store").mayOnlyBeAccessedByLayers("Services", "Facade", "Cli", "Bench")
                .check(engine);
    }

    /** NDArray methods whose {@code Number} overload builds a scalar operand that the backward pass reads again. */
    private static final Set<String> SCALAR_OPERAND_OPS = Set.of("mul", "div", "pow", "maximum", "minimum", "rdiv", "rpow");

    /**
     * DJL's {@code x.mul(2f)} wraps the 2 in a tensor over a Java direct buffer (torch::from_blob) and closes it
     * as soon as the op returns; autograd keeps that tensor for the backward pass, which then reads freed memory
     * once the buffer is collected: garbage gradients, now and then. Everything goes through {@link Ops#mul} and
     * its siblings, whose scalar is a libtorch-owned tensor (harmless outside autograd too, and one rule is clearer
     * than knowing which call sites record a graph).
     */
    @Test
    void noNdArrayOpWithAJavaNumberOperand() {
        DescribedPredicate<JavaMethodCall> numberOperand = new DescribedPredicate<>(
                "an NDArray method whose Number operand backward reads from freed memory (use Ops.mul/div/pow/maximum/minimum)") {
            @Override
            public boolean test(JavaMethodCall call) {
                var target = call.getTarget();
                return SCALAR_OPERAND_OPS.contains(target.getName()) && target.getRawParameterTypes().size() == 1
                        && target.getRawParameterTypes().get(0).isEquivalentTo(Number.class)
                        && target.getOwner().isAssignableTo(NDArray.class);
            }
        };
        noClasses().that().resideInAPackage("org.scribbleseg.engine..").and().doNotHaveFullyQualifiedName(Ops.class.getName())
                .should().callMethodWhere(numberOperand)
                .check(engine);
    }

    /** Classes that may create executors and threads: {@link ThreadPools} and its nested classes. */
    static final DescribedPredicate<JavaClass> THREAD_OWNER = DescribedPredicate.describe("ThreadPools",
            c -> c.getName().equals(ThreadPools.class.getName()) || c.getName().startsWith(ThreadPools.class.getName() + "$"));

    /**
     * One owner of threads: every executor and thread comes from a {@link ThreadPools} instance (the engine's, or one
     * the CLI, the worker process or a download owns and closes), so they are named, daemon, and stopped with their
     * owner. No exception is needed today: the HTTP client's and DJL's own threads are theirs, not created here.
     */
    @Test
    void onlyThreadPoolsCreatesExecutorsAndThreads() {
        DescribedPredicate<JavaMethodCall> executors = DescribedPredicate.describe("a java.util.concurrent.Executors factory",
                call -> call.getTarget().getOwner().isEquivalentTo(java.util.concurrent.Executors.class));
        DescribedPredicate<JavaConstructorCall> threads = DescribedPredicate.describe(
                "new Thread, ThreadPoolExecutor, ScheduledThreadPoolExecutor or ForkJoinPool",
                call -> call.getTarget().getOwner().isAssignableTo(Thread.class)
                        || call.getTarget().getOwner().isAssignableTo(java.util.concurrent.ThreadPoolExecutor.class)
                        || call.getTarget().getOwner().isAssignableTo(java.util.concurrent.ForkJoinPool.class));
        noClasses().that(DescribedPredicate.not(THREAD_OWNER))
                .should().callMethodWhere(executors).orShould().callConstructorWhere(threads)
                .because("threads belong to a ThreadPools instance that closes them (Engine.threads() for a project)")
                .check(engine);
    }
}
