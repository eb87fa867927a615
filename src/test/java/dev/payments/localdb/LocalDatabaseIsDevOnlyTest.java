package dev.payments.localdb;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dev-only database plumbing stays apart from the service: no class of the service names it,
 * so the service runs the same whether it is there or not (the packaged jar has none of its
 * libraries), and its one way in is the configuration's service loader.
 */
class LocalDatabaseIsDevOnlyTest {

    private static final Path MAIN = Path.of("src", "main", "java", "dev", "payments");

    @Test
    void noClassOfTheServiceImportsIt() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            List<String> offenders = files
                    .filter(file -> file.toString().endsWith(".java"))
                    .filter(file -> !file.startsWith(MAIN.resolve("localdb")))
                    .filter(file -> {
                        try {
                            return Files.readString(file).contains("dev.payments.localdb");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(Path::toString)
                    .toList();
            assertEquals(List.of(), offenders, "service classes that name the dev-only database");
        }
        assertEquals(List.of("dev.payments.localdb.DevDatabaseConfigSourceFactory"),
                Files.readAllLines(Path.of("src", "main", "resources", "META-INF", "services",
                        "io.smallrye.config.ConfigSourceFactory")).stream().map(String::trim)
                        .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList(),
                "its one way in: the dev profile's configuration source");
    }
}
