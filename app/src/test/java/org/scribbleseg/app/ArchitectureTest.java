package org.scribbleseg.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The app talks to the engine through {@code Engine} (its sub-facades {@code classes()}, {@code annotations()},
 * {@code project()}), records and the event stream: never through the store, its repositories or listeners, and
 * never through the CLI.
 */
class ArchitectureTest {

    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.scribbleseg.app", "org.scribbleseg.engine");

    /** The project package's machinery: everything in it but its value types (records, enums, exceptions). */
    static final DescribedPredicate<JavaClass> STORE_MACHINERY = DescribedPredicate.describe(
            "the project store, its repositories and listeners (org.scribbleseg.engine.project, records and enums excepted)",
            c -> c.getPackageName().equals("org.scribbleseg.engine.project") && !c.isRecord() && !c.isEnum()
                    && !c.isAssignableTo(RuntimeException.class));

    @Test
    void theAppNeverUsesTheStoreDirectly() {
        noClasses().that().resideInAPackage("org.scribbleseg.app..")
                .should().dependOnClassesThat(STORE_MACHINERY)
                .because("commands go through Engine and store changes come back on its event stream")
                .check(classes);
    }

    @Test
    void theAppNeverUsesTheCli() {
        noClasses().that().resideInAPackage("org.scribbleseg.app..")
                .should().dependOnClassesThat().resideInAPackage("org.scribbleseg.engine.cli..")
                .check(classes);
    }

    @Test
    void theAppDoesNotReachIntoTheEngineServices() {
        // the live loop, the jobs' workers, the training and the worker process are the engine's; the app starts and
        // watches them through Engine (heavy(), jobs() and events)
        noClasses().that().resideInAPackage("org.scribbleseg.app..")
                .should().dependOnClassesThat().resideInAnyPackage("org.scribbleseg.engine.train..", "org.scribbleseg.engine.nn..",
                        "org.scribbleseg.engine.feature..", "org.scribbleseg.engine.predict..")
                .check(classes);
    }

    /**
     * The app's threads come from {@code ThreadPools} too (through {@link UiBackground}: one per window, ended when it
     * closes, and one for the shell), never from {@code Executors} or {@code new Thread}: none outlives its project.
     */
    @Test
    void theAppCreatesNoThreadsOfItsOwn() {
        noClasses().that().resideInAPackage("org.scribbleseg.app..")
                .should().dependOnClassesThat().belongToAnyOf(java.util.concurrent.Executors.class,
                        java.util.concurrent.ThreadPoolExecutor.class, java.util.concurrent.ScheduledThreadPoolExecutor.class,
                        java.util.concurrent.ForkJoinPool.class)
                .orShould().callConstructorWhere(DescribedPredicate.describe("a constructor of Thread",
                        (JavaConstructorCall call) -> call.getTarget().getOwner().isAssignableTo(Thread.class)))
                .because("threads belong to a ThreadPools instance that closes them (UiBackground.of(engine) for a window)")
                .check(classes);
    }
}
