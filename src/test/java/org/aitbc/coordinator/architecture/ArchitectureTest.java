package org.aitbc.coordinator.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering docs/ARCHITECTURE.md describes, checked on the compiled classes: the domain knows no
 * technology, application knows no inbound driver, infrastructure never calls up, and neither the wire
 * types nor the CLI (separate modules, whose classes are on this test's class path) reach into the
 * server. A rule broken here fails the build with the offending dependency named.
 */
class ArchitectureTest {
    private static final String BASE = "org.aitbc.coordinator";
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(BASE);
    }

    private static String pkg(String layer) {
        return BASE + "." + layer + "..";
    }

    @Test
    void theDomainKnowsNoOtherLayer() {
        check(noClasses()
                .that()
                .resideInAPackage(pkg("domain"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        pkg("application"), pkg("infrastructure"), pkg("interfaces"), pkg("wire"), pkg("cli")));
    }

    @Test
    void applicationKnowsNoInboundDriver() {
        check(noClasses()
                .that()
                .resideInAPackage(pkg("application"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(pkg("interfaces"), pkg("cli")));
    }

    @Test
    void applicationKnowsNoHttp() {
        check(noClasses()
                .that()
                .resideInAPackage(pkg("application"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("jakarta.ws.rs..", "jakarta.websocket.."));
    }

    @Test
    void infrastructureNeverCallsUp() {
        check(noClasses()
                .that()
                .resideInAPackage(pkg("infrastructure"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(pkg("application"), pkg("interfaces"), pkg("cli")));
    }

    @Test
    void theWireTypesStandAlone() {
        check(noClasses()
                .that()
                .resideInAPackage(pkg("wire"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        pkg("domain"), pkg("application"), pkg("infrastructure"), pkg("interfaces"), pkg("cli")));
    }

    @Test
    void theCliUsesOnlyTheWireTypes() {
        check(noClasses()
                .that()
                .resideInAPackage(pkg("cli"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(pkg("domain"), pkg("application"), pkg("infrastructure"), pkg("interfaces")));
    }

    @Test
    void inboundDriversUseNoPersistenceApi() {
        // Resources, the feed and the timers go through application services, never an EntityManager.
        check(noClasses()
                .that()
                .resideInAPackage(pkg("interfaces"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("jakarta.persistence.."));
    }

    private static void check(ArchRule rule) {
        rule.check(classes);
    }
}
