package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What a project depending on Walnut needs to know from the build: the licence terms, a module name. */
class ProjectMetadataTest {
    /** The repository root (surefire runs in the module directory). */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theRepositoryCarriesTheApacheLicenceAndTheParentPomDeclaresIt() throws IOException {
        String license = Files.readString(ROOT.resolve("LICENSE"));
        assertTrue(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        assertTrue(pom.matches("(?s).*<licenses>\\s*<license>\\s*<name>Apache-2.0</name>.*"), "no <licenses> in pom.xml");
        assertTrue(pom.contains("<developers>"), "no <developers> in pom.xml");
        assertTrue(pom.contains("<url>https://github.com/walnut-ml/walnut</url>"), "no project <url> in pom.xml");
        assertTrue(pom.matches("(?s).*<scm[^>]*>\\s*<connection>scm:git:https://github.com/walnut-ml/walnut.git</connection>.*"),
                "no <scm> in pom.xml");
    }

    @Test
    void theLibraryJarsNameTheirModule() throws IOException {
        // walnut-core is an explicit module (module-info.java, checked by its ModuleTest).
        assertTrue(Files.readString(ROOT.resolve("walnut-core/src/main/java/module-info.java"))
                .contains("module dev.walnut {"));
        assertTrue(Files.readString(ROOT.resolve("walnut-blas/pom.xml"))
                .contains("<Automatic-Module-Name>dev.walnut.blas</Automatic-Module-Name>"));
        assertTrue(Files.readString(ROOT.resolve("walnut-cli/pom.xml"))
                .contains("<Automatic-Module-Name>dev.walnut.cli</Automatic-Module-Name>"));
        assertTrue(Files.readString(ROOT.resolve("walnut-datasets/pom.xml"))
                .contains("<Automatic-Module-Name>dev.walnut.datasets</Automatic-Module-Name>"));
    }
}
