package org.scribbleseg.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The engine is headless: it never touches JavaFX or AWT windows, so it runs in the CLI and on servers. */
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
    void engineNeverDependsOnTheApp() {
        noClasses().that().resideInAPackage("org.scribbleseg.engine..")
                .should().dependOnClassesThat().resideInAPackage("org.scribbleseg.app..")
                .check(engine);
    }
}
